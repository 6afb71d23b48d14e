// What every browser test file shares: headless Chromium (Debian's, or $CHROMIUM) started the
// same way, and the recording of a page's console errors and of requests that leave the site.
import { chromium } from "playwright-core";

// Headless Chromium with no background traffic of its own (updates, sync, first-run pages).
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

// Records `page`'s console errors and uncaught exceptions into `consoleErrors`, and into
// `foreignRequests` every http request to a host that `local(url)` does not accept.
export function recordProblems(page, consoleErrors, foreignRequests, local) {
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (!["blob:", "data:"].includes(u.protocol) && !local(u)) foreignRequests.push(r.url());
  });
}
