// `haven serve` in a real browser: an edit reloads the open page by itself,
// and a build error shows as an overlay while the last good page stays.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import net from "node:net";
import { spawn, execFileSync } from "node:child_process";
import { launch, repo, shot } from "./lib.mjs";

const haven = process.env.HAVEN_BIN || path.join(repo, "target", "release", "haven");
let dir, server, browser, cleanup, port;

function freePort() {
  return new Promise((resolve) => { const s = net.createServer(); s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); }); });
}

before(async () => {
  assert.ok(fs.existsSync(haven), `no haven binary at ${haven}: run \`cargo build --release\``);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "haven-serve-test-"));
  execFileSync(haven, ["new", path.join(dir, "site")]);
  port = await freePort();
  server = spawn(haven, ["serve", "--port", String(port), "--root", path.join(dir, "site")], { stdio: ["ignore", "ignore", "pipe"] });
  await new Promise((resolve, reject) => {
    let buf = "";
    server.stderr.on("data", (d) => { buf += d; if (buf.includes("Serving")) resolve(); });
    server.on("exit", (code) => reject(new Error(`serve exited ${code}: ${buf}`)));
  });
  ({ browser, cleanup } = await launch());
});
after(async () => { await cleanup?.(); server?.kill(); fs.rmSync(dir, { recursive: true, force: true }); });

test("an edit live-reloads the open page; a build error shows an overlay", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await page.goto(`http://127.0.0.1:${port}/articles/working-alliance/`);
  await page.waitForTimeout(600); // the live-reload script has seen the current version
  const file = path.join(dir, "site", "content", "articles", "working-alliance.md");
  const original = fs.readFileSync(file, "utf8");
  const started = Date.now();
  fs.writeFileSync(file, original.replace("The working alliance is the shared work", "LIVE EDIT: the shared work"));
  await page.waitForFunction(() => document.body.innerText.includes("LIVE EDIT"), null, { timeout: 15000 });
  console.log(`edit → reloaded page: ${Date.now() - started} ms`);

  fs.writeFileSync(file, original.replace("title = ", "titel = "));
  await page.waitForSelector("#haven-error-overlay", { timeout: 15000 });
  const overlay = await page.locator("#haven-error-overlay").innerText();
  assert.match(overlay, /Build failed/);
  assert.match(overlay, /content\/articles\/working-alliance\.md:2:1/);
  assert.ok(await page.locator("text=LIVE EDIT").count() > 0, "the last good page stays");
  await shot(page, "serve-error-overlay");

  fs.writeFileSync(file, original);
  await page.waitForFunction(() => !document.getElementById("haven-error-overlay") && !document.body.innerText.includes("LIVE EDIT"), null, { timeout: 15000 });
  assert.deepEqual(errors.filter((e) => !/Failed to fetch|ERR_/.test(e)), []);
});
