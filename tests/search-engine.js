// Runs the engine of themes/default/static/search.js under Node against a
// built site's search/ folder, as the browser would: the same code, with each
// `search/KEY.js` read from disk instead of fetched. Each query starts cold
// (a fresh engine, nothing cached), like a first visit.
//
// usage: node tests/search-engine.js SEARCH_DIR BASE_PATH LIMIT QUERY...
//   QUERY is the text typed, or JSON {"q": "...", "tag": "...", "audience": "...", "prefer": "..."};
//   LIMIT is the number of pages asked for ("all" for every page)
// prints JSON: for each query, the top LIMIT pages (as `haven search --json`
// prints them: url, score, matched, sections[].url/score) and every file the
// query loaded, with its size in bytes (`loaded`, `bytes`).
// With HAVEN_NO_INFLATE=1 the engine runs as in a browser without
// DecompressionStream.
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

globalThis.window = globalThis;
if (process.env.HAVEN_NO_INFLATE === "1") delete globalThis.DecompressionStream;
const source = path.join(__dirname, "..", "themes", "default", "static", "search.js");
vm.runInThisContext(fs.readFileSync(source, "utf8"), { filename: source });

const [dir, base, limit, ...queries] = process.argv.slice(2);

function url(p, anchor) {
  return base + p + (anchor ? "#" + anchor : "");
}

(async () => {
  const out = [];
  for (const arg of queries) {
    const spec = arg.startsWith("{") ? JSON.parse(arg) : { q: arg };
    const loaded = [];
    const engine = window.__havenSearch.createEngine(async (key) => {
      const bytes = fs.readFileSync(path.join(dir, key + ".js"));
      loaded.push([key, bytes.length]);
      return window.__havenSearch.unscript(bytes.toString("utf8"));
    });
    const n = limit === "all" ? Infinity : Number(limit);
    const ranked = await engine.search(spec.q, { tag: spec.tag || "", audience: spec.audience || "", prefer: spec.prefer || "" }, n);
    const hits = await engine.describe(ranked, 0, n);
    out.push({
      query: spec.q,
      corrected: ranked.corrected,
      total_pages: ranked.count.pages,
      total_sections: ranked.count.sections,
      total_exact: ranked.count.exact,
      results: hits.map((h) => ({
        title: h.title,
        url: url(h.path, h.best.anchor),
        score: h.best.score,
        matched: h.best.matched,
        text: h.best.text,
        sections: h.subs.map((s) => ({ url: url(h.path, s.anchor), score: s.score })),
      })),
      loaded,
      bytes: loaded.reduce((n, l) => n + l[1], 0),
    });
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
