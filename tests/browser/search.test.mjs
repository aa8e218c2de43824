// Search in a real browser, on the shipped site: as-you-type results, keyboard
// operation, typo correction, agreement with `haven search --json`, and the
// same site opened from disk (file://) under its CSP.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { serve, launch, repo, shot } from "./lib.mjs";

const haven = process.env.HAVEN_BIN || path.join(repo, "target", "release", "haven");
let server, origin, browser, cleanup;

before(async () => {
  server = await serve();
  origin = `http://127.0.0.1:${server.address().port}`;
  ({ browser, cleanup } = await launch());
});
after(async () => { await cleanup?.(); server?.close(); });

async function typeQuery(page, q) {
  await page.fill("#site-search-input", "");
  await page.type("#site-search-input", q, { delay: 15 });
  await page.waitForSelector(`#search-results[aria-busy="false"][data-query="${q}"]`, { timeout: 10000 });
}

function watch(page) {
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push(m.text()); });
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("requestfailed", (r) => problems.push(`failed: ${r.url()}`));
  return problems;
}

test("typing shows results; arrows move; Enter opens the page at the section", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = watch(page);
  await page.goto(origin + "/");
  await page.focus("#site-search-input");
  await typeQuery(page, "rupture");
  const options = page.locator('#search-results [role="option"]');
  assert.ok(await options.count() > 0, "results shown");
  assert.equal(await page.getAttribute("#site-search-input", "aria-expanded"), "true");
  assert.match(await page.locator("#search-status").innerText(), /\d/);
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  const active = await page.getAttribute("#site-search-input", "aria-activedescendant");
  assert.ok(active, "aria-activedescendant set");
  const target = await page.locator(`#${active}`).getAttribute("data-url");
  assert.equal(await page.locator(`#${active}`).getAttribute("aria-selected"), "true");
  await shot(page, "search-popup");
  await Promise.all([page.waitForURL((u) => u.pathname === target.split("#")[0]), page.keyboard.press("Enter")]);
  if (target.includes("#")) assert.equal(new URL(page.url()).hash, "#" + target.split("#")[1]);
  // Esc closes the popup.
  await page.focus("#site-search-input");
  await typeQuery(page, "alliance");
  await page.keyboard.press("Escape");
  assert.equal(await page.getAttribute("#site-search-input", "aria-expanded"), "false");
  assert.deepEqual(problems, []);
});

test("a typo still finds the page, and says so (a wrong first letter too)", async () => {
  const page = await browser.newPage();
  for (const typo of ["metacommunicaton", "xetacommunication"]) {
    await page.goto(origin + "/search/?q=" + encodeURIComponent(typo));
    await page.waitForSelector('#search-results[aria-busy="false"]');
    assert.match(await page.locator("#search-correction").innerText(), /metacommunication/i, typo);
    const urls = await page.$$eval('#search-results [role="option"][data-kind="page"]', (els) => els.map((e) => e.dataset.url));
    assert.equal(urls[0], "/glossary/#metacommunication", `${typo}: ${urls.join("\n")}`);
  }
});

test("the excerpt is around the matched word, even deep in a long section", async () => {
  const page = await browser.newPage();
  const problems = watch(page);
  // "underneath" first occurs ~500 characters into its best section.
  await page.goto(origin + "/search/?q=underneath");
  await page.waitForSelector('#search-results[aria-busy="false"][data-query="underneath"]');
  const first = page.locator('#search-results [role="option"][data-kind="page"]').first();
  const excerpt = await first.locator(".search-hit-excerpt").innerText();
  assert.match(excerpt, /^… /, excerpt);
  const marks = await first.locator(".search-hit-excerpt mark").allInnerTexts();
  assert.ok(marks.length > 0 && marks.every((m) => m.toLowerCase() === "underneath"), marks.join(", "));
  assert.match(await page.locator("#search-status").innerText(), /^\d+ pages? found/);
  assert.deepEqual(problems, []);
});

test("the browser's top 10 equals `haven search --json` for each query", async () => {
  const page = await browser.newPage();
  const queries = ["therapist", "secure base", "rupture repair", "empathy", "goals tasks bond", "withdrawal", "thera", "supervision alliance", "th", "ttachment"];
  for (const q of queries) {
    const cli = JSON.parse(execFileSync(haven, ["search", "--root", repo, "--json", "--limit", "10", q], { encoding: "utf8" }));
    await page.goto(origin + "/search/?q=" + encodeURIComponent(q));
    await page.waitForSelector('#search-results[aria-busy="false"]');
    const urls = await page.$$eval('#search-results [role="option"][data-kind="page"]', (els) => els.map((e) => e.dataset.url));
    assert.deepEqual(urls.slice(0, 10), cli.results.map((r) => r.url).slice(0, 10), `query "${q}"`);
  }
});

test("a search from a page for clients ranks client pages first, and the search page says so and can undo it", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = watch(page);
  const q = "what if i dont like my therapist";
  const cli = (args) => JSON.parse(execFileSync(haven, ["search", "--root", repo, "--json", "--limit", "8", ...args, q], { encoding: "utf8" })).results.map((r) => r.url);
  const plain = cli([]), clients = cli(["--prefer", "clients"]);
  assert.notDeepEqual(plain, clients, "the preference changes this question's order");
  // The header's dropdown on a client page ranks as `--prefer clients`.
  await page.goto(origin + "/for-clients/the-first-weeks/");
  assert.equal(await page.$eval('.site-search input[name="prefer"]', (e) => e.value), "clients");
  await page.focus("#site-search-input");
  await typeQuery(page, q);
  const dropdown = await page.$$eval('#search-results [role="option"][data-kind="page"]', (els) => els.map((e) => e.dataset.url));
  assert.deepEqual(dropdown, clients);
  // Enter on no option submits the form: the search page keeps the preference.
  await page.goto(origin + "/search/?q=" + encodeURIComponent(q) + "&prefer=clients");
  await page.waitForSelector('#search-results[aria-busy="false"]');
  const note = page.locator("#search-prefer");
  assert.ok(await note.isVisible(), "the page says pages for clients come first");
  assert.equal(await page.textContent("#search-prefer .search-prefer-name"), "clients");
  const ranked = () => page.$$eval('#search-results [role="option"][data-kind="page"]', (els) => els.map((e) => e.dataset.url).slice(0, 8));
  assert.deepEqual(await ranked(), clients);
  await page.click("#search-prefer button");
  await page.waitForFunction(() => !location.search.includes("prefer"));
  await page.waitForSelector('#search-results[aria-busy="false"]');
  assert.ok(!(await note.isVisible()));
  assert.deepEqual(await ranked(), plain, "all pages ranked alike again");
  // A page for no audience adds no preference.
  await page.goto(origin + "/");
  assert.equal(await page.$('.site-search input[name="prefer"]'), null);
  assert.deepEqual(problems, []);
});

test("a phrase in quotes finds only sections that say it, in both engines", async () => {
  const page = await browser.newPage();
  for (const q of ['"secure base"', '"safe haven" therapy', "\u201cworking alliance\u201d"]) {
    const cli = JSON.parse(execFileSync(haven, ["search", "--root", repo, "--json", "--limit", "10", q], { encoding: "utf8" }));
    assert.ok(cli.results.length > 0, q);
    await page.goto(origin + "/search/?q=" + encodeURIComponent(q));
    await page.waitForSelector('#search-results[aria-busy="false"]');
    const urls = await page.$$eval('#search-results [role="option"][data-kind="page"]', (els) => els.map((e) => e.dataset.url));
    assert.deepEqual(urls.slice(0, 10), cli.results.map((r) => r.url), q);
  }
});

test("the site opened from disk (file://) has styles, links and search", async () => {
  const out = path.join(repo, "target", "browser-file-site");
  fs.rmSync(out, { recursive: true, force: true });
  execFileSync(haven, ["build", "--quiet", "--root", repo, "--base-url", "./", "--output", out]);
  const page = await browser.newPage();
  const problems = watch(page);
  await page.goto(pathToFileURL(path.join(out, "attachment", "secure-attachment", "index.html")).href);
  const styled = await page.evaluate(() => getComputedStyle(document.querySelector(".crisis-notice")).backgroundColor);
  assert.notEqual(styled, "rgba(0, 0, 0, 0)", "stylesheet loaded from disk");
  await page.focus("#site-search-input");
  await typeQuery(page, "empathy");
  const first = page.locator('#search-results [role="option"]').first();
  const href = await first.locator("a").getAttribute("href");
  assert.match(href, /^file:.*index\.html/);
  await Promise.all([page.waitForURL(/index\.html/), first.locator("a").click()]);
  assert.ok(page.url().startsWith("file://"));
  await shot(page, "file-url-search-result");
  // In-page links go to index.html files, never to folders.
  const folderLinks = await page.$$eval("a[href]", (as) => as.map((a) => a.getAttribute("href")).filter((h) => !/^(#|https?:|mailto:)/.test(h) && /\/$/.test(h)));
  assert.deepEqual(folderLinks, []);
  assert.deepEqual(problems, []);
});
