// Edit-to-pixels under `appbox dev` and under Vite's dev server (issue 13):
// the corpus `medium` and `large` apps, the dashboard page's title edited and
// saved 20 times each; the time from the save to the new title on screen in
// Chromium. appbox: `appbox dev` (a process) pushes, the host recompiles and
// sends the changed module to the dev page, which runs it again in place. Vite: the same files (with the SDK files the
// host adds) under Vite's dev server with @vitejs/plugin-react (HMR, React
// Fast Refresh) and the real npm packages, pinned in this folder's
// package-lock.json (apart from the browser tests' packages, so that their
// `npm ci` in CI stays small).
// Both are measured the same way: the page is asked every 5 ms over CDP
// (appbox: a function called on the closed shadow root).
//
// Run: `cargo build --release`, then
// `APPBOX_BIN=../../target/release/appbox npm run bench:dev` in tests/browser
// (it installs this folder's packages first; without APPBOX_BIN it measures
// the debug build the tests use). Prints p50/p95 side by side, the binary
// and the machine's load.

import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, renameSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer } from "vite";
import react from "@vitejs/plugin-react";

import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  api,
  binary,
  corpusApp,
  inShadow,
  launchBrowser,
  login,
  openPage,
  startServer,
} from "../lib.mjs";

const EDITS = 20;
/** Between two edits: both dev servers finish what the last save started. */
const PAUSE_MS = 300;
const PAGE = "src/pages/DashboardPage.tsx";
const TITLE = 'title="Dashboard"';
const here = dirname(fileURLToPath(import.meta.url));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Polls `check` every 5 ms until it is true; at most 20 s. */
async function until(check, what) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // mid-reload
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Saves as many editors do: a hidden file renamed over the old one. */
function save(file, text) {
  const temporary = join(dirname(file), `.bench-${Date.now()}.tmp`);
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

/** Saves the page with a new title EDITS times; the ms until each is on screen. */
async function edits(file, shows) {
  const original = readFileSync(file, "utf8");
  if (!original.includes(TITLE)) throw new Error(`${file} has no ${TITLE}`);
  const times = [];
  try {
    for (let i = 1; i <= EDITS; i++) {
      const title = `Dashboard ${i}`;
      const saved = performance.now();
      save(file, original.replace(TITLE, `title="${title}"`));
      await until(() => shows(title), title);
      times.push(performance.now() - saved);
      await sleep(PAUSE_MS);
    }
  } finally {
    writeFileSync(file, original);
  }
  return times;
}

/** The closed shadow root of <custom-app-runtime> without reading the whole DOM. */
async function shadowOf(cdp) {
  const { root } = await cdp.send("DOM.getDocument", { depth: 0 });
  const { nodeId } = await cdp.send("DOM.querySelector", { nodeId: root.nodeId, selector: "custom-app-runtime" });
  const { node } = await cdp.send("DOM.describeNode", { nodeId, depth: 1, pierce: true });
  const [shadowRoot] = node.shadowRoots ?? [];
  if (!shadowRoot) throw new Error("no shadow root yet");
  const { object } = await cdp.send("DOM.resolveNode", { backendNodeId: shadowRoot.backendNodeId });
  return object.objectId;
}

function headingIs(title) {
  return this.querySelector('[data-testid="page-dashboard"] h1')?.textContent === title;
}

async function underAppbox(server, browser, env, admin, name, files) {
  const created = await admin("POST", "/builder/apps", { name: `Dev bench ${name}`, access_mode: "internal" });
  const put = await admin("PUT", `/builder/apps/${created.body.id}/source`, { files });
  if (put.status !== 200) throw new Error(`push ${name}: ${JSON.stringify(put.body)}`);
  const folder = join(env.work, name);
  execFileSync(binary, ["pull", created.body.slug, folder], { env, stdio: "ignore" });
  const dev = spawn(binary, ["dev", folder], { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  dev.stdout.on("data", (chunk) => (output += chunk));
  dev.stderr.on("data", (chunk) => (output += chunk));
  const { page, cdp } = await openPage(browser.context);
  try {
    await until(() => /Compiled/.test(output), "appbox dev's first compile");
    const token = await login(server.base, ADMIN_EMAIL, ADMIN_PASSWORD);
    await page.request.post(`${server.base}/session`, { data: { access_token: token } });
    await page.goto(`${server.base}/dev/${created.body.slug}`);
    // The shadow root is found once per page load (a reload makes the
    // handle stale, and the call throws): asking for the whole DOM every
    // 5 ms would load the browser more than Vite's page.evaluate does.
    let shadow = null;
    const shows = async (title) => {
      try {
        if (shadow) return await inShadow(cdp, shadow, headingIs, title);
      } catch {
        // stale after a reload
      }
      shadow = await shadowOf(cdp);
      return inShadow(cdp, shadow, headingIs, title);
    };
    await until(() => shows("Dashboard"), `the ${name} dashboard under appbox dev`);
    return await edits(join(folder, PAGE), shows);
  } finally {
    await page.close();
    dev.kill("SIGTERM");
  }
}

async function underVite(browser, admin, name, files) {
  // The same app as the host compiles it: its files and the SDK files.
  const created = await admin("POST", "/builder/apps", { name: `Vite bench ${name}` });
  const put = await admin("PUT", `/builder/apps/${created.body.id}/source`, { files });
  if (put.status !== 200) throw new Error(`push ${name}: ${JSON.stringify(put.body)}`);
  const all = (await admin("GET", `/builder/apps/${created.body.id}`)).body.vfs_state;
  // Here, so that the app resolves this folder's packages (not under
  // node_modules/, which Vite does not watch).
  const root = join(here, ".bench-dev", name);
  rmSync(root, { recursive: true, force: true });
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  writeFileSync(
    join(root, "index.html"),
    '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><div id="root"></div><script type="module" src="/src/main.tsx"></script></body></html>\n',
  );
  const vite = await createServer({
    root,
    configFile: false,
    logLevel: "error",
    plugins: [react()],
    server: { host: "127.0.0.1", port: 0, fs: { allow: [here] } },
  });
  await vite.listen();
  const url = vite.resolvedUrls.local[0];
  const { page } = await openPage(browser.context);
  try {
    await page.goto(url);
    const shows = (title) =>
      page.evaluate((t) => document.querySelector('[data-testid="page-dashboard"] h1')?.textContent === t, title);
    await until(() => shows("Dashboard"), `the ${name} dashboard under Vite`);
    return await edits(join(root, PAGE), shows);
  } finally {
    await page.close();
    await vite.close();
    rmSync(join(here, ".bench-dev"), { recursive: true, force: true });
  }
}

const [server, browser] = await Promise.all([startServer(), launchBrowser()]);
const work = mkdtempSync(join(tmpdir(), "appbox-bench-dev-"));
try {
  const admin = api(server.base, await login(server.base, ADMIN_EMAIL, ADMIN_PASSWORD));
  const env = { PATH: process.env.PATH, APPBOX_CONFIG_DIR: join(work, "config"), APPBOX_SERVER: server.base, RUST_LOG: "warn", work };
  execFileSync(binary, ["login", "--email", ADMIN_EMAIL], { env: { ...env, APPBOX_PASSWORD: ADMIN_PASSWORD }, stdio: "ignore" });
  const rows = [];
  for (const name of ["medium", "large"]) {
    const files = corpusApp(name);
    const appbox = await underAppbox(server, browser, env, admin, name, files);
    const vite = await underVite(browser, admin, name, files);
    rows.push({ name, appbox, vite });
  }
  const ms = (v) => `${v.toFixed(0).padStart(5)} ms`;
  console.log(`\nedit-to-pixels, ${EDITS} edits of ${PAGE} (p50 / p95)`);
  console.log(`appbox: ${binary}; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  console.log(`${"app".padEnd(8)} ${"appbox dev".padEnd(19)} vite ${"(HMR)".padEnd(14)}`);
  for (const { name, appbox, vite } of rows) {
    console.log(
      `${name.padEnd(8)} ${ms(percentile(appbox, 50))} / ${ms(percentile(appbox, 95))}   ${ms(percentile(vite, 50))} / ${ms(percentile(vite, 95))}`,
    );
  }
} finally {
  await browser.close();
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
