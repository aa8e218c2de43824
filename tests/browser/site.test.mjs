// The shipped site in a real browser: every page clean (console, requests,
// CSP, privacy), axe-core WCAG A/AA on every page type, layout at desktop and
// phone widths, margin citations beside their paragraphs, keyboard access.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { serve, launch, allPages, watchedPage, shot, siteDir } from "./lib.mjs";
import { axeViolations, layoutProblems, widths } from "./gates.mjs";

let server, origin, browser, cleanup;

before(async () => {
  assert.ok(fs.existsSync(path.join(siteDir, "index.html")), `no built site at ${siteDir}: run \`cargo run --release -- build\` first`);
  server = await serve();
  origin = `http://127.0.0.1:${server.address().port}`;
  ({ browser, cleanup } = await launch());
});
after(async () => { await cleanup?.(); server?.close(); });

const pages = allPages();
const article = "/alliance/alliance-and-outcome/";
const pageTypes = {
  home: "/", article, clientArticle: "/for-clients/before-your-first-session/", section: "/attachment/",
  tag: pages.find((p) => p.startsWith("/tags/") && p !== "/tags/"), tags: "/tags/", series: "/supervision/",
  glossary: "/glossary/", sources: "/sources/", notFound: "/404.html",
  sourcesOfAKind: "/sources/meta-analysis/", people: "/people/", person: "/people/editorial-team/",
  changes: "/changes/", about: "/about/", editorialPolicy: "/about/editorial-policy/", privacy: "/about/privacy/",
};

test("every page loads with no console errors, failed requests, CSP violations or third-party requests", async () => {
  assert.ok(pages.length > 40, `only ${pages.length} pages`);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const failures = [];
  const watched = await watchedPage(context, origin);
  for (const p of pages) {
    const { problems, status } = await watched.visit(p);
    if (!p.startsWith("/404") && status !== 200) problems.push(`status ${status}`);
    if (problems.length) failures.push(`${p}:\n  ${problems.join("\n  ")}`);
  }
  await context.close();
  assert.deepEqual(failures, [], failures.join("\n"));
  console.log(`checked ${pages.length} pages`);
});

test("axe-core finds no WCAG 2.0/2.1/2.2 A or AA violations on any page type", async () => {
  const report = await axeViolations(browser, origin, pageTypes);
  assert.deepEqual(report, [], report.join("\n"));
});

for (const size of widths) for (const scheme of ["light", "dark"]) {
  test(`layout at ${size[0]}px (${scheme}): no horizontal scroll, bands span the window, content aligned and balanced`, async () => {
    const bad = await layoutProblems(browser, origin, pageTypes, size, scheme, "");
    assert.deepEqual(bad, [], bad.join("\n"));
  });
}

test("every same-site link with a #fragment lands on an element with that id", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(origin + "/");
  const ids = new Map();
  const idsOf = async (p) => {
    if (!ids.has(p)) {
      ids.set(p, await page.evaluate(async (url) => {
        const r = await fetch(url);
        if (!r.ok) return null;
        const doc = new DOMParser().parseFromString(await r.text(), "text/html");
        return [...doc.querySelectorAll("[id]")].map((e) => e.id);
      }, origin + p));
    }
    return ids.get(p);
  };
  const bad = [];
  let checked = 0;
  for (const p of pages) {
    const html = fs.readFileSync(path.join(siteDir, p.endsWith("/") ? p + "index.html" : p), "utf8");
    for (const m of html.matchAll(/href="([^"]*#[^"]+)"/g)) {
      const url = new URL(m[1].replace(/&amp;/g, "&"), origin + p);
      if (url.origin !== origin) continue;
      const target = decodeURIComponent(url.pathname);
      const fragment = decodeURIComponent(url.hash.slice(1));
      if (fragment === "top") continue; // every browser's top of the document
      const found = await idsOf(target);
      checked++;
      if (found === null) bad.push(`${p}: ${m[1]} → ${target} does not load`);
      else if (!found.includes(fragment)) bad.push(`${p}: ${m[1]} → no element with id "${fragment}" on ${target}`);
    }
  }
  await context.close();
  console.log(`checked ${checked} fragment links`);
  assert.ok(checked > 100, `only ${checked} fragment links`);
  assert.deepEqual(bad, [], bad.slice(0, 40).join("\n"));
});

test("desktop: margin sources sit beside their paragraph, never overlapping text or each other", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const bad = [];
  let checked = 0;
  const page = await context.newPage();
  for (const p of pages.filter((p) => /^\/(alliance|attachment|rupture-repair|therapist-qualities|for-clients|supervision)\/[^/]+\/$/.test(p))) {
    await page.goto(origin + p);
    const r = await page.evaluate(() => {
      const boxes = (els) => [...els].map((e) => e.getBoundingClientRect()).map((b) => ({ top: b.top + scrollY, bottom: b.bottom + scrollY, left: b.left, right: b.right }));
      const notes = [...document.querySelectorAll(".margin-sources")];
      const text = boxes(document.querySelectorAll(".prose > p, .prose > ul, .prose > ol, .prose > h2, .prose > h3, .prose > table, .prose > blockquote"));
      const out = { notes: notes.length, problems: [] };
      const nb = boxes(notes);
      nb.forEach((n, i) => {
        if (getComputedStyle(notes[i]).display === "none") out.problems.push(`note ${i} hidden`);
        for (const t of text) if (n.left < t.right && t.left < n.right && n.top < t.bottom && t.top < n.bottom) out.problems.push(`note ${i} overlaps text`);
        for (let j = 0; j < i; j++) { const m = nb[j]; if (n.top < m.bottom - 1 && m.top < n.bottom - 1) out.problems.push(`notes ${j} and ${i} overlap`); }
        // Beside its block: the note starts within the block it annotates, unless pushed down by the note above.
        const block = notes[i].nextElementSibling?.getBoundingClientRect();
        if (block) {
          const bt = block.top + scrollY, bb = block.bottom + scrollY;
          const pushed = i > 0 && Math.abs(n.top - nb[i - 1].bottom) < 30;
          if (!pushed && (n.top < bt - 24 || n.top > bb)) out.problems.push(`note ${i} at ${Math.round(n.top)} not beside its block ${Math.round(bt)}–${Math.round(bb)}`);
        }
      });
      const details = [...document.querySelectorAll(".claim-sources")].filter((d) => getComputedStyle(d).display !== "none");
      if (details.length) out.problems.push(`${details.length} phone disclosures visible on desktop`);
      return out;
    });
    checked += r.notes;
    if (r.problems.length) bad.push(`${p}: ${r.problems.join("; ")}`);
    if (p === "/alliance/alliance-and-outcome/") await shot(page, "desktop-margin-notes");
  }
  await context.close();
  console.log(`margin notes checked: ${checked}`);
  assert.ok(checked > 100, `only ${checked} margin notes`);
  assert.deepEqual(bad, [], bad.join("\n"));
});

test("phone: sources collapse under the claim and expand by tap and by keyboard", async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  await page.goto(origin + article);
  const hiddenNotes = await page.$$eval(".margin-sources", (ns) => ns.every((n) => getComputedStyle(n).display === "none"));
  assert.ok(hiddenNotes, "margin notes are hidden on phones");
  const first = page.locator(".claim-sources").first();
  await first.scrollIntoViewIfNeeded();
  assert.equal(await first.evaluate((d) => d.open), false);
  assert.equal(await first.locator("li").first().isVisible(), false, "collapsed at first");
  await first.locator("summary").tap();
  assert.equal(await first.evaluate((d) => d.open), true, "tap opens");
  assert.ok(await first.locator("li").first().isVisible());
  assert.match(await first.locator("li").first().innerText(), /https:\/\/doi\.org\//);
  // Directly under its claim: the disclosure follows the paragraph.
  const follows = await first.evaluate((d) => d.previousElementSibling?.tagName);
  assert.equal(follows, "P");
  const second = page.locator(".claim-sources").nth(1);
  await second.locator("summary").focus();
  await page.keyboard.press("Enter");
  assert.equal(await second.evaluate((d) => d.open), true, "Enter opens");
  await shot(page, "phone-sources-open");
  await context.close();
});

test("phone: the header is three short rows, the current section's link is in view, the title starts in the first screen", async () => {
  for (const width of [320, 390]) {
    const context = await browser.newContext({ viewport: { width, height: 844 }, hasTouch: true, isMobile: true });
    const page = await context.newPage();
    await page.goto(origin + "/therapist-qualities/empathy/");
    const m = await page.evaluate(() => {
      const nav = document.querySelector(".site-nav");
      const cur = nav.querySelector("[aria-current]").getBoundingClientRect();
      const links = [...nav.querySelectorAll("a")].map((a) => a.getBoundingClientRect());
      return {
        navHeight: nav.getBoundingClientRect().height,
        rows: new Set(links.map((r) => Math.round(r.top))).size,
        current: [cur.left, cur.right],
        linkHeight: Math.min(...links.map((r) => r.height)),
        h1: document.querySelector("main h1").getBoundingClientRect().top,
        noticeVisible: document.querySelector(".crisis-notice").getBoundingClientRect().bottom < 844,
        pageScroll: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      };
    });
    assert.equal(m.rows, 1, `${width}: the navigation is one row`);
    assert.ok(m.navHeight < 48, `${width}: navigation ${m.navHeight}px tall`);
    assert.ok(m.linkHeight >= 24, `${width}: links ${m.linkHeight}px tall (WCAG 2.2 target size)`);
    assert.ok(m.current[0] >= 0 && m.current[1] <= width, `${width}: the current section's link ${m.current} is on screen`);
    // (At 320px the crisis notice, kept whole, wraps to two more lines.)
    const limit = width >= 390 ? 360 : 420;
    assert.ok(m.h1 < limit, `${width}: the page title starts at ${m.h1}px (it was ~430px at 390)`);
    assert.ok(m.noticeVisible, "the crisis notice is in the first screen");
    assert.equal(m.pageScroll, 0, "the page itself does not scroll sideways");
    await context.close();
  }
});

test("keyboard: skip link, visible focus, citation links, glossary preview with Esc", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(origin + "/attachment/attachment-theory/");
  await page.keyboard.press("Tab");
  const skip = await page.evaluate(() => ({ cls: document.activeElement.className, top: document.activeElement.getBoundingClientRect().top, outline: getComputedStyle(document.activeElement).outlineStyle }));
  assert.equal(skip.cls, "skip-link");
  assert.ok(skip.top >= 0, "skip link is on screen when focused");
  assert.notEqual(skip.outline, "none", "focus is visible");
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => location.hash), "#main");
  // Tab until a glossary term is focused; its preview shows; Esc hides it.
  let found = false;
  for (let i = 0; i < 60 && !found; i++) {
    await page.keyboard.press("Tab");
    found = await page.evaluate(() => document.activeElement.classList.contains("term-link"));
  }
  assert.ok(found, "a glossary term is reachable by Tab");
  const tip = await page.evaluate(() => { const t = document.activeElement.nextElementSibling; return { visible: getComputedStyle(t).display !== "none", role: t.getAttribute("role"), describes: document.activeElement.getAttribute("aria-describedby") === t.id }; });
  assert.deepEqual(tip, { visible: true, role: "tooltip", describes: true });
  await shot(page, "desktop-glossary-preview");
  await page.keyboard.press("Escape");
  const hidden = await page.evaluate(() => getComputedStyle(document.activeElement.nextElementSibling).display === "none");
  assert.ok(hidden, "Esc dismisses the preview");
  // A citation is a real link to its reference.
  const cite = page.locator("a.cite").first();
  await cite.focus();
  await page.keyboard.press("Enter");
  const target = await page.evaluate(() => location.hash);
  assert.match(target, /^#ref-/);
  assert.ok(await page.locator(target).isVisible());
  await context.close();
});

test("glossary previews and the search dropdown stay inside the window at every width", async () => {
  const bad = [];
  for (const [width, height] of widths) {
    const context = await browser.newContext({ viewport: { width, height } });
    const page = await context.newPage();
    await page.goto(origin + "/attachment/attachment-theory/");
    // Every glossary term's preview, shown by keyboard focus, fits the window.
    const terms = await page.locator("a.term-link").count();
    for (let i = 0; i < terms; i++) {
      const term = page.locator("a.term-link").nth(i);
      await term.focus();
      const r = await term.evaluate((t) => { const b = t.nextElementSibling.getBoundingClientRect(); return { left: b.left, right: b.right, w: window.innerWidth, shown: getComputedStyle(t.nextElementSibling).display !== "none" }; });
      if (!r.shown) bad.push(`${width}px: preview ${i} not shown on focus`);
      else if (r.left < 0 || r.right > r.w + 0.5) bad.push(`${width}px: preview ${i} spans x=${Math.round(r.left)}..${Math.round(r.right)} in a ${r.w}px window`);
    }
    await page.fill("#site-search-input", "repair");
    await page.waitForSelector('#search-results[aria-busy="false"][data-query="repair"]', { timeout: 10000 });
    const popup = await page.evaluate(() => { const b = document.querySelector(".search-popup").getBoundingClientRect(); return { left: b.left, right: b.right, w: window.innerWidth, h: b.height }; });
    if (popup.h === 0) bad.push(`${width}px: the search dropdown did not open`);
    else if (popup.left < 0 || popup.right > popup.w + 0.5) bad.push(`${width}px: search dropdown spans x=${Math.round(popup.left)}..${Math.round(popup.right)} in a ${popup.w}px window`);
    assert.ok(terms > 3, `${width}px: only ${terms} glossary terms`);
    await context.close();
  }
  assert.deepEqual(bad, [], bad.join("\n"));
});

test("keyboard: every link, button and field on every page type shows where focus is", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const bad = [];
  let checked = 0;
  const page = await context.newPage();
  for (const [kind, p] of Object.entries(pageTypes)) {
    await page.goto(origin + p);
    // Tab through the page (up to 400 stops) and look at each element as it is focused.
    const seen = new Set();
    for (let i = 0; i < 400; i++) {
      await page.keyboard.press("Tab");
      const f = await page.evaluate(() => {
        const e = document.activeElement;
        if (!e || e === document.body) return null;
        const s = getComputedStyle(e);
        const r = e.getBoundingClientRect();
        const key = e.tagName + (e.id || "") + (e.getAttribute("href") || "") + Math.round(r.top + window.scrollY) + ":" + Math.round(r.left);
        return { key, tag: e.tagName, text: (e.innerText || e.value || e.getAttribute("aria-label") || "").slice(0, 40),
          outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2, shadow: s.boxShadow !== "none", w: r.width, h: r.height };
      });
      if (!f || seen.has(f.key)) break;
      seen.add(f.key);
      checked++;
      if (!f.outline && !f.shadow) bad.push(`${kind} ${p}: <${f.tag.toLowerCase()}> "${f.text}" has no visible focus`);
      if (f.w === 0 || f.h === 0) bad.push(`${kind} ${p}: <${f.tag.toLowerCase()}> "${f.text}" is focused but has no size`);
    }
  }
  await context.close();
  console.log(`focus checked on ${checked} stops`);
  assert.ok(checked > 300, `only ${checked} focus stops`);
  assert.deepEqual(bad, [], bad.slice(0, 30).join("\n"));
});
