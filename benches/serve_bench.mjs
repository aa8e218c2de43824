// Edit → the browser shows it: `haven serve` on a site, one article open in
// headless Chromium (Debian /usr/bin/chromium + playwright-core from
// tests/browser), and for each iteration a paragraph appended to that
// article's markdown; the time is from the write to the reloaded page's
// DOMContentLoaded with the new paragraph in it. Prints one line per edit,
// then the median (and min–max); `--tsv FILE` appends `size haven metric value`
// rows for benches/run.sh.
//
//   node benches/serve_bench.mjs --site DIR [--haven BIN] [--iter 5] [--size N] [--tsv FILE]
//
// The article is restored when the run ends.
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "tests", "browser", "package.json"));
const { chromium } = require("playwright-core");

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
if (!args.site) {
  console.error("usage: node benches/serve_bench.mjs --site DIR [--haven BIN] [--iter N] [--size N] [--tsv FILE]");
  process.exit(2);
}
const site = path.resolve(args.site);
const haven = path.resolve(args.haven || path.join(here, "..", "target", "release", "haven"));
const iter = Number(args.iter || 5);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The first article of the first topic folder, as benches/run.sh picks it.
function firstArticle(dir) {
  const all = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/topic-00-/.test(p) && /^a.*\.md$/.test(e.name)) all.push(p);
    }
  };
  walk(path.join(dir, "content"));
  all.sort();
  if (!all.length) throw new Error(`no article matching topic-00-*/a*.md under ${dir}/content`);
  return all[0];
}

const port = await new Promise((resolve) => {
  const s = net.createServer();
  s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
});
const file = firstArticle(site);
const original = fs.readFileSync(file, "utf8");
const url = `http://127.0.0.1:${port}/${path.relative(path.join(site, "content"), file).replace(/\.md$/, "/")}`;

const started = Date.now();
const server = spawn(haven, ["serve", "--port", String(port)], { cwd: site, stdio: ["ignore", "ignore", "pipe"] });
let log = "";
await new Promise((resolve, reject) => {
  server.stderr.on("data", (d) => { log += d; if (log.includes("Serving")) resolve(); });
  server.on("exit", (code) => reject(new Error(`haven serve exited ${code}: ${log}`)));
});
const startup = (Date.now() - started) / 1000;
const browser = await chromium.launch({
  headless: true,
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic"],
});
const times = [];
try {
  const page = await browser.newPage();
  await page.goto(url);
  await sleep(1000); // the live-reload socket is connected and has the current version
  for (let i = 1; i <= iter; i++) {
    const marker = `benchedit${i}x${Date.now() % 100000}`;
    const loaded = page.waitForEvent("domcontentloaded", { timeout: 120000 });
    const t0 = process.hrtime.bigint();
    fs.appendFileSync(file, `\n\nEdited paragraph ${marker}.\n`);
    await loaded;
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const shown = await page.evaluate((m) => document.body.innerText.includes(m), marker);
    if (!shown) throw new Error(`edit ${i}: the page reloaded without the edit`);
    times.push(ms);
    console.log(`edit ${i}: ${ms.toFixed(0)} ms`);
    await sleep(Number(args.pause || 2000));
  }
} finally {
  fs.writeFileSync(file, original);
  await browser.close();
  await sleep(500);
  server.kill();
}
const updates = [...log.matchAll(/Updated \d+ files? in (\d+) ms/g)].map((m) => Number(m[1]));
console.log(`startup (full build + serve): ${startup.toFixed(1)} s`);
console.log(`edit → page shown in the browser: median ${median(times).toFixed(0)} ms [${Math.min(...times).toFixed(0)}–${Math.max(...times).toFixed(0)}] over ${times.length} edits`);
if (updates.length) console.log(`server's in-place update: median ${median(updates)} ms [${Math.min(...updates)}–${Math.max(...updates)}]`);
if (args.tsv) {
  const rows = times.map((t) => `${args.size || "?"}\thaven\tserve edit→browser ms\t${t.toFixed(0)}\n`).join("");
  fs.appendFileSync(args.tsv, rows);
}
