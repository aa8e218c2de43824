// Screenshots of given pages of the built site at phone and desktop widths
// (and print to PDF), for reviewing a change by eye:
//   node tests/browser/shoot.mjs OUTDIR /path/one/ /path/two/ …
// HAVEN_SHOOT_PARTS="css selector;other selector" also saves each part of the
// page it finds (the first match, opened if it is a <details>), as NAME-W-part-N.png.
import fs from "node:fs";
import path from "node:path";
import { serve, launch } from "./lib.mjs";

const [outDir, ...paths] = process.argv.slice(2);
if (!outDir || paths.length === 0) {
  console.error("usage: node tests/browser/shoot.mjs OUTDIR /page/ [/page/ …]");
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });
const server = await serve();
const base = `http://127.0.0.1:${server.address().port}`;
const { browser, cleanup } = await launch();
try {
  for (const p of paths) {
    const name = p.replace(/^\/|\/$/g, "").replace(/\//g, "_") || "home";
    for (const [w, h] of [[390, 844], [1280, 900]]) {
      const page = await browser.newPage({ viewport: { width: w, height: h } });
      await page.goto(base + p, { waitUntil: "load" });
      // The search page: its results, once shown.
      if (p.includes("?q=")) await page.waitForSelector('#search-results[aria-busy="false"]', { timeout: 10000 }).catch(() => {});
      await page.screenshot({ path: path.join(outDir, `${name}-${w}.png`), fullPage: true });
      // The first screenful alone, readable at a glance.
      await page.screenshot({ path: path.join(outDir, `${name}-${w}-top.png`) });
      const parts = (process.env.HAVEN_SHOOT_PARTS || "").split(";").filter(Boolean);
      for (const [i, sel] of parts.entries()) {
        const el = page.locator(sel).first();
        if ((await el.count()) === 0) continue;
        await el.evaluate((e) => { if (e.tagName === "DETAILS") e.open = true; });
        if (!(await el.isVisible())) continue;
        await el.screenshot({ path: path.join(outDir, `${name}-${w}-part-${i + 1}.png`) });
      }
      if (w === 1280) await page.pdf({ path: path.join(outDir, `${name}.pdf`), format: "A4" });
      await page.close();
    }
  }
} finally {
  await cleanup();
  server.close();
}
