// The index page in headless Chromium, as a phone and as a desktop, with JavaScript off (the
// page must not need it): every topic with its subscribe links and newest stories, the sources
// with their health, nothing wider than the screen. Screenshots go to OUT.
//
// Usage: node browser.mjs URL OUT   (playwright-core resolved from NODE_PATH)
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const [url, out] = process.argv.slice(2);

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const problems = [];
for (const [name, viewport, mobile] of [["phone", { width: 390, height: 844 }, true],
  ["desktop", { width: 1280, height: 900 }, false]]) {
  const context = await browser.newContext({ viewport, isMobile: mobile, hasTouch: mobile, javaScriptEnabled: false });
  const page = await context.newPage();
  const response = await page.goto(url, { waitUntil: "load" });
  if (response.status() !== 200) problems.push(`${name}: HTTP ${response.status()}`);
  const facts = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    topics: [...document.querySelectorAll("section.topic")].map((s) => ({
      title: s.querySelector("h3")?.textContent,
      formats: [...s.querySelectorAll(".subscribe a")].map((a) => a.textContent),
      newest: s.querySelectorAll("ol.newest li a").length,
    })),
    sources: document.querySelectorAll("tbody tr").length,
    health: [...document.querySelectorAll("td[data-label=Health]")].map((td) => td.textContent),
    smallestFont: Math.min(...[...document.querySelectorAll("li, td, p")].map((e) => parseFloat(getComputedStyle(e).fontSize))),
  }));
  // evaluate() runs in the page's isolated world even with the page's scripts off.
  if (facts.scrollWidth > viewport.width) problems.push(`${name}: the page is ${facts.scrollWidth}px wide`);
  if (facts.topics.length === 0) problems.push(`${name}: no topics`);
  for (const t of facts.topics) {
    for (const f of ["Atom", "RSS", "JSON Feed"]) if (!t.formats.includes(f)) problems.push(`${name}: ${t.title} has no ${f} link`);
    if (t.newest === 0) problems.push(`${name}: ${t.title} shows no stories`);
  }
  if (facts.sources === 0 || facts.health.length !== facts.sources) problems.push(`${name}: sources or their health missing`);
  if (facts.smallestFont < 12) problems.push(`${name}: text at ${facts.smallestFont}px`);
  await page.screenshot({ path: `${out}/index-${name}.png`, fullPage: true });
  console.log(`chromium ${name} ${viewport.width}px: ${facts.topics.length} topics (` +
    facts.topics.map((t) => `${t.title}: ${t.newest} stories`).join(", ") + `), ${facts.sources} sources, ` +
    `width ${facts.scrollWidth}px; screenshot ${out}/index-${name}.png`);
  await context.close();
}
await browser.close();
if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
