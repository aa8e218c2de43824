// Per-query search benchmark: Haven's search page against Pagefind's JS API,
// cold, in headless Chromium (Debian /usr/bin/chromium + playwright-core from
// tests/browser/node_modules). A benchmark, not a test: it prints figures.
//
//   node benches/search_bench.mjs --site CORPUS/haven --truth truth.json \
//        [--pagefind PAGEFIND_OUT] [--size N] [--iter 3] [--tsv results.tsv]
//
// --site is a built Haven site (public/ and search-index/); --truth the JSON
// of `cargo bench --bench search_truth -- --root CORPUS/haven`, which picks
// the queries from the corpus (a common word, two common words, a rare word,
// a typo of the rare word, the rare word without its first letter) and knows
// the exact pages of a 2-letter prefix; --pagefind the output folder of
// `pagefind --site CORPUS/haven/public --output-path PAGEFIND_OUT`.
// benches/run.sh runs all three; this script also runs alone on a built corpus.
//
// What is measured, per query, in a fresh browser context (empty cache):
// - bytes: the response bodies of every request the query makes, plus the
//   files each engine loads to initialise, whenever it loads them (Haven:
//   search/manifest.js; Pagefind: everything its init() loads — pagefind.js,
//   the worker, pagefind-entry.json, the wasm and the metadata). Not counted:
//   the page itself (HTML, CSS, Haven's search.js, which every page loads)
//   and the names for the search page's filter menus (Haven: search/…/g.js).
//   Files are served uncompressed, as stored (no gzip).
// - requests: how many requests those bytes took.
// - time to first results: from the query (Enter in Haven's search box; a
//   call to pagefind.search) until 10 results are ready to show (Haven: the
//   result list is rendered; Pagefind: data() of the first 10 results
//   resolved). Both engines are initialised first (Haven's search page loads
//   its manifest on load; Pagefind's init()), so this is the query's own
//   time. Median of --iter cold runs.
// Then two checks: the typo queries must return the pages with the intended
// word, and a prefix query must return exactly the pages (and sections) that
// contain a word with that prefix (Haven: the engine's full result set;
// Pagefind: its result count).
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "tests", "browser", "package.json"));
const { chromium } = require("playwright-core");

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
if (!args.site || !args.truth) {
  console.error("usage: node benches/search_bench.mjs --site SITE --truth TRUTH.json [--pagefind DIR] [--size N] [--iter N] [--tsv FILE]");
  process.exit(2);
}
const site = path.resolve(args.site, "public");
const pagefindDir = args.pagefind ? path.resolve(args.pagefind) : null;
const truth = JSON.parse(fs.readFileSync(args.truth, "utf8"));
const size = args.size || String(truth.pages);
const ITER = Number(args.iter || 3);
const RESULTS = 10;
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'";

const types = {
  ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml",
  ".wasm": "application/wasm",
};
const PAGEFIND_PAGE = `<!doctype html><meta charset="utf-8"><title>Pagefind</title>
<script type="module">
window.pfReady = (async () => {
  const pf = await import("/pagefind/pagefind.js");
  await pf.init();
  window.pf = pf;
})();
</script>`;

function serve() {
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (url === "/__pagefind.html") {
      res.writeHead(200, { "Content-Type": types[".html"] });
      return res.end(PAGEFIND_PAGE);
    }
    let [root, rel, csp] = [site, url, CSP];
    if (url.startsWith("/pagefind/") && pagefindDir) [root, rel, csp] = [pagefindDir, url.slice("/pagefind".length), null];
    let file = path.join(root, rel);
    if (!file.startsWith(root)) { res.writeHead(403); return res.end(); }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
    if (!fs.existsSync(file)) { res.writeHead(404); return res.end(); }
    const headers = { "Content-Type": types[path.extname(file)] || "application/octet-stream" };
    if (csp) headers["Content-Security-Policy"] = csp;
    res.writeHead(200, headers);
    res.end(fs.readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** Record the requests of a page: [{url, phase, bytes}]. */
function recorder(page) {
  const log = { phase: "load", requests: [], pending: [] };
  page.on("requestfinished", (req) => {
    const phase = log.phase;
    log.pending.push(req.sizes().then((s) => log.requests.push({ url: req.url(), phase, bytes: s.responseBodySize })));
  });
  page.on("requestfailed", (req) => log.requests.push({ url: req.url(), phase: log.phase, bytes: 0, failed: true }));
  return log;
}

async function settle(page, log) {
  await page.waitForLoadState("networkidle");
  await Promise.all(log.pending);
}

function tally(log, isInit) {
  const counted = log.requests.filter((r) => {
    const p = new URL(r.url).pathname;
    return (r.phase === "query" && p !== "/favicon.svg") || isInit(p);
  });
  return {
    bytes: counted.reduce((n, r) => n + r.bytes, 0),
    requests: counted.length,
    files: counted.map((r) => `${new URL(r.url).pathname} (${r.bytes} B)`),
  };
}

const havenInit = (p) => p === "/search/manifest.js";
const pagefindInit = (p) => p.startsWith("/pagefind/");

async function havenQuery(browser, origin, q) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  const log = recorder(page);
  await page.goto(origin + "/search/", { waitUntil: "load" });
  await settle(page, log);
  log.phase = "query";
  const out = await page.evaluate(async (q) => {
    const input = document.getElementById("site-search-input");
    const list = document.getElementById("search-results");
    const ready = () => list.getAttribute("aria-busy") === "false" && list.dataset.query === q;
    input.value = q;
    const t0 = performance.now();
    const done = new Promise((resolve) => {
      const obs = new MutationObserver(() => { if (ready()) { obs.disconnect(); resolve(performance.now()); } });
      obs.observe(list, { attributes: true, childList: true });
    });
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
    const t1 = await done;
    const urls = Array.from(list.querySelectorAll('[role="option"][data-kind="page"]')).map((e) => e.dataset.url);
    const status = document.getElementById("search-status").textContent;
    const correction = document.getElementById("search-correction");
    return { ms: t1 - t0, urls, status, corrected: correction && !correction.hidden ? correction.textContent : "" };
  }, q);
  await settle(page, log);
  await context.close();
  return { ...out, ...tally(log, havenInit), errors };
}

async function pagefindQuery(browser, origin, q) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const log = recorder(page);
  await page.goto(origin + "/__pagefind.html", { waitUntil: "load" });
  await page.evaluate(() => window.pfReady);
  await settle(page, log);
  log.phase = "query";
  const out = await page.evaluate(async ([q, k]) => {
    const t0 = performance.now();
    const s = await window.pf.search(q);
    const data = await Promise.all(s.results.slice(0, k).map((r) => r.data()));
    const t1 = performance.now();
    return { ms: t1 - t0, urls: data.map((d) => d.url), total: s.results.length };
  }, [q, RESULTS]);
  await settle(page, log);
  await context.close();
  return { ...out, ...tally(log, pagefindInit), errors: [] };
}

/** Haven's complete result set for a prefix: the engine of the search page, no limit. */
async function havenPrefix(browser, origin, prefix) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(origin + "/search/", { waitUntil: "load" });
  const out = await page.evaluate(async (p) => {
    const engine = window.__havenSearch.engine;
    const r = await engine.search(p, {}, Infinity);
    const docs = [];
    r.pages.forEach((h) => h.docs.forEach((d) => docs.push(d.page + ":" + d.section)));
    return { pages: r.pages.length, docs, count: r.count };
  }, prefix);
  await context.close();
  return out;
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
const pathOf = (u) => new URL(u, "http://x").pathname;

const server = await serve();
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({
  headless: true,
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic"],
});

const queries = [
  ["common word", truth.common],
  ["rare word", truth.rare],
  ["two common words", truth.common2.join(" ")],
  ["typo", truth.typo],
  ["typo, first letter missing", truth.typo_first],
];
const rows = [];
const tsv = [];
const record = (tool, metric, value) => tsv.push([size, tool, metric, value].join("\t"));
try {
  for (const [label, q] of queries) {
    const runs = { haven: [], pagefind: [] };
    for (let i = 0; i < ITER; i++) {
      runs.haven.push(await havenQuery(browser, origin, q));
      if (pagefindDir) runs.pagefind.push(await pagefindQuery(browser, origin, q));
    }
    const row = { label, q };
    for (const tool of ["haven", "pagefind"]) {
      const r = runs[tool];
      if (!r.length) continue;
      const first = r[0];
      row[tool] = { kb: first.bytes / 1000, requests: first.requests, ms: median(r.map((x) => x.ms)), urls: first.urls, total: first.total, status: first.status, corrected: first.corrected, files: first.files, errors: first.errors };
      const m = `“${q}”`;
      record(tool, `query ${label} ${m}: KB`, (first.bytes / 1000).toFixed(1));
      record(tool, `query ${label} ${m}: requests`, first.requests);
      record(tool, `query ${label} ${m}: ms to first results`, row[tool].ms.toFixed(0));
      if (label.startsWith("typo")) {
        // The results shown should be pages with the intended word: as many
        // as fit (RESULTS), all of them when fewer.
        const want = new Set(truth.typo_pages);
        const found = first.urls.map(pathOf).filter((u) => want.has(u)).length;
        const best = Math.min(RESULTS, want.size);
        row[tool].intended = `${found}/${best}`;
        record(tool, `query ${label} ${m}: results with the intended word`, `${found}/${best}`);
      }
    }
    rows.push(row);
  }

  // Prefix completeness.
  const prefix = truth.prefix;
  const hp = await havenPrefix(browser, origin, prefix).catch((e) => ({ error: e.message }));
  const wantDocs = new Set(truth.prefix_sections.map((d) => d[0] + ":" + d[1]));
  let havenCheck;
  if (hp.error) havenCheck = `error: ${hp.error}`;
  else {
    const got = new Set(hp.docs);
    const missing = [...wantDocs].filter((d) => !got.has(d)).length;
    const extra = [...got].filter((d) => !wantDocs.has(d)).length;
    havenCheck = `${hp.pages}/${truth.prefix_pages} pages, ${missing} sections missed, ${extra} extra`;
  }
  record("haven", `prefix “${prefix}”: pages found/pages with such a word`, havenCheck);
  let pagefindCheck = "";
  if (pagefindDir) {
    const pf = await pagefindQuery(browser, origin, prefix);
    pagefindCheck = `${pf.total}/${truth.prefix_pages} pages`;
    record("pagefind", `prefix “${prefix}”: pages found/pages with such a word`, pagefindCheck);
  }

  const fmt = (x, d = 1) => (x === undefined ? "" : x.toFixed(d));
  const ratio = (a, b) => (a !== undefined && b ? (a / b).toFixed(3) + "×" : "");
  const lines = [];
  lines.push(`Search queries, ${size} articles (${truth.pages} pages, ${truth.sections} sections); cold, ${RESULTS} results, median ms of ${ITER} runs`);
  lines.push("");
  lines.push("| query | haven KB | pagefind KB | haven/pagefind | haven req | pagefind req | haven ms | pagefind ms | haven/pagefind ms |");
  lines.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    const h = r.haven, p = r.pagefind || {};
    lines.push(`| ${r.label} “${r.q}” | ${fmt(h.kb)} | ${fmt(p.kb)} | ${ratio(h.kb, p.kb)} | ${h.requests} | ${p.requests ?? ""} | ${fmt(h.ms, 0)} | ${fmt(p.ms, 0)} | ${ratio(h.ms, p.ms)} |`);
  }
  lines.push("");
  for (const r of rows.filter((r) => r.label.startsWith("typo"))) {
    lines.push(`- ${r.label} “${r.q}” (meant: “${truth.rare}”, on ${truth.typo_pages.length} pages): of haven's first ${Math.min(RESULTS, truth.typo_pages.length)} results, ${r.haven.intended.split("/")[0]} have it${r.haven.corrected ? ` (${r.haven.corrected})` : ""}${r.pagefind ? `; pagefind ${r.pagefind.intended.split("/")[0]} (${r.pagefind.total} results)` : ""}`);
  }
  lines.push(`- prefix “${prefix}” (${truth.prefix_pages} of ${truth.pages} pages have a word starting with it): haven ${havenCheck}${pagefindCheck ? `; pagefind ${pagefindCheck}` : ""}`);
  for (const r of rows) {
    if (r.haven.errors.length) lines.push(`- haven page errors for “${r.q}”: ${r.haven.errors.join("; ")}`);
  }
  if (process.env.VERBOSE) {
    for (const r of rows) for (const tool of ["haven", "pagefind"]) if (r[tool]) lines.push(`- ${tool} “${r.q}” files: ${r[tool].files.join(" ")}`);
  }
  console.log(lines.join("\n"));
  if (args.tsv) fs.appendFileSync(args.tsv, tsv.join("\n") + "\n");
  if (args.md) fs.writeFileSync(args.md, lines.join("\n") + "\n");
} finally {
  await browser.close();
  server.close();
}
