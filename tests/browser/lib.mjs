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

/** Open a page and record every problem the browser reports. */
export async function openWatched(context, origin, urlPath) {
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`uncaught: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`failed request: ${r.url()} ${r.failure()?.errorText}`));
  page.on("request", (r) => { if (!r.url().startsWith(origin) && !r.url().startsWith("data:")) problems.push(`third-party request: ${r.url()}`); });
  page.on("response", (r) => { if (r.status() >= 400 && !urlPath.startsWith("/404") && r.url() !== origin + urlPath) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  const resp = await page.goto(origin + urlPath, { waitUntil: "load" });
  return { page, problems, status: resp?.status() };
}

export function shot(page, name) {
  fs.mkdirSync(artifacts, { recursive: true });
  return page.screenshot({ path: path.join(artifacts, name + ".png"), fullPage: true });
}
