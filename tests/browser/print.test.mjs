// Handouts that print (issue 19, part 4), in Chromium's own PDF output: every
// shipped client article fits three A4 (and three US Letter) pages, every
// paragraph's text is in the PDF (pdftotext, poppler-utils), and the QR code
// at the foot decodes (jsQR) to the page's address. A series topic ends with
// its CPD record; a reading path prints as one packet.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import jsQR from "jsqr";
import { serve, launch, repo, artifacts } from "./lib.mjs";

const haven = process.env.HAVEN_BIN || path.join(repo, "target", "release", "haven");
// A host root: the server below serves the build at its root, as the links expect.
const base = "https://example.org/";
const site = path.join(repo, "target", "browser-print-site");
const pdfs = path.join(artifacts, "print");
let server, origin, browser, cleanup;

before(async () => {
  fs.rmSync(site, { recursive: true, force: true });
  // An absolute base URL: the handout's address and QR code need one.
  execFileSync(haven, ["build", "--quiet", "--root", repo, "--base-url", base, "--output", site]);
  fs.mkdirSync(pdfs, { recursive: true });
  server = await serve(site);
  origin = `http://127.0.0.1:${server.address().port}`;
  ({ browser, cleanup } = await launch());
});
after(async () => { await cleanup?.(); server?.close(); });

/** Site paths of the shipped articles written for clients. */
function clientArticles() {
  const out = [];
  (function walk(d) {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      // Glossary terms have no page of their own.
      if (e.isDirectory()) { if (e.name !== "glossary") walk(p); }
      else if (e.name.endsWith(".md") && e.name !== "_index.md") {
        const text = fs.readFileSync(p, "utf8");
        if (/^audience = \[[^\]]*"clients"/m.test(text)) {
          out.push("/" + path.relative(path.join(repo, "content"), p).replace(/\.md$/, "/"));
        }
      }
    }
  })(path.join(repo, "content"));
  return out.sort();
}

/** The page at `p` printed to PDF in `format`: its file, page count and text. */
async function print(page, p, format) {
  const file = path.join(pdfs, `${p.replace(/^\/|\/$/g, "").replace(/\//g, "_")}-${format}.pdf`);
  await page.pdf({ path: file, format });
  const info = execFileSync("pdfinfo", [file], { encoding: "utf8" });
  const pages = Number(/^Pages:\s+(\d+)/m.exec(info)[1]);
  const text = execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" });
  return { file, pages, text };
}

const squash = (s) => s.replace(/[\s\u00ad]+/g, " ").replace(/[‘’]/g, "'").replace(/[“”]/g, '"').trim();

test("every client article prints in at most 3 A4 and 3 Letter pages, with all its text and a QR code to its address", async () => {
  const articles = clientArticles();
  assert.ok(articles.length >= 15, `client articles: ${articles.length}`);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const report = [];
  for (const p of articles) {
    await page.goto(origin + p, { waitUntil: "load" });
    const a4 = await print(page, p, "A4");
    const letter = await print(page, p, "Letter");
    report.push(`${p} ${a4.pages} A4 / ${letter.pages} Letter`);
    assert.ok(a4.pages <= 3 && letter.pages <= 3, `${p}: ${a4.pages} A4 pages, ${letter.pages} Letter pages`);
    // Every paragraph and list item of the body, and the key points, are in the PDF.
    const blocks = await page.$$eval(".prose p, .prose li, .key-points li", (els) =>
      els.filter((e) => !e.closest(".claim-sources, .margin-sources")).map((e) => e.innerText));
    assert.ok(blocks.length > 5, `${p}: ${blocks.length} blocks`);
    const pdfText = squash(a4.text).replace(/- /g, "-");
    for (const b of blocks) {
      // pdftotext breaks lines; compare word runs, a few words at a time.
      const words = squash(b).split(" ");
      for (let i = 0; i < words.length; i += 6) {
        const run = words.slice(i, i + 6).join(" ");
        assert.ok(squash(a4.text).includes(run) || pdfText.includes(run.replace(/- /g, "-")), `${p}: "${run}" is not in the PDF`);
      }
    }
    // No navigation, search or margin notes on paper; the handout foot is there.
    assert.ok(!a4.text.includes("Monthly supervision topics"), `${p}: the navigation printed`);
    assert.match(squash(a4.text), new RegExp(`Printed from Haven: ${base.replace(/\./g, "\\.")}`));
    // The QR code, as printed, decodes to the page's address.
    await page.emulateMedia({ media: "print" });
    const png = await page.locator("footer.handout svg.qr").screenshot({ scale: "device" });
    await page.emulateMedia({ media: null });
    const decoded = await decode(page, png);
    assert.equal(decoded, base + p.replace(/^\//, ""), `${p}: the QR code`);
  }
  await page.close();
  fs.writeFileSync(path.join(pdfs, "pages.txt"), report.join("\n") + "\n");
  console.log(report.join("\n"));
});

/** Decode a PNG screenshot with jsQR, in the browser (which reads PNGs). */
async function decode(page, png) {
  const { data, width, height } = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = "data:image/png;base64," + b64;
    await img.decode();
    const c = document.createElement("canvas");
    // A white margin (the quiet zone), as on paper.
    c.width = img.width + 40;
    c.height = img.height + 40;
    const g = c.getContext("2d");
    g.fillStyle = "#fff";
    g.fillRect(0, 0, c.width, c.height);
    g.drawImage(img, 20, 20);
    const d = g.getImageData(0, 0, c.width, c.height);
    return { data: Array.from(d.data), width: d.width, height: d.height };
  }, png.toString("base64"));
  const found = jsQR(Uint8ClampedArray.from(data), width, height);
  return found?.data;
}

test("a series topic prints with its questions, exercise and a CPD record; a reading path prints as one packet", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(origin + "/supervision/2025-03-therapeutic-alliance/", { waitUntil: "load" });
  const topic = await print(page, "/supervision/2025-03-therapeutic-alliance/", "A4");
  const text = squash(topic.text);
  for (const s of ["Questions for supervision", "Deliberate practice", "CPD record", "Reflection", "Planning", "Action", "Evaluation", "Time spent"]) {
    assert.ok(text.includes(s), `series topic PDF lacks "${s}"`);
  }
  // The CPD record is on paper only.
  assert.equal(await page.locator(".cpd-record").isVisible(), false);
  await page.goto(origin + "/for-clients/print/", { waitUntil: "load" });
  const steps = await page.$$eval(".packet-step .step-title", (els) => els.map((e) => e.innerText));
  const packet = await print(page, "/for-clients/print/", "A4");
  assert.ok(steps.length >= 4, `steps: ${steps.length}`);
  assert.ok(packet.pages >= steps.length, `each step starts a sheet: ${packet.pages} pages for ${steps.length} steps`);
  // Each step's title is at the top of a sheet (pdftotext separates sheets with a form feed).
  const sheets = packet.text.split("\f").map(squash);
  for (const s of steps) {
    assert.ok(sheets.some((sheet) => sheet.startsWith(squash(s)) || sheet.includes(`Home › For clients ${squash(s)}`) || sheet.slice(0, 400).includes(squash(s))), `"${s}" does not start a sheet`);
  }
  assert.ok(squash(packet.text).includes("References"), "one References list");
  const ids = await page.$$eval("[id]", (els) => els.map((e) => e.id));
  assert.equal(new Set(ids).size, ids.length, "ids are unique in the packet");
  console.log(`series topic: ${topic.pages} A4 pages; packet "${await page.title()}": ${packet.pages} A4 pages for ${steps.length} steps`);
  await page.close();
});
