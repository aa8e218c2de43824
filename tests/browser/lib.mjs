// Shared helpers for the browser tests: a static server that sends a strict
// CSP (as a careful host would), and a Chromium launched the way this
// machine allows (Debian chromium, no downloads, no background networking).
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, "..", "..");
export const siteDir = path.resolve(process.env.HAVEN_SITE_DIR || path.join(repo, "public"));
export const artifacts = path.join(repo, "target", "browser-artifacts");
export const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'";

const types = {
  ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".json": "application/json", ".xml": "application/xml", ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml", ".png": "image/png", ".bin": "application/octet-stream",
};

/** Serve `dir` on 127.0.0.1 (random port) with the strict CSP header. */
export function serve(dir = siteDir) {
  const server = http.createServer((req, res) => {
    let url = decodeURIComponent(new URL(req.url, "http://x").pathname);
    let file = path.join(dir, url);
    if (!file.startsWith(dir)) { res.writeHead(403); return res.end(); }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
    if (!fs.existsSync(file)) {
      res.writeHead(404, { "Content-Type": types[".html"], "Content-Security-Policy": CSP });
      return res.end(fs.readFileSync(path.join(dir, "404.html")));
    }
    res.writeHead(200, { "Content-Type": types[path.extname(file)] || "application/octet-stream", "Content-Security-Policy": CSP });
    res.end(fs.readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

export async function launch() {
  // playwright gives every launch a fresh, empty user-data dir of its own.
  const browser = await chromium.launch({
    headless: true,
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-quic"],
  });
  return { browser, cleanup: () => browser.close() };
}

/** Every HTML page of the built site, as URL paths. */
export function allPages(dir = siteDir) {
  const out = [];
  (function walk(d) {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".html")) out.push("/" + path.relative(dir, p).replace(/\\/g, "/").replace(/index\.html$/, ""));
    }
  })(dir);
  return out.sort();
}

/** One page that records every problem the browser reports, reused for
 * every visit: opening and closing a page costs more than a visit itself
 * (~140 ms against ~80 ms here), and each `goto` loads a fresh document.
 * `visit(path)` returns that visit's problems and HTTP status. */
export async function watchedPage(context, origin) {
  const page = await context.newPage();
  let problems = [];
  let urlPath = "";
  const inFlight = new Set();
  let lastActivity = 0;
  const settled = (r) => { inFlight.delete(r); lastActivity = Date.now(); };
  page.on("requestfinished", settled);
  page.on("requestfailed", settled);
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`uncaught: ${e.message}`));
  page.on("requestfailed", (r) => {
    // A navigation cancels (net::ERR_ABORTED) what the page before it was
    // still fetching, such as the favicon Chromium asks for when it likes:
    // not a failure of either page. A missing file shows as an HTTP error
    // (below), a blocked one as a CSP failure and a console error.
    if (r.failure()?.errorText === "net::ERR_ABORTED" && r.url() !== origin + urlPath) return;
    problems.push(`failed request: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on("request", (r) => {
    inFlight.add(r);
    lastActivity = Date.now();
    if (!r.url().startsWith(origin) && !r.url().startsWith("data:")) problems.push(`third-party request: ${r.url()}`);
  });
  page.on("response", (r) => { if (r.status() >= 400 && !urlPath.startsWith("/404") && r.url() !== origin + urlPath) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  return {
    page,
    async visit(path) {
      problems = [];
      urlPath = path;
      const resp = await page.goto(origin + path, { waitUntil: "load" });
      // What the page fetches after its load event (its favicon) finishes
      // here, within this visit: nothing in flight for 30 ms, or a problem.
      const start = Date.now();
      while (inFlight.size || Date.now() - lastActivity < 30) {
        if (Date.now() - start > 3000) {
          for (const r of inFlight) problems.push(`still loading 3 s after the load event: ${r.url()}`);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return { problems, status: resp?.status() };
    },
  };
}

export function shot(page, name) {
  fs.mkdirSync(artifacts, { recursive: true });
  return page.screenshot({ path: path.join(artifacts, name + ".png"), fullPage: true });
}
