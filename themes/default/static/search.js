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
// Every file of search/ is one call, window.__havenSearch.add(KEY, PAYLOAD)
// (JSON, or a base64 string of binary data; src/index/codec.rs). Files are
// fetched as text and PAYLOAD parsed; from a file:// page (or where fetch
// fails) the same file is loaded with a <script> instead.
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

  var FORMAT = 5;
  var EXACT = 2;
  var PREFIX = 1;
  var SUB_RESULTS = 2;
  var BATCH = 8;
  var PREFER = [3, 2];
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
  // The words between each pair of double quotes (phrases in query.rs).
  function phrases(text) {
    var parts = text.split(/["\u201c\u201d\u201e]/);
    var closed = parts.length % 2 === 1 ? parts.length : parts.length - 1;
    var out = [];
    for (var i = 1; i < closed; i += 2) {
      var w = words(parts[i]);
      if (w.length) out.push(w);
    }
    return out;
  }
  function says(text, phrase) {
    var w = words(text);
    for (var i = 0; i + phrase.length <= w.length; i++) {
      var j = 0;
      while (j < phrase.length && w[i + j] === phrase[j]) j++;
      if (j === phrase.length) return true;
    }
    return false;
  }
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

  // ---- file formats (src/index/codec.rs) -----------------------------------

  // A file's payload: JSON as is, a base64 string as bytes.
  function payload(data) {
    if (typeof data !== "string") return data;
    var s = atob(data), out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  // The payload of a file's text: window.__havenSearch.add("KEY",PAYLOAD);
  function unscript(text) {
    return payload(JSON.parse(text.slice(text.indexOf(",") + 1, text.lastIndexOf(")"))));
  }

  var utf8 = new TextDecoder();
  function Reader(bytes, at) { this.b = bytes; this.at = at || 0; }
  Reader.prototype.varint = function () {
    var v = 0, mul = 1;
    for (;;) {
      if (this.at >= this.b.length) throw new Error("search index: truncated number");
      var x = this.b[this.at++];
      v += (x & 0x7f) * mul;
      if (x < 0x80) return v;
      mul *= 128;
    }
  };
  Reader.prototype.str = function () {
    var n = this.varint();
    var s = utf8.decode(this.b.subarray(this.at, this.at + n));
    this.at += n;
    return s;
  };
  // A postings block: [page, section, score] by page, section.
  function readBlock(r) {
    var n = r.varint(), min = r.varint(), out = new Array(n), page = 0;
    for (var i = 0; i < n; i++) {
      var v = r.varint();
      page += Math.floor(v / 8);
      var section = v % 8;
      if (section === 7) section += r.varint();
      out[i] = [page, section, min + r.varint()];
    }
    return out;
  }
  // Vocabulary shard: [word, term, record shard, sections]; words are
  // front-coded (bytes shared with the word before, then the rest).
  function readVocab(bytes) {
    var r = new Reader(bytes), words = [], prev = new Uint8Array(0);
    for (var n = r.varint(); n > 0; n--) {
      var shared = r.varint(), len = r.varint();
      if (shared > prev.length || r.at + len > bytes.length) throw new Error("search index: bad vocabulary");
      var cur = new Uint8Array(shared + len);
      cur.set(prev.subarray(0, shared));
      cur.set(bytes.subarray(r.at, r.at + len), shared);
      r.at += len;
      prev = cur;
      words.push([utf8.decode(cur), r.varint(), r.varint(), r.varint()]);
    }
    return words;
  }
  // Record shard: per term its counts, head and table of blocks.
  function readRecords(bytes) {
    var r = new Reader(bytes), terms = [];
    for (var n = r.varint(); n > 0; n--) {
      var t = { tid: r.varint(), df: r.varint(), pf: r.varint(), head: readBlock(r), blocks: [] };
      for (var nb = r.varint(); nb > 0; nb--) {
        var b = { tier: r.varint(), lo: r.varint() };
        b.hi = b.lo + r.varint();
        b.max = r.varint(); b.file = r.varint(); b.offset = r.varint(); b.len = r.varint();
        t.blocks.push(b);
      }
      terms.push(t);
    }
    return terms;
  }
  // The anchor a heading gets when the page file does not name it
  // (simple_anchor in src/index/export.rs).
  function simpleAnchor(h) {
    if (!h) return "";
    var out = "";
    for (var i = 0; i < h.length; i++) {
      var c = h[i];
      if (/[A-Za-z0-9]/.test(c)) out += c.toLowerCase();
      else if (out && out[out.length - 1] !== "-") out += "-";
    }
    out = out.replace(/-+$/, "");
    return out || "section";
  }
  // Raw DEFLATE bytes → text; null where the browser cannot inflate.
  function inflate(bytes) {
    if (typeof DecompressionStream !== "function") return Promise.resolve(null);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
    return new Response(stream).text();
  }

  // ---- the engine (src/index/query.rs) -----------------------------------

  // load(key) → Promise of the payload of `search/KEY.js` (see payload()).
  function createEngine(load) {
    var manifest = null, stop = null, question = null;
    var shards = new Map();
    var termShard = new Map(); // term id → its record shard
    var terms = new Map(); // term id → record
    var files = new Map(); // postings file → bytes
    var blocks = new Map(); // "tid:index" → postings

    function shard(name, onLoad) {
      if (!shards.has(name)) {
        var p = load(manifest.version + "/" + name).then(function (d) {
          return onLoad ? onLoad(d) : d;
        });
        p.catch(function () { shards.delete(name); });
        shards.set(name, p);
      }
      return shards.get(name);
    }
    var GROUP_CHARS = 3;
    // The last vocabulary shard whose first group is at most key, or -1.
    function shardOf(key) {
      var lo = 0, hi = manifest.vocab.length; // first index with vocab[i] > key
      while (lo < hi) {
        var mid = (lo + hi) >> 1;
        if (cmpCodePoints(manifest.vocab[mid], key) <= 0) lo = mid + 1; else hi = mid;
      }
      return lo - 1;
    }
    function loadVocab(i) {
      return shard("v" + i, function (bytes) {
        var v = readVocab(bytes);
        v.forEach(function (w) { termShard.set(w[1], w[2]); });
        return v;
      });
    }
    // The shard of word's group (null if none).
    function vocabShard(word) {
      var i = shardOf(chars(word).slice(0, GROUP_CHARS).join(""));
      return i < 0 ? Promise.resolve(null) : loadVocab(i);
    }
    // Every shard that may hold a word of word's group, or (typing 2
    // letters) a word starting with it.
    function vocabShards(word, prefix) {
      if (!manifest.vocab.length) return Promise.resolve([]);
      var key = chars(word).slice(0, GROUP_CHARS).join("");
      var first = shardOf(key), last = prefix ? shardOf(key + "\u{10FFFF}") : first;
      if (prefix) first = Math.max(first, 0);
      var out = [];
      for (var i = first; i >= 0 && i <= last; i++) out.push(loadVocab(i));
      return Promise.all(out);
    }
    function loadRecords(tids) {
      var need = new Set();
      tids.forEach(function (t) { if (termShard.has(t)) need.add(termShard.get(t)); });
      return Promise.all(Array.from(need).map(function (i) {
        return shard("r" + i, function (bytes) {
          readRecords(bytes).forEach(function (t) { terms.set(t.tid, t); });
          return true;
        });
      }));
    }

    var opened = null;
    function open() {
      if (!opened) {
        opened = load("manifest").then(function (m) {
          if (!m || m.format !== FORMAT) throw new Error("search index format " + (m && m.format));
          stop = new Set(m.stop);
          question = new Set(m.question);
          manifest = m;
          return m;
        });
        opened.catch(function () { opened = null; });
      }
      return opened;
    }

    // Keep in best the closest of candidates [word, sections] within max
    // edits: smallest distance, then earliest stage, then longest common
    // ending, then most sections, then the smaller word.
    function consider(best, typed, max, stage, candidates) {
      candidates.forEach(function (e) {
        var cs = chars(e[0]);
        var d = osa(typed, cs, max);
        if (d === null) return;
        var suffix = 0;
        while (suffix < typed.length && suffix < cs.length && typed[typed.length - 1 - suffix] === cs[cs.length - 1 - suffix]) suffix++;
        var c = { d: d, stage: stage, suffix: suffix, df: e[1], w: e[0] };
        var b = best.c;
        var k = b ? c.d - b.d || c.stage - b.stage || b.suffix - c.suffix || b.df - c.df : -1;
        if (k < 0 || (k === 0 && cmpCodePoints(c.w, b.w) < 0)) best.c = c;
      });
    }

    // Step 3 of query.rs: candidates in stages, each loaded only while
    // nothing at distance 1 was found.
    async function correct(word) {
      var typed = chars(word);
      var max = typed.length <= 4 ? 1 : 2;
      var group = typed.slice(0, GROUP_CHARS).join("");
      var v = await vocabShard(word);
      var own = (v || []).filter(function (w) { return chars(w[0]).slice(0, GROUP_CHARS).join("") === group; })
        .map(function (w) { return [w[0], w[3]]; });
      var best = { c: null };
      consider(best, typed, max, 0, own);
      if (best.c && best.c.d <= 1) return best.c.w;
      var tables = await shard("l");
      // The lists of `letter` in `table` holding words of length lo..hi
      // (typo_lists_of in src/index/export).
      function lists(table, prefix, letter, lo, hi) {
        var out = [], base = 0;
        for (var i = 0; i < table.length; i++) {
          var b = table[i][1], count = Math.max(b.length - 1, 0);
          if (table[i][0] === letter) {
            for (var k = 0; k < count; k++) {
              var first = k === 0 ? b[0] : b[k] + 1;
              if (first <= hi && b[k + 1] >= lo) out.push(prefix + (base + k));
            }
            return out;
          }
          base += count;
        }
        return out;
      }
      // Stages and phases as in correct() in src/index/query/words.rs: the
      // lengths one edit reaches first, the rest only if nothing is that close.
      var n = typed.length, lo = Math.max(n - max, 0), hi = n + max;
      function stage2(lo, hi, near) {
        if (n < 2) return [];
        var v = lists(tables.t, "t", typed[1], lo, hi);
        if (near) return v.concat(lists(tables.u, "u", typed[1], n, n), lists(tables.u, "u", typed[0], n + 1, n + 1));
        return v.concat(lists(tables.u, "u", typed[1], lo, hi), lists(tables.u, "u", typed[0], lo, hi));
      }
      var phases = [
        [[1, lists(tables.t, "t", typed[0], Math.max(n - 1, 0), n + 1)]],
        [[2, stage2(Math.max(n - 1, 0), n + 1, true)]],
      ];
      if (max > 1) phases.push([[1, lists(tables.t, "t", typed[0], lo, hi)], [2, stage2(lo, hi, false)]]);
      for (var i = 0; i < phases.length; i++) {
        var loaded = await Promise.all(phases[i].map(function (p) {
          return Promise.all(p[1].map(function (name) { return shard(name); }));
        }));
        phases[i].forEach(function (p, j) {
          var candidates = [];
          // A list is [word, sections, word, sections, …].
          loaded[j].forEach(function (s) {
            for (var k = 0; k + 1 < s.length; k += 2) candidates.push([s[k], s[k + 1]]);
          });
          consider(best, typed, max, p[0], candidates);
        });
        if (best.c && best.c.d <= 1) break;
      }
      return best.c ? best.c.w : null;
    }

    async function matchWord(word, typing, fix) {
      var n = chars(word).length;
      var m = { word: word, kind: "none", corrected: null, terms: [], surfaces: [] };
      var isStop = stop.has(word);
      if (isStop && !typing) { m.kind = "stop"; return m; }
      var found = new Map();
      var exact = false;
      var shards = await vocabShards(word, typing && n === 2);
      shards.forEach(function (s) {
        s.forEach(function (e) {
          var w = e[0], tid = e[1];
          if (w === word) {
            found.set(tid, EXACT);
            m.surfaces.push(w);
            exact = true;
          } else if (typing && n >= 2 && w.startsWith(word)) {
            found.set(tid, Math.max(found.get(tid) || 0, PREFIX));
            m.surfaces.push(w);
          }
        });
      });
      if (found.size) {
        m.kind = typing && (found.size > 1 || !exact) ? "prefix" : "exact";
      } else if (fix && !isStop && !question.has(word) && n >= 3) {
        var c = await correct(word);
        var cs = c && await vocabShard(c);
        var hit = cs && cs.find(function (e) { return e[0] === c; });
        if (hit) {
          found.set(hit[1], EXACT);
          m.kind = "corrected";
          m.surfaces.push(c);
          m.corrected = c;
        }
      }
      m.terms = Array.from(found.entries()).sort(function (a, b) { return a[0] - b[0]; });
      return m;
    }

    async function facetPages(kind, value) {
      var g = await shard("g");
      var list = kind === "tag" ? g.tags : g.audiences;
      var want = value.toLowerCase();
      var i = list.findIndex(function (e) { return e[0].toLowerCase() === want; });
      return i < 0 ? null : shard((kind === "tag" ? "ft" : "fa") + i);
    }

    // Load the files of `wanted` blocks, then decode every block of the
    // query's terms that those files hold.
    async function fetchBlocks(tids, wanted) {
      var need = new Set();
      wanted.forEach(function (k) {
        var i = k.indexOf(":");
        need.add(terms.get(Number(k.slice(0, i))).blocks[Number(k.slice(i + 1))].file);
      });
      await Promise.all(Array.from(need).map(function (f) {
        if (files.has(f)) return null;
        return shard("p" + f).then(function (bytes) { files.set(f, bytes); });
      }));
      tids.forEach(function (tid) {
        var rec = terms.get(tid);
        if (!rec) return;
        rec.blocks.forEach(function (b, i) {
          var key = tid + ":" + i;
          if (blocks.has(key) || !files.has(b.file)) return;
          var bytes = files.get(b.file);
          if (b.offset + b.len > bytes.length) throw new Error("search index: block out of range");
          blocks.set(key, readBlock(new Reader(bytes.subarray(b.offset, b.offset + b.len))));
        });
      });
    }

    // Steps 4-6 of query.rs: the exact best `limit` pages of `groups` (per
    // word: its [term, weight] pairs), restricted to the sorted page list
    // `allowed` (or null).
    async function rank(groups, allowed, prefer, limit) {
      var entries = [];
      var preferSet = prefer ? new Set(prefer) : null;
      function factor(page) { return !preferSet ? 1 : preferSet.has(page) ? PREFER[0] : PREFER[1]; }
      var top = preferSet ? PREFER[0] : 1;
      groups.forEach(function (ts, g) { ts.forEach(function (t) { entries.push([g, t[0], t[1]]); }); });
      var tids = Array.from(new Set(entries.map(function (e) { return e[1]; }))).sort(function (a, b) { return a - b; });
      var ng = groups.length;
      var allowedSet = allowed ? new Set(allowed) : null;
      function rangeOk(lo, hi) {
        if (!allowed) return true;
        var a = 0, b = allowed.length;
        while (a < b) { var mid = (a + b) >> 1; if (allowed[mid] < lo) a = mid + 1; else b = mid; }
        return a < allowed.length && allowed[a] <= hi;
      }
      function key(v, f) {
        var m = 0, s = 0;
        for (var i = 0; i < v.length; i++) { if (v[i] > 0) m++; s += v[i]; }
        return [m, s * f];
      }
      function cmpKey(a, b) { return a[0] - b[0] || a[1] - b[1]; }
      var round = 0;
      for (;;) {
        var docs = new Map(), open = new Map();
        tids.forEach(function (tid) {
          var rec = terms.get(tid);
          if (!rec) return;
          var lists = [rec.head];
          rec.blocks.forEach(function (b, i) {
            if (!rangeOk(b.lo, b.hi)) return;
            var got = blocks.get(tid + ":" + i);
            if (got) lists.push(got);
            else {
              if (!open.has(tid)) open.set(tid, []);
              open.get(tid).push({ lo: b.lo, hi: b.hi, max: b.max, tier: b.tier, index: i });
            }
          });
          var mine = entries.filter(function (e) { return e[1] === tid; });
          lists.forEach(function (ps) {
            ps.forEach(function (p) {
              if (allowedSet && !allowedSet.has(p[0])) return;
              var k = p[0] * 1048576 + p[1];
              var d = docs.get(k);
              if (!d) { d = { page: p[0], section: p[1], lo: new Array(ng).fill(0), found: [] }; docs.set(k, d); }
              mine.forEach(function (e) { d.lo[e[0]] = Math.max(d.lo[e[0]], p[2] * e[2]); });
              d.found.push(tid);
            });
          });
        });
        var ub = function (tid, page) {
          var best = [0, -1];
          (open.get(tid) || []).forEach(function (b) {
            if (b.lo <= page && page <= b.hi && b.max > best[0]) best = [b.max, b.index];
          });
          return best;
        };
        var exact = [], unsure = [];
        docs.forEach(function (d) {
          var hi = d.lo.slice();
          entries.forEach(function (e) {
            if (open.has(e[1]) && d.found.indexOf(e[1]) < 0) hi[e[0]] = Math.max(hi[e[0]], ub(e[1], d.page)[0] * e[2]);
          });
          var same = hi.every(function (v, i) { return v === d.lo[i]; });
          if (same) exact.push({ key: key(d.lo, factor(d.page)), d: d });
          else unsure.push({ key: key(hi, factor(d.page)), d: d });
        });
        exact.sort(function (a, b) { return cmpKey(b.key, a.key) || a.d.page - b.d.page || a.d.section - b.d.section; });
        var shown = new Set(), cut = 0;
        for (var i = 0; i < exact.length; i++) {
          if (shown.size === limit) break;
          shown.add(exact[i].d.page);
          cut = i + 1;
        }
        // The bar: the limit-th best lower bound of a page.
        var pageLower = new Map();
        docs.forEach(function (d) {
          var k = key(d.lo, factor(d.page)), cur = pageLower.get(d.page);
          if (!cur || cmpKey(k, cur) > 0) pageLower.set(d.page, k);
        });
        var bar = null;
        if (limit > 0 && pageLower.size >= limit) {
          var lows = Array.from(pageLower.values()).sort(function (a, b) { return cmpKey(b, a); });
          bar = lows[limit - 1];
        }
        var beats = function (k) { return !bar || cmpKey(k, bar) >= 0; };
        var bestUnseen = new Array(ng).fill(0);
        var openMax = new Map();
        open.forEach(function (bs, tid) { openMax.set(tid, Math.max.apply(null, bs.map(function (b) { return b.max; }))); });
        entries.forEach(function (e) {
          if (openMax.has(e[1])) bestUnseen[e[0]] = Math.max(bestUnseen[e[0]], openMax.get(e[1]) * e[2]);
        });
        var unseen = key(bestUnseen, top);
        var wanted = new Set();
        if (limit > 0) {
          // Threats, strongest first (the unseen ones after sections of the
          // same bound), a batch of blocks a round, doubling each round.
          var batch = BATCH * Math.pow(2, Math.min(Math.floor(round / 2), 7));
          var threats = unsure.filter(function (u) { return beats(u.key); });
          if (unseen[0] > 0 && beats(unseen)) threats.push({ key: unseen, d: null });
          threats.sort(function (a, b) {
            return cmpKey(b.key, a.key) ||
              (a.d && b.d ? a.d.page - b.d.page || a.d.section - b.d.section : a.d ? -1 : b.d ? 1 : 0);
          });
          threats.forEach(function (u) {
            if (wanted.size >= batch) return;
            if (u.d) {
              entries.forEach(function (e) {
                if (u.d.found.indexOf(e[1]) >= 0) return;
                var b = ub(e[1], u.d.page);
                if (b[1] >= 0 && b[0] * e[2] > u.d.lo[e[0]]) wanted.add(e[1] + ":" + b[1]);
              });
              return;
            }
            // Unseen sections: the next tier of each word's strongest terms,
            // best blocks first (at least one per term).
            entries.forEach(function (e) {
              var bs = open.get(e[1]);
              if (!bs || openMax.get(e[1]) * e[2] !== bestUnseen[e[0]]) return;
              var tier = Math.min.apply(null, bs.map(function (b) { return b.tier; }));
              var next = bs.filter(function (b) { return b.tier === tier; });
              next.sort(function (a, b) { return b.max - a.max || a.index - b.index; });
              for (var k = 0; k < next.length; k++) {
                if (k > 0 && wanted.size >= batch) break;
                wanted.add(e[1] + ":" + next[k].index);
              }
            });
          });
        }
        round++;
        if (!wanted.size) {
          var pagesFound = new Set();
          docs.forEach(function (d) { pagesFound.add(d.page); });
          var count = { pages: pagesFound.size, sections: docs.size, exact: open.size === 0 };
          if (!count.exact && !allowed) {
            tids.forEach(function (tid) {
              var r = terms.get(tid);
              if (r) { count.pages = Math.max(count.pages, r.pf); count.sections = Math.max(count.sections, r.df); }
            });
          }
          var out = [], at = new Map();
          exact.slice(0, cut).forEach(function (x) {
            var hit = { page: x.d.page, section: x.d.section, score: x.key[1], matched: x.key[0] };
            if (!at.has(hit.page)) { at.set(hit.page, out.length); out.push({ page: hit.page, docs: [] }); }
            out[at.get(hit.page)].docs.push(hit);
          });
          return { pages: out, count: count };
        }
        await fetchBlocks(tids, wanted);
      }
    }

    // Whether section `section` of `page` says every phrase, in its title
    // (first section only), heading or text (says_phrases in query.rs).
    async function saysPhrases(p, section, list) {
      var d = await doc(p, section);
      var text = docText(d, section);
      // No text where the browser cannot inflate: nothing to check against.
      if (text === null) return true;
      var fields = [section === 0 ? d.t : "", docHeading(d, section)[0] || "", text];
      return list.every(function (ph) { return fields.some(function (t) { return says(t, ph); }); });
    }

    // Step 6 with phrases (rank_phrases in query.rs): the sections that say
    // every phrase, in rank order, until `limit` pages or none is left.
    async function rankPhrases(groups, allowed, prefer, list, limit) {
      var want = Math.max(limit, 1) * 2;
      for (;;) {
        var r = await rank(groups, allowed, prefer, want);
        var more = r.pages.length === want;
        var docs = [];
        r.pages.forEach(function (p) { docs = docs.concat(p.docs); });
        docs.sort(function (a, b) {
          return b.matched - a.matched || b.score - a.score || a.page - b.page || a.section - b.section;
        });
        // The candidates' files in one round of requests, not one by one
        // (query.rs reads them as it goes: a file there costs no round trip).
        await Promise.all(docs.map(function (d) { return doc(d.page, d.section); }));
        var out = [], at = new Map(), sections = 0;
        for (var i = 0; i < docs.length; i++) {
          var d = docs[i];
          if (!at.has(d.page) && out.length === limit) continue;
          if (!(await saysPhrases(d.page, d.section, list))) continue;
          sections++;
          if (!at.has(d.page)) { at.set(d.page, out.length); out.push({ page: d.page, docs: [] }); }
          out[at.get(d.page)].docs.push(d);
        }
        if (out.length === limit || !more) {
          return { pages: out, count: { pages: out.length, sections: sections, exact: !more && out.length < limit } };
        }
        want *= 4;
      }
    }

    // Rank `text` (steps 1-6 of query.rs) and return its best `limit` pages;
    // filters: {tag, audience} display names, and `prefer`, an audience
    // whose pages count more.
    async function search(text, filters, limit) {
      await open();
      filters = filters || {};
      if (limit === undefined) limit = 10;
      var ws = words(text);
      var typingLast = ENDS_IN_WORD.test(text);
      var seen = new Set();
      var plan = [];
      // A question's own words go when it has others (src/index/query).
      var subject = ws.some(function (w) { return !stop.has(w) && !question.has(w); });
      // A phrase's words are found as typed: never prefixes, never corrected.
      var list = phrases(text);
      var quoted = new Set();
      list.forEach(function (ph) { ph.forEach(function (w) { quoted.add(w); }); });
      ws.forEach(function (w, i) {
        if (seen.has(w)) return;
        seen.add(w);
        var typing = typingLast && i === ws.length - 1 && !quoted.has(w);
        if (subject && !typing && question.has(w)) {
          plan.push(Promise.resolve({ word: w, kind: "stop", corrected: null, terms: [], surfaces: [] }));
          return;
        }
        plan.push(matchWord(w, typing, !quoted.has(w)));
      });
      var matched = await Promise.all(plan);
      var allowed = null;
      for (var kind of ["tag", "audience"]) {
        var v = filters[kind];
        if (!v) continue;
        var pages = await facetPages(kind, v);
        if (!pages) continue;
        allowed = allowed ? allowed.filter(function (p) { return pages.indexOf(p) >= 0; }) : pages;
      }
      var prefer = filters.prefer ? await facetPages("audience", filters.prefer) : null;
      var groups = matched.filter(function (m) { return m.terms.length; }).map(function (m) { return m.terms; });
      var tids = [];
      groups.forEach(function (g) { g.forEach(function (t) { tids.push(t[0]); }); });
      await loadRecords(tids);
      var r = list.length ? await rankPhrases(groups, allowed, prefer, list, limit) : await rank(groups, allowed, prefer, limit);
      var corrected = null;
      if (matched.some(function (m) { return m.kind === "corrected"; })) {
        corrected = matched.filter(function (m) { return m.kind !== "stop"; })
          .map(function (m) { return m.corrected || m.word; }).join(" ");
      }
      return { words: matched, count: r.count, pages: r.pages, corrected: corrected };
    }

    // A page's file: its title, URL, tags, audience and section headings
    // (MetaPage in src/index/export).
    function page(p) { return shard("m" + p); }
    // The file of a run of a page's sections (manifest.sections_per_file of
    // them): {t, u, g, a, h, x}, its page's title, URL, tags and audience,
    // their headings and texts, as deflated JSON (DocFile in
    // src/index/export). Where the browser cannot inflate, the page's file
    // stands in, without texts (x null).
    function perFile() { return Math.max(manifest.sections_per_file || 1, 1); }
    var docFiles = new Map();
    function doc(p, section) {
      var run = Math.floor(section / perFile()), name = "d" + p + "-" + run;
      if (!docFiles.has(name)) {
        var d = shard(name).then(inflate).then(function (t) {
          if (t !== null) return JSON.parse(t);
          return page(p).then(function (m) {
            var from = run * perFile();
            return { t: m.t, u: m.u, g: m.g, a: m.a, h: m.s.slice(from, from + perFile()), x: null };
          });
        });
        docFiles.set(name, d);
        d.catch(function () { docFiles.delete(name); });
      }
      return docFiles.get(name);
    }
    // A section's stored heading, and its text (null: not inflated), from
    // its file.
    function docHeading(d, section) { return d.h[section % perFile()] || [""]; }
    function docText(d, section) { return d.x === null ? null : d.x[section % perFile()] || ""; }

    // Display data for ranked pages from..to: the file of each one's best
    // section, and its page's headings when it lists other sections too.
    async function describe(ranked, from, to) {
      var hits = ranked.pages.slice(from, to);
      var files = await Promise.all(hits.map(function (h) {
        var best = h.docs[0];
        return Promise.all([
          doc(h.page, best.section),
          h.docs.length > 1 ? page(h.page) : null,
        ]);
      }));
      var texts = hits.map(function (h, i) { return docText(files[i][0], h.docs[0].section) || ""; });
      return hits.map(function (h, i) {
        var d = files[i][0], m = files[i][1];
        function heading(stored) {
          var s = stored || ["", ""];
          return { heading: s[0], anchor: s.length > 1 ? s[1] : simpleAnchor(s[0]) };
        }
        function sec(hit) {
          var s = heading(m && m.s[hit.section]);
          return { heading: s.heading, anchor: s.anchor, score: hit.score, matched: hit.matched };
        }
        var own = heading(docHeading(d, h.docs[0].section));
        var best = { heading: own.heading, anchor: own.anchor, score: h.docs[0].score, matched: h.docs[0].matched };
        best.text = texts[i];
        return {
          page: h.page, title: d.t, path: d.u, tags: d.g, audience: d.a,
          best: best,
          subs: h.docs.slice(1, 1 + SUB_RESULTS).map(sec),
        };
      });
    }

    return {
      open: open,
      search: search,
      describe: describe,
      facets: function () { return open().then(function () { return shard("g"); }); },
      manifest: function () { return manifest; },
    };
  }

  hs.createEngine = createEngine;
  hs.unscript = unscript;
  hs.payload = payload;
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
  // An audience whose pages rank first: the header form's, from the page it
  // is on; the search page's, from its address (`?prefer=`).
  var preferNote = document.getElementById("search-prefer");
  var prefer = pageMode ? new URLSearchParams(location.search).get("prefer") || ""
    : form && form.elements.prefer ? form.elements.prefer.value : "";
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
    if (registered[key] !== undefined) return Promise.resolve(payload(registered[key]));
    if (useScripts) return viaScript(key).then(payload);
    return fetch(base + key + ".js", key === "manifest" ? { cache: "no-cache" } : {}).then(function (r) {
      if (!r.ok) throw new Error("search/" + key + ".js: HTTP " + r.status);
      return r.text().then(unscript);
    }, function () {
      // fetch itself failed (no network stack for this scheme, blocked):
      // scripts still work.
      useScripts = true;
      return viaScript(key).then(payload);
    });
  }

  var engine = createEngine(load);
  hs.engine = engine;
  var seq = 0;
  var shown = 0;
  var last = null; // { ranked, surfaces, query, filters }
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
      prefer: prefer,
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

  // "12 pages found", or "At least 40 pages found" when the ranking
  // stopped before counting every match.
  function countText(count, shown) {
    var n = count.pages;
    var pages = n + (n === 1 ? " page" : " pages");
    if (count.exact) return pages + " found" + (n > shown ? ", showing " + shown : "");
    return "At least " + pages + " found, showing " + shown;
  }
  function moreLeft(count) { return !count.exact || shown < count.pages; }

  async function run() {
    var q = input.value;
    var f = filters();
    if (pageMode) syncUrl(q, f);
    if (!q.trim()) { clear(); return; }
    var mine = ++seq;
    list.setAttribute("aria-busy", "true");
    try {
      var ranked = await engine.search(q, f, PAGE_SIZE);
      var hits = await engine.describe(ranked, 0, PAGE_SIZE);
      if (mine !== seq) return;
      var surfaces = new Set();
      ranked.words.forEach(function (w) { w.surfaces.forEach(function (s) { surfaces.add(s); }); });
      list.textContent = "";
      setActive(-1);
      last = { ranked: ranked, surfaces: surfaces, query: q, filters: f };
      shown = hits.length;
      renderHits(hits, surfaces);
      if (correction) {
        correction.hidden = !ranked.corrected;
        correction.textContent = ranked.corrected ? "Showing results for “" + ranked.corrected + "”" : "";
      }
      if (!ranked.pages.length) say("No results for “" + q.trim() + "”");
      else say(countText(ranked.count, shown));
      if (moreButton) moreButton.hidden = !ranked.pages.length || !moreLeft(ranked.count);
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
    var limit = shown + PAGE_SIZE;
    var ranked = await engine.search(last.query, last.filters, limit);
    var hits = await engine.describe(ranked, shown, limit);
    if (mine !== seq) return;
    last.ranked = ranked;
    var firstNew = list.children.length;
    shown += hits.length;
    renderHits(hits, last.surfaces);
    say(countText(ranked.count, shown));
    if (moreButton) moreButton.hidden = !hits.length || !moreLeft(ranked.count);
    setActive(firstNew < list.children.length ? firstNew : active);
    input.focus();
  }

  function syncUrl(q, f) {
    if (!history.replaceState) return;
    var params = new URLSearchParams();
    if (q) params.set("q", q);
    if (f.tag) params.set("tag", f.tag);
    if (f.audience) params.set("audience", f.audience);
    if (f.prefer) params.set("prefer", f.prefer);
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

  if (pageMode && preferNote && prefer) {
    preferNote.querySelector(".search-prefer-name").textContent = prefer;
    preferNote.hidden = false;
    preferNote.querySelector("button").addEventListener("click", function () {
      prefer = "";
      preferNote.hidden = true;
      clearTimeout(debounce);
      run();
      input.focus();
    });
  }

  if (pageMode) {
    var params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    var menus = engine.facets().then(function (g) {
      fillSelect(tagSelect, g.tags, params.get("tag"));
      fillSelect(audienceSelect, g.audiences, params.get("audience"));
      var box = document.querySelector(".search-filters");
      if (box && (g.tags.length || g.audiences.length)) box.hidden = false;
    });
    // A filter from the URL needs its menu filled before the search runs.
    var ready = params.get("tag") || params.get("audience") ? menus : engine.open();
    ready.then(function () { if (input.value) run(); }, function (e) { say("Search is unavailable: " + e.message); });
    menus.catch(function () {});
  }
})();
