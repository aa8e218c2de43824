// The same gates on a site we do not ship: a fresh `haven new` site (its
// own articles, glossary and bibliography), in a real browser —
// every page clean (console, requests, CSP), axe on every page in both
// colour schemes, and the layout at five widths in both schemes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { serve, launch, allPages, watchedPage, repo } from "./lib.mjs";
import { axeViolations, layoutProblems, widths } from "./gates.mjs";

const haven = process.env.HAVEN_BIN || path.join(repo, "target", "release", "haven");
const root = path.join(repo, "target", "browser-fixture");
const out = path.join(root, "public");
let server, origin, browser, cleanup, pageTypes;

before(async () => {
  fs.rmSync(root, { recursive: true, force: true });
  execFileSync(haven, ["new", root]);
  execFileSync(haven, ["build", "--quiet", "--root", root]);
  server = await serve(out);
  origin = `http://127.0.0.1:${server.address().port}`;
  ({ browser, cleanup } = await launch());
  const pages = allPages(out);
  // Every page of this small site is its own page type.
  pageTypes = Object.fromEntries(pages.filter((p) => !p.startsWith("/404")).map((p) => [p, p]));
});
after(async () => { await cleanup?.(); server?.close(); });

test("fixture site: every page loads clean", async () => {
  const pages = Object.keys(pageTypes);
  assert.ok(pages.length >= 15, `pages: ${pages.join(" ")}`);
  const context = await browser.newContext();
  const failures = [];
  const watched = await watchedPage(context, origin);
  for (const p of pages) {
    const { problems, status } = await watched.visit(p);
    if (status !== 200) problems.push(`status ${status}`);
    if (problems.length) failures.push(`${p}: ${problems.join("; ")}`);
  }
  await context.close();
  assert.deepEqual(failures, [], failures.join("\n"));
});

test("fixture site: axe finds no WCAG A/AA violations on any page, light or dark", async () => {
  const report = await axeViolations(browser, origin, pageTypes);
  assert.deepEqual(report, [], report.join("\n"));
});

for (const size of widths) for (const scheme of ["light", "dark"]) {
  test(`fixture site: layout at ${size[0]}px (${scheme})`, async () => {
    const bad = await layoutProblems(browser, origin, pageTypes, size, scheme, "fixture-");
    assert.deepEqual(bad, [], bad.join("\n"));
  });
}
