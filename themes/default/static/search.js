// Haven search: search-as-you-type over the static index in search/ (built by
// `haven build`). Plain JS, no dependencies, no eval, no inline styles: it runs
// under `default-src 'self'`. It downloads only the shards a query needs.
//
// The ranking is the algorithm of src/index/query.rs, step for step, so the
// browser and `haven search` agree (tests/search.rs runs both and compares).
//
// Stable DOM hooks (the header form in base.html and the page search.html):
//   #site-search-input   the combobox input (role="combobox", aria-controls,
//                        aria-expanded, aria-activedescendant)
//   #search-results      the listbox (role="listbox"); its children are
//                        li[role="option"] with:
//                          data-url   site-absolute URL of the result, the
//                                     same string as `haven search --json`
//                                     gives in results[i].url (page option,
//                                     class .search-hit-page) and
//                                     results[i].sections[j].url (section
//                                     option, class .search-hit-section)
//                          data-kind  "page" or "section"
//                          aria-selected="true" on the active option
//                      while a search runs it has aria-busy="true"; when the
//                      results for the text in the input are shown,
//                      aria-busy="false" and data-query holds that text
//   #search-status       live region (role="status"): result counts, "No results"
//   #search-correction   "Showing results for …" when a word was corrected
//                        (hidden otherwise)
//   #search-tag, #search-audience   filters (search page only)
//   #search-more         "More results" button (search page only)
// A form with data-search-page is the full search page (search/?q=…&tag=…);
// the header form shows a popup (.search-popup) under the input instead.
//
// Shards load with fetch(); from a file:// page (or where fetch fails) each
// shard's .js twin is loaded with a <script> that calls
// window.__havenSearch.add(key, data).
(function () {
  "use strict";

  var hs = (window.__havenSearch = window.__havenSearch || {});
  var registered = hs.registered || (hs.registered = Object.create(null));
  var waiters = Object.create(null);
  hs.add = function (key, data) {
    registered[key] = data;
    var w = waiters[key];
    if (w) {
      delete waiters[key];
      w.forEach(function (f) { f(data); });
    }
  };

  // ---- analysis (src/index/analysis.rs) --------------------------------

  var FORMAT = 1;
  var EXACT = 2;
  var PREFIX = 1;
  var SUB_RESULTS = 2;
  var WORD = /[\p{Alphabetic}\p{N}]+/gu;
  var ENDS_IN_WORD = /[\p{Alphabetic}\p{N}]$/u;

  // tantivy's LowerCaser lower-cases each character on its own.
  function lower(w) {
    var out = "";
    for (var c of w) out += c.toLowerCase();
    return out;
  }
  function words(text) {
    return (text.match(WORD) || []).map(lower);
  }
  function chars(w) { return Array.from(w); }
  // Code-point order (Rust's String order), not UTF-16 order.
  function cmpCodePoints(a, b) {
    var x = chars(a), y = chars(b);
    for (var i = 0; i < x.length && i < y.length; i++) {
      var d = x[i].codePointAt(0) - y[i].codePointAt(0);
      if (d) return d;
    }
    return x.length - y.length;
  }

  // Optimal string alignment distance, or null when it exceeds max.
  function osa(a, b, max) {
    if (Math.abs(a.length - b.length) > max) return null;
    var w = b.length + 1;
    var d = new Array((a.length + 1) * w);
    for (var j = 0; j < w; j++) d[j] = j;
    for (var i = 1; i <= a.length; i++) {
      d[i * w] = i;
      var rowMin = i;
      for (j = 1; j <= b.length; j++) {
        var cost = a[i - 1] === b[j - 1] ? 0 : 1;
        var v = Math.min(d[(i - 1) * w + j] + 1, d[i * w + j - 1] + 1, d[(i - 1) * w + j - 1] + cost);
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
          v = Math.min(v, d[(i - 2) * w + j - 2] + 1);
        }
        d[i * w + j] = v;
        if (v < rowMin) rowMin = v;
      }
      if (rowMin > max) return null;
    }
    var r = d[a.length * w + b.length];
    return r <= max ? r : null;
  }

  var DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";
  function decodeCounts(s) {
    var out = [], value = 0, shift = 0;
    for (var i = 0; i < s.length; i++) {
      var d = DIGITS.indexOf(s[i]);
      if (d < 0 || shift > 25) return null;
      if (d >= 32) { value += (d - 32) * Math.pow(2, shift); shift += 5; }
      else { out.push(value + d * Math.pow(2, shift)); value = 0; shift = 0; }
    }
    return shift === 0 ? out : null;
  }

  // ---- the engine (src/index/query.rs) -----------------------------------

  // load(key) → Promise of the parsed JSON of `search/KEY.json`.
  function createEngine(load) {
    var manifest = null, starts = null, stop = null, prefixes = null;
    var shards = new Map();
    var termShard = new Map();

    function shard(name, onLoad) {
      if (!shards.has(name)) {
        var p = load(manifest.version + "/" + name).then(function (d) {
          if (onLoad) onLoad(d);
          return d;
        });
        p.catch(function () { shards.delete(name); });
        shards.set(name, p);
      }
      return shards.get(name);
    }
    function vocabShard(word) {
      var i = prefixes.get(chars(word).slice(0, 2).join(""));
      if (i === undefined) return Promise.resolve(null);
      return shard("v" + i, function (d) { d.w.forEach(function (e) { termShard.set(e[1], e[2]); }); });
    }
    function typoShard(i) {
      return shard("t" + i, function (d) { d.w.forEach(function (e) { termShard.set(e[1], e[2]); }); });
    }

    var opened = null;
    function open() {
      if (!opened) {
        opened = load("manifest").then(function (m) {
          if (!m || m.format !== FORMAT) throw new Error("search index format " + (m && m.format));
          var counts = decodeCounts(m.counts);
          if (!counts) throw new Error("search index: malformed counts");
          starts = [];
          var at = 0;
          counts.forEach(function (c) { starts.push(at); at += c; });
          starts.push(at);
          stop = new Set(m.stop);
          prefixes = new Map();
          m.vocab.forEach(function (ps, i) { ps.forEach(function (p) { prefixes.set(p, i); }); });
          manifest = m;
          return m;
        });
        opened.catch(function () { opened = null; });
      }
      return opened;
    }

    function pageOf(doc) {
      var lo = 0, hi = starts.length; // first index with starts[i] > doc
      while (lo < hi) {
        var mid = (lo + hi) >> 1;
        if (starts[mid] <= doc) lo = mid + 1; else hi = mid;
      }
      return Math.max(lo - 1, 0);
    }

    async function postings(tid) {
      var s = termShard.get(tid);
      if (s === undefined) return [];
      var d = await shard("p" + s);
      var flat = d.p[tid - d.first] || [];
      var out = [], doc = 0;
      for (var i = 0; i + 1 < flat.length; i += 2) {
        doc = i === 0 ? flat[0] : doc + flat[i];
        out.push([doc, flat[i + 1]]);
      }
      return out;
    }

    async function correct(word) {
      var typed = chars(word);
      var max = typed.length <= 4 ? 1 : 2;
      var lo = Math.max(typed.length - max, 0), hi = typed.length + max;
      var ids = [];
      manifest.typo.forEach(function (t, i) { if (t[0] === typed[0] && t[1] <= hi && t[2] >= lo) ids.push(i); });
      var loaded = await Promise.all(ids.map(typoShard));
      var best = null;
      loaded.forEach(function (s) {
        s.w.forEach(function (e) {
          var d = osa(typed, chars(e[0]), max);
          if (d === null) return;
          if (!best || d < best.d || (d === best.d && (e[3] > best.df || (e[3] === best.df && cmpCodePoints(e[0], best.w) < 0)))) {
            best = { d: d, df: e[3], w: e[0], tid: e[1] };
          }
        });
      });
      return best;
    }

    async function matchWord(word, typing) {
      var n = chars(word).length;
      var m = { word: word, kind: "none", corrected: null, terms: [], surfaces: [] };
      var isStop = stop.has(word);
      if (isStop && !typing) { m.kind = "stop"; return m; }
      var terms = new Map();
      var exact = false;
      var s = await vocabShard(word);
      if (s) {
        s.w.forEach(function (e) {
          var w = e[0], tid = e[1];
          if (w === word) {
            terms.set(tid, EXACT);
            m.surfaces.push(w);
            exact = true;
          } else if (typing && n >= 2 && w.startsWith(word)) {
            terms.set(tid, Math.max(terms.get(tid) || 0, PREFIX));
            m.surfaces.push(w);
          }
        });
      }
      if (terms.size) {
        m.kind = typing && (terms.size > 1 || !exact) ? "prefix" : "exact";
      } else if (!isStop && n >= 3) {
        var c = await correct(word);
        if (c) {
          terms.set(c.tid, EXACT);
          m.kind = "corrected";
          m.surfaces.push(c.w);
          m.corrected = c.w;
        }
      }
      m.terms = Array.from(terms.entries()).sort(function (a, b) { return a[0] - b[0]; });
      return m;
    }

    async function facetPages(kind, value) {
      var f = await shard("f");
      var list = kind === "tag" ? f.tags : f.audiences;
      var want = value.toLowerCase();
      var hit = list.find(function (e) { return e[0].toLowerCase() === want; });
      return hit ? new Set(hit[1]) : null;
    }

    // Rank `text` (steps 1-5 of query.rs); filters: {tag, audience} display names.
    async function search(text, filters) {
      await open();
      filters = filters || {};
      var ws = words(text);
      var typingLast = ENDS_IN_WORD.test(text);
      var seen = new Set();
      var plan = [];
      ws.forEach(function (w, i) {
        if (seen.has(w)) return;
        seen.add(w);
        plan.push(matchWord(w, typingLast && i === ws.length - 1));
      });
      var matched = await Promise.all(plan);
      var allowed = null;
      for (var kind of ["tag", "audience"]) {
        var v = filters[kind];
        if (!v) continue;
        var pages = await facetPages(kind, v);
        if (!pages) continue;
        allowed = allowed ? new Set(Array.from(allowed).filter(function (p) { return pages.has(p); })) : pages;
      }
      var groups = matched.filter(function (m) { return m.terms.length; });
      var lists = await Promise.all(groups.map(function (m) {
        return Promise.all(m.terms.map(function (t) { return postings(t[0]); }));
      }));
      var totals = new Map();
      groups.forEach(function (m, gi) {
        var best = new Map();
        m.terms.forEach(function (t, ti) {
          lists[gi][ti].forEach(function (p) {
            var v = p[1] * t[1];
            if (v > (best.get(p[0]) || 0)) best.set(p[0], v);
          });
        });
        best.forEach(function (v, doc) {
          var cur = totals.get(doc);
          if (cur) { cur.score += v; cur.matched += 1; }
          else totals.set(doc, { doc: doc, page: pageOf(doc), score: v, matched: 1 });
        });
      });
      var docs = Array.from(totals.values());
      if (allowed) docs = docs.filter(function (d) { return allowed.has(d.page); });
      docs.sort(function (a, b) { return b.matched - a.matched || b.score - a.score || a.doc - b.doc; });
      var out = [], index = new Map();
      docs.forEach(function (d) {
        var at = index.get(d.page);
        if (at === undefined) { at = out.length; index.set(d.page, at); out.push({ page: d.page, docs: [] }); }
        out[at].docs.push(d);
      });
      var corrected = null;
      if (matched.some(function (m) { return m.kind === "corrected"; })) {
        corrected = matched.filter(function (m) { return m.kind !== "stop"; })
          .map(function (m) { return m.corrected || m.word; }).join(" ");
      }
      return { words: matched, sections: docs.length, pages: out, corrected: corrected };
    }

    async function page(p) {
      var per = Math.max(manifest.meta_pages, 1);
      var d = await shard("m" + Math.floor(p / per));
      return d.pages[p % per];
    }

    async function text(doc) {
      var per = Math.max(manifest.text_docs, 1);
      var d = await shard("x" + Math.floor(doc / per));
      return d.x[doc % per] || "";
    }

    // Display data for ranked pages from..to: their page shards, and the
    // excerpt of each page's best section only.
    async function describe(ranked, from, to) {
      var hits = ranked.pages.slice(from, to);
      var metas = await Promise.all(hits.map(function (h) { return page(h.page); }));
      var texts = await Promise.all(hits.map(function (h) { return text(h.docs[0].doc); }));
      return hits.map(function (h, i) {
        var m = metas[i];
        function sec(d) {
          var s = m.s[d.doc - starts[h.page]] || ["", ""];
          return { heading: s[0], anchor: s[1], score: d.score, matched: d.matched };
        }
        var best = sec(h.docs[0]);
        best.text = texts[i];
        return {
          page: h.page, title: m.t, path: m.u, tags: m.g, audience: m.a,
          best: best,
          subs: h.docs.slice(1, 1 + SUB_RESULTS).map(sec),
        };
      });
    }

    return {
      open: open,
      search: search,
      describe: describe,
      manifest: function () { return manifest; },
    };
  }

  hs.createEngine = createEngine;
  hs.words = words;
  hs.osa = osa;
  hs.SUB_RESULTS = SUB_RESULTS;

  if (typeof document === "undefined" || !document.getElementById) return;

  // ---- the page ------------------------------------------------------------

  var script = document.currentScript;
  var input = document.getElementById("site-search-input");
  var list = document.getElementById("search-results");
  if (!script || !input || !list) return;
  var root = script.src.replace(/[^/]*$/, "");
  var rootPath = new URL(root).pathname;
  var fileMode = location.protocol === "file:";
  var status = document.getElementById("search-status");
  var correction = document.getElementById("search-correction");
  var form = input.form;
  var pageMode = !!(form && form.hasAttribute("data-search-page"));
  var popup = pageMode ? null : list.closest(".search-popup");
  var tagSelect = document.getElementById("search-tag");
  var audienceSelect = document.getElementById("search-audience");
  var moreButton = document.getElementById("search-more");
  var PAGE_SIZE = pageMode ? 10 : 8;
  var base = root + "search/";

  var useScripts = fileMode || typeof fetch !== "function";
  function viaScript(key) {
    return new Promise(function (resolve, reject) {
      (waiters[key] = waiters[key] || []).push(resolve);
      var s = document.createElement("script");
      s.src = base + key + ".js";
      s.onload = function () { s.remove(); };
      s.onerror = function () {
        s.remove();
        delete waiters[key];
        reject(new Error("cannot load search/" + key + ".js"));
      };
      document.head.appendChild(s);
    });
  }
  function load(key) {
    if (registered[key]) return Promise.resolve(registered[key]);
    if (useScripts) return viaScript(key);
    return fetch(base + key + ".json", key === "manifest" ? { cache: "no-cache" } : {}).then(function (r) {
      if (!r.ok) throw new Error("search/" + key + ".json: HTTP " + r.status);
      return r.json();
    }, function () {
      // fetch itself failed (no network stack for this scheme, blocked):
      // scripts still work.
      useScripts = true;
      return viaScript(key);
    });
  }

  var engine = createEngine(load);
  var seq = 0;
  var shown = 0;
  var last = null; // { ranked, query, filters, hits }
  var active = -1;
  var debounce = 0;

  function href(path, anchor) {
    var p = root + path;
    if (fileMode && (p.endsWith("/") || p === root)) p += "index.html";
    return p + (anchor ? "#" + anchor : "");
  }
  function siteUrl(path, anchor) {
    return rootPath + path + (anchor ? "#" + anchor : "");
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  // An excerpt of `text` around the first matched word, matched words in <mark>.
  function excerpt(text, hits, max) {
    var span = el("span", "search-hit-excerpt");
    if (!text) return span;
    var tokens = [], m;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(text))) tokens.push([m.index, m.index + m[0].length, hits.has(lower(m[0]))]);
    var first = tokens.find(function (t) { return t[2]; });
    var start = 0;
    if (first && first[0] > max / 3) {
      var from = first[0] - Math.floor(max / 4);
      // Start at a whole word (after a space, not inside "therapist's").
      var t = tokens.find(function (t) { return t[0] >= from && (t[0] === 0 || /\s/.test(text[t[0] - 1])); });
      if (t && t[0] > first[0]) t = first;
      start = t ? t[0] : first[0];
    }
    var end = Math.min(text.length, start + max);
    if (end < text.length) {
      var cut = tokens.filter(function (t) { return t[1] <= end; }).pop();
      if (cut && cut[1] > start) end = cut[1];
    }
    if (start > 0) span.appendChild(document.createTextNode("… "));
    var at = start;
    tokens.forEach(function (t) {
      if (!t[2] || t[0] < start || t[1] > end) return;
      span.appendChild(document.createTextNode(text.slice(at, t[0])));
      span.appendChild(el("mark", "", text.slice(t[0], t[1])));
      at = t[1];
    });
    span.appendChild(document.createTextNode(text.slice(at, end)));
    if (end < text.length) span.appendChild(document.createTextNode(" …"));
    return span;
  }

  function option(kind, url, link) {
    var li = el("li", "search-hit search-hit-" + kind);
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    li.id = "search-opt-" + list.children.length;
    li.dataset.url = url;
    li.dataset.kind = kind;
    var a = el("a", "search-hit-link");
    a.href = link;
    a.tabIndex = -1;
    li.appendChild(a);
    return { li: li, a: a };
  }

  function renderHits(hits, surfaces) {
    hits.forEach(function (h) {
      var o = option("page", siteUrl(h.path, h.best.anchor), href(h.path, h.best.anchor));
      o.a.appendChild(el("span", "search-hit-title", h.title));
      if (h.best.heading) o.a.appendChild(el("span", "search-hit-heading", h.best.heading));
      o.li.appendChild(excerpt(h.best.text, surfaces, pageMode ? 220 : 120));
      if (pageMode && (h.tags.length || h.audience.length)) {
        o.li.appendChild(el("span", "search-hit-tags", h.tags.concat(h.audience.map(function (a) { return "for " + a; })).join(" · ")));
      }
      list.appendChild(o.li);
      h.subs.forEach(function (s) {
        var so = option("section", siteUrl(h.path, s.anchor), href(h.path, s.anchor));
        so.a.appendChild(el("span", "search-hit-heading", s.heading || h.title));
        list.appendChild(so.li);
      });
    });
  }

  function setOpen(open) {
    if (popup) popup.hidden = !open;
    input.setAttribute("aria-expanded", open && list.children.length ? "true" : "false");
    if (!open) setActive(-1);
  }

  function setActive(i) {
    var opts = list.children;
    if (active >= 0 && opts[active]) opts[active].setAttribute("aria-selected", "false");
    active = i;
    if (i >= 0 && opts[i]) {
      opts[i].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", opts[i].id);
      if (opts[i].scrollIntoView) opts[i].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function say(text) {
    if (status) status.textContent = text;
  }

  function filters() {
    return {
      tag: tagSelect ? tagSelect.value : "",
      audience: audienceSelect ? audienceSelect.value : "",
    };
  }

  function clear() {
    seq++;
    list.textContent = "";
    last = null;
    shown = 0;
    setActive(-1);
    if (correction) correction.hidden = true;
    if (moreButton) moreButton.hidden = true;
    say("");
    setOpen(false);
    done(input.value);
  }

  async function run() {
    var q = input.value;
    var f = filters();
    if (pageMode) syncUrl(q, f);
    if (!q.trim()) { clear(); return; }
    var mine = ++seq;
    list.setAttribute("aria-busy", "true");
    try {
      var ranked = await engine.search(q, f);
      var hits = await engine.describe(ranked, 0, PAGE_SIZE);
      if (mine !== seq) return;
      var surfaces = new Set();
      ranked.words.forEach(function (w) { w.surfaces.forEach(function (s) { surfaces.add(s); }); });
      list.textContent = "";
      setActive(-1);
      last = { ranked: ranked, surfaces: surfaces };
      shown = hits.length;
      renderHits(hits, surfaces);
      if (correction) {
        correction.hidden = !ranked.corrected;
        correction.textContent = ranked.corrected ? "Showing results for “" + ranked.corrected + "”" : "";
      }
      var n = ranked.pages.length;
      if (!n) say("No results for “" + q.trim() + "”");
      else say(n + (n === 1 ? " page" : " pages") + " found" + (n > shown ? ", showing " + shown : ""));
      if (moreButton) moreButton.hidden = shown >= n;
      setOpen(document.activeElement === input || pageMode);
      done(q);
    } catch (e) {
      if (mine !== seq) return;
      list.textContent = "";
      say("Search is unavailable: " + e.message);
      setOpen(false);
      done(q);
    }
  }

  function done(q) {
    list.dataset.query = q;
    list.setAttribute("aria-busy", "false");
  }

  async function more() {
    if (!last) return;
    var mine = seq;
    var hits = await engine.describe(last.ranked, shown, shown + PAGE_SIZE);
    if (mine !== seq) return;
    var firstNew = list.children.length;
    shown += hits.length;
    renderHits(hits, last.surfaces);
    var n = last.ranked.pages.length;
    say(n + " pages found, showing " + shown);
    if (moreButton) moreButton.hidden = shown >= n;
    setActive(firstNew < list.children.length ? firstNew : active);
    input.focus();
  }

  function syncUrl(q, f) {
    if (!history.replaceState) return;
    var params = new URLSearchParams();
    if (q) params.set("q", q);
    if (f.tag) params.set("tag", f.tag);
    if (f.audience) params.set("audience", f.audience);
    var s = params.toString();
    history.replaceState(null, "", location.pathname + (s ? "?" + s : "") + location.hash);
  }

  function schedule() {
    list.setAttribute("aria-busy", "true");
    clearTimeout(debounce);
    debounce = setTimeout(run, 100);
  }

  function go(li) {
    var a = li && li.querySelector("a");
    if (a) location.href = a.href;
  }

  input.addEventListener("input", schedule);
  input.addEventListener("focus", function () {
    engine.open().catch(function () {});
    if (last && list.children.length) setOpen(true);
  });
  input.addEventListener("blur", function () {
    if (!pageMode) setTimeout(function () { if (document.activeElement !== input) setOpen(false); }, 150);
  });
  input.addEventListener("keydown", function (ev) {
    var n = list.children.length;
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      if (!n) return;
      ev.preventDefault();
      setOpen(true);
      var next = ev.key === "ArrowDown" ? (active + 1) % n : active <= 0 ? n - 1 : active - 1;
      setActive(next);
    } else if (ev.key === "Enter") {
      if (active >= 0 && list.children[active]) {
        ev.preventDefault();
        go(list.children[active]);
      } else if (pageMode) {
        ev.preventDefault();
        clearTimeout(debounce);
        run();
      }
    } else if (ev.key === "Escape") {
      if (popup && !popup.hidden) { ev.preventDefault(); setOpen(false); }
      else if (active >= 0) { ev.preventDefault(); setActive(-1); }
      else if (input.value) { ev.preventDefault(); input.value = ""; clear(); if (pageMode) syncUrl("", filters()); }
    }
  });
  // Keep focus in the input while clicking a result.
  list.addEventListener("mousedown", function (ev) { ev.preventDefault(); });
  if (form) {
    form.addEventListener("submit", function (ev) {
      if (pageMode) { ev.preventDefault(); clearTimeout(debounce); run(); return; }
      if (fileMode) {
        // On disk, search/ is a folder: open its index.html.
        ev.preventDefault();
        location.href = root + "search/index.html?q=" + encodeURIComponent(input.value);
      }
    });
  }
  if (moreButton) moreButton.addEventListener("click", more);

  function fillSelect(select, entries, chosen) {
    if (!select) return;
    entries.forEach(function (e) {
      var o = document.createElement("option");
      o.value = e[0];
      o.textContent = e[0] + " (" + e[1] + ")";
      select.appendChild(o);
    });
    var hit = chosen && entries.find(function (e) { return e[0].toLowerCase() === chosen.toLowerCase(); });
    if (hit) select.value = hit[0];
    select.addEventListener("change", function () { clearTimeout(debounce); run(); });
  }

  if (pageMode) {
    var params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    engine.open().then(function (m) {
      fillSelect(tagSelect, m.tags, params.get("tag"));
      fillSelect(audienceSelect, m.audiences, params.get("audience"));
      var box = document.querySelector(".search-filters");
      if (box && (m.tags.length || m.audiences.length)) box.hidden = false;
      if (input.value) run();
    }, function (e) { say("Search is unavailable: " + e.message); });
  }
})();
