// Checks onething's pages in a real browser: Debian's chromium driven by playwright-core,
// axe-core for accessibility. One browser for many pages (launching one costs seconds).
//
// Protocol: one JSON request per line on stdin, one JSON answer per line on stdout, so a
// pytest session keeps one process and one browser open for all its pages:
//   {"url": "http://127.0.0.1:PORT/form.html", "name": "birth-blank",
//    "large_print": false, "screenshot": "/abs/build/test-artifacts/birth-blank.png",
//    "pdf": "/abs/path.pdf" (optional),
//    "fill": [["#q", "出生"]] (optional: typed into these fields first, as a person would),
//    "count": "#bundles tbody tr:not([hidden])" (optional: how many elements match, after filling)}
// Answer: {"name", "title", "lang", "violations": [{id, impact, help, nodes: [{target, html,
//   summary}]}], "controls": [{tag, type, name, id, label}], "images": [{src, loaded}], "count", "external": [urls refused],
//   "errors": [page errors], "screenshot", "pdf"}  or {"name", "fatal": "message"}.
// Only pages on 127.0.0.1 load: any other request is refused and reported (a page that needs a
// CDN or a remote font fails its test instead of quietly working online).
//
// Run once by hand:  echo '{"url": "http://127.0.0.1:8000/"}' | node tests/browser/check_page.mjs

import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve("axe-core/axe.min.js");
const EXECUTABLE = process.env.ONETHING_CHROMIUM || "/usr/bin/chromium";
const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

const browser = await chromium.launch({
  executablePath: EXECUTABLE,
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
  ],
});
const context = await browser.newContext({ viewport: { width: 1024, height: 1400 }, locale: "zh-CN" });

function local(url) {
  try {
    const u = new URL(url);
    return (u.protocol === "http:" && u.hostname === "127.0.0.1") || u.protocol === "data:" || u.protocol === "about:";
  } catch {
    return false;
  }
}

async function check(req) {
  const page = await context.newPage();
  const external = [];
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (local(url)) return route.continue();
    external.push(url);
    return route.abort();
  });
  try {
    const response = await page.goto(req.url, { waitUntil: "load" });
    if (!response || !response.ok()) {
      return { name: req.name, fatal: `HTTP ${response ? response.status() : "no response"} for ${req.url}` };
    }
    for (const [selector, value] of req.fill || []) {
      await page.locator(selector).pressSequentially(String(value));
    }
    const count = req.count ? await page.locator(req.count).count() : null;
    await page.addScriptTag({ path: AXE_PATH });
    const options = { runOnly: { type: "tag", values: WCAG_TAGS }, resultTypes: ["violations"] };
    if (req.large_print) options.rules = { "color-contrast-enhanced": { enabled: true } };
    const axe = await page.evaluate((opts) => window.axe.run(document, opts), options);
    const violations = axe.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(" "), html: n.html.slice(0, 300), summary: n.failureSummary })),
    }));
    const info = await page.evaluate(() => {
      const controls = [...document.querySelectorAll("input, select, textarea")]
        .filter((el) => !["hidden", "submit", "button", "reset"].includes(el.type))
        .map((el) => ({
          tag: el.tagName.toLowerCase(),
          type: el.type || "",
          name: el.name || "",
          id: el.id || "",
          key: el.dataset ? el.dataset.key || "" : "",
          value: el.type === "radio" || el.type === "checkbox" ? (el.checked ? el.value : "") : el.value,
          label: el.labels && el.labels.length ? el.labels[0].textContent.trim().replace(/\s+/g, " ") : "",
        }));
      const images = [...document.images].map((img) => ({ src: img.getAttribute("src"), loaded: img.complete && img.naturalWidth > 0 }));
      return { title: document.title, lang: document.documentElement.lang, controls, images };
    });
    const out = { name: req.name, ...info, count, violations, external, errors, screenshot: null, pdf: null };
    if (req.screenshot) {
      await page.screenshot({ path: req.screenshot, fullPage: true });
      out.screenshot = req.screenshot;
    }
    if (req.pdf) {
      await page.emulateMedia({ media: "print" });
      await page.pdf({ path: req.pdf, format: "A4", printBackground: true, preferCSSPageSize: true });
      out.pdf = req.pdf;
    }
    return out;
  } catch (e) {
    return { name: req.name, fatal: String(e && e.stack ? e.stack : e) };
  } finally {
    await page.close();
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
process.stdout.write(JSON.stringify({ ready: true, browser: browser.version() }) + "\n");
for await (const line of lines) {
  if (!line.trim()) continue;
  let answer;
  try {
    answer = await check(JSON.parse(line));
  } catch (e) {
    answer = { fatal: `bad request: ${e}` };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
await browser.close();
