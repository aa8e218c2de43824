// The layout and accessibility gates, shared by the shipped site's tests
// (site.test.mjs) and a generated fixture site's (fixture.test.mjs).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { here, shot } from "./lib.mjs";

const axeSource = fs.readFileSync(path.join(here, "node_modules", "axe-core", "axe.min.js"), "utf8");

export const widths = [[320, 640], [390, 844], [768, 1024], [1280, 900], [1920, 1080]];

/** axe-core WCAG 2.0/2.1/2.2 A and AA on each page type, in light and dark: the violations. */
export async function axeViolations(browser, origin, pageTypes) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const report = [];
  let rulesRun = 0;
  // One page for every visit (each `goto` loads a fresh document; a new page costs more than the visit).
  const page = await context.newPage();
  for (const [kind, p] of Object.entries(pageTypes)) {
    for (const scheme of ["light", "dark"]) {
      await page.emulateMedia({ colorScheme: scheme });
      const response = await page.goto(origin + p);
      assert.equal(response.status(), 200, `${kind} page ${p} exists`);
      await page.addScriptTag({ content: axeSource }).catch(async () => {
        // CSP blocks inline script tags: evaluate the source instead.
        await page.evaluate(axeSource);
      });
      const result = await page.evaluate(async () =>
        await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } }));
      rulesRun = Math.max(rulesRun, result.passes.length + result.violations.length + result.incomplete.length + result.inapplicable.length);
      for (const v of result.violations) report.push(`${kind} (${scheme}) ${p}: ${v.id} — ${v.help} (${v.nodes.length} nodes: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")})`);
    }
  }
  await context.close();
  console.log(`axe rules run per page: ${rulesRun}; page types: ${Object.keys(pageTypes).length} × 2 colour schemes`);
  return report;
}

/** Layout problems of each page type at one window size and colour scheme;
 * screenshots at 390 and 1280 px (light) are kept under `prefix`. */
export async function layoutProblems(browser, origin, pageTypes, [width, height], scheme, prefix) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme: scheme });
  const bad = [];
  const page = await context.newPage();
  for (const [kind, p] of Object.entries(pageTypes)) {
    await page.goto(origin + p);
    const m = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth, width: window.innerWidth,
      notice: (() => { const r = document.querySelector(".crisis-notice")?.getBoundingClientRect(); return r && r.height > 0 && r.top < window.innerHeight; })(),
    }));
    if (m.scroll > m.width) bad.push(`${kind} ${p}: page is ${m.scroll}px wide in a ${m.width}px viewport`);
    if (!m.notice) bad.push(`${kind} ${p}: crisis notice not visible in the first screen`);
    // The header band and the notice span the window; the header, the
    // notice's text and the content start at the same x; at desktop width
    // the content is balanced (free space left and right differ by at most
    // a quarter of the window).
    const g = await page.evaluate(() => {
      const rect = (sel) => { const r = document.querySelector(sel)?.getBoundingClientRect(); return r && { left: r.left, right: r.right, width: r.width }; };
      return { w: window.innerWidth, header: rect(".site-header"), notice: rect(".crisis-notice"), headerInner: rect(".site-header-inner"),
        noticeText: rect(".crisis-notice p"), main: rect("main"), mainKids: [...document.querySelectorAll("main > *")].map((e) => e.getBoundingClientRect()).filter((r) => r.width > 0).map((r) => ({ left: r.left, right: r.right })) };
    });
    for (const band of ["header", "notice"]) {
      if (!g[band] || Math.abs(g[band].width - g.w) > 1) bad.push(`${kind} ${p}: the ${band} band is ${g[band]?.width}px wide in a ${g.w}px window`);
    }
    if (g.headerInner && g.noticeText && Math.abs(g.headerInner.left - g.noticeText.left) > 2) {
      bad.push(`${kind} ${p}: the notice text starts at x=${g.noticeText.left}, the header at x=${g.headerInner.left}`);
    }
    if (g.main && g.headerInner && Math.abs(g.main.left - g.headerInner.left) > 2) {
      bad.push(`${kind} ${p}: the content starts at x=${g.main.left}, the header at x=${g.headerInner.left}`);
    }
    if (width >= 1280 && g.mainKids.length) {
      const left = Math.min(...g.mainKids.map((r) => r.left));
      const right = Math.max(...g.mainKids.map((r) => r.right));
      const [freeL, freeR] = [left, g.w - right];
      if (Math.abs(freeL - freeR) > g.w / 4) bad.push(`${kind} ${p}: unbalanced: ${Math.round(freeL)}px free on the left, ${Math.round(freeR)}px on the right`);
    }
    // Screenshots of each page type at phone and desktop width (CI keeps them).
    if (scheme === "light" && (width === 390 || width === 1280)) await shot(page, `${prefix}${width}px-${kind}`);
  }
  await context.close();
  return bad;
}
