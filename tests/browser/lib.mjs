// Helpers of the browser tests: the real appbox binary, its HTTP API, one
// headless Chromium (Debian's), and a way into the app's *closed* shadow
// root that needs no hook in the product: CDP's DOM.getDocument with
// `pierce: true` finds the shadow root, DOM.resolveNode turns it into a JS
// object, and Runtime.callFunctionOn runs test code with it as `this`.

import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const repo = join(here, "..", "..");
export const shared = process.env.APPBOX_SHARED_DIR ?? join(repo, "..", "shared");
export const artifacts = join(repo, "target", "browser-artifacts");

export const binary = process.env.APPBOX_BIN ?? join(repo, "target", "debug", "appbox");
export const ADMIN_EMAIL = "admin@browser.test";
export const ADMIN_PASSWORD = "admin-password-1";

/** Starts `appbox serve` on a free port with its own data directory. */
export async function startServer({ demo = false } = {}) {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run cargo build first`);
  const dataDir = mkdtempSync(join(tmpdir(), "appbox-browser-"));
  const env = {
    PATH: process.env.PATH,
    APPBOX_DATA_DIR: dataDir,
    APPBOX_ADDR: "127.0.0.1:0",
    APPBOX_ADMIN_EMAIL: ADMIN_EMAIL,
    APPBOX_ADMIN_PASSWORD: ADMIN_PASSWORD,
    // The server's log filter: `APPBOX_SERVER_LOG=appbox_host::api::dev=debug` shows
    // where each dev update's time went.
    RUST_LOG: process.env.APPBOX_SERVER_LOG || "warn",
  };
  if (process.env.APPBOX_BROWSER_DATABASE_URL) env.DATABASE_URL = process.env.APPBOX_BROWSER_DATABASE_URL;
  const args = ["serve", ...(demo ? ["--demo"] : [])];
  const child = spawn(binary, args, { env, stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`appbox did not start:\n${output}`)), 60_000);
    child.stdout.on("data", (chunk) => {
      output += chunk;
      const match = /appbox listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on("exit", (code) => reject(new Error(`appbox exited with ${code}:\n${output}`)));
  });
  child.stdout.on("data", (chunk) => (output += chunk));
  return {
    base,
    dataDir,
    output: () => output,
    /** `appbox user add` on this server's storage. */
    addUser(email, role, password, tenant) {
      execFileSync(binary, ["user", "add", "--email", email, "--role", role, ...(tenant ? ["--tenant", tenant] : [])], {
        env: { ...env, APPBOX_USER_PASSWORD: password },
        stdio: "ignore",
      });
    },
    async stop() {
      child.kill("SIGTERM");
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A JSON API client for one server. */
export function api(base, token) {
  return async function call(method, path, body) {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, body: json };
  };
}

export async function login(base, email, password) {
  const res = await api(base)("POST", "/auth/login", { email, password });
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.access_token;
}

export function corpusApp(name) {
  return JSON.parse(readFileSync(join(shared, "corpus", `${name}.json`), "utf8"));
}

export function expectedRoutes(name) {
  return JSON.parse(readFileSync(join(shared, "corpus", "expected.json"), "utf8")).apps[name];
}

/**
 * Creates an app with `files` and its Custom `tables`, checks it compiles,
 * publishes it. `changes` are settings only an update takes (PATCH), such
 * as allow_anonymous_access.
 */
export async function publishApp(call, name, files, { tables = [], changes, ...settings } = {}) {
  const created = await call("POST", "/builder/apps", { name, ...settings });
  if (created.status !== 201) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
  const app = created.body;
  if (changes) {
    const updated = await call("PATCH", `/builder/apps/${app.id}`, changes);
    if (updated.status !== 200) throw new Error(`update: ${updated.status} ${JSON.stringify(updated.body)}`);
  }
  for (const table of tables) {
    const made = await call("POST", "/data/objects", { app_id: app.id, ...table });
    if (made.status !== 201) throw new Error(`table: ${made.status} ${JSON.stringify(made.body)}`);
  }
  const put = await call("PUT", `/builder/apps/${app.id}/source`, { files, expected_version: app.vfs_version });
  if (put.status !== 200) throw new Error(`push: ${put.status} ${JSON.stringify(put.body)}`);
  const compiled = await call("POST", `/compile/compile/${app.id}`);
  if (!compiled.body?.success) throw new Error(`compile: ${JSON.stringify(compiled.body).slice(0, 2000)}`);
  const published = await call("POST", `/builder/apps/${app.id}/publish`, { published_assets: {} });
  if (published.status !== 200) throw new Error(`publish: ${published.status} ${JSON.stringify(published.body)}`);
  return published.body;
}

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

export function chromiumPath() {
  for (const path of [process.env.CHROMIUM_BIN, "/usr/bin/chromium", "/usr/bin/chromium-browser"]) {
    if (path && existsSync(path)) return path;
  }
  throw new Error("chromium is not installed (scripts/test.sh installs Debian's chromium)");
}

/** One browser for every test: a fresh profile in a temp directory. */
export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), "appbox-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A page that records what a user would call a failure: uncaught errors and
 * console errors, except the browser's own "Failed to load resource" lines
 * for HTTP errors the app handles (its SDK calls may be refused, and the app
 * then shows sample data and a toast).
 */
export async function openPage(context) {
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const text = message.text();
    if (/^Failed to load resource: the server responded with a status of (401|403|404)/.test(text)) return;
    problems.push(`console error: ${text}`);
  });
  const cdp = await context.newCDPSession(page);
  return { page, cdp, problems };
}

/** The closed shadow root of <custom-app-runtime>, as a CDP object id. */
export async function shadowRoot(cdp) {
  const { root } = await cdp.send("DOM.getDocument", { depth: -1, pierce: true });
  const find = (node) => {
    if (node.nodeName === "CUSTOM-APP-RUNTIME") return node;
    for (const child of node.children ?? []) {
      const hit = find(child);
      if (hit) return hit;
    }
    return null;
  };
  const host = find(root);
  if (!host) throw new Error("no <custom-app-runtime> in the page");
  const [shadow] = host.shadowRoots ?? [];
  if (!shadow) throw new Error("<custom-app-runtime> has no shadow root");
  if (shadow.shadowRootType !== "closed") throw new Error(`the shadow root is ${shadow.shadowRootType}, not closed`);
  const { object } = await cdp.send("DOM.resolveNode", { backendNodeId: shadow.backendNodeId });
  return object.objectId;
}

/** Runs `fn` with the shadow root as `this`; returns its (JSON) value. */
export async function inShadow(cdp, shadow, fn, ...args) {
  const result = await cdp.send("Runtime.callFunctionOn", {
    objectId: shadow,
    functionDeclaration: fn.toString(),
    arguments: args.map((value) => ({ value })),
    returnByValue: true,
    awaitPromise: true,
  });
  if (result.exceptionDetails) throw new Error(`in the shadow root: ${result.exceptionDetails.exception?.description ?? result.exceptionDetails.text}`);
  return result.result.value;
}

/** Polls `fn` in the shadow root until it returns a truthy value. */
export async function waitInShadow(cdp, shadow, what, fn, ...args) {
  const deadline = Date.now() + 20_000;
  let last;
  for (;;) {
    last = await inShadow(cdp, shadow, fn, ...args);
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits for the element with `data-testid` inside the shadow root; returns its text. */
export function waitForTestId(cdp, shadow, testid) {
  return waitInShadow(
    cdp,
    shadow,
    `[data-testid="${testid}"]`,
    function (id) {
      const el = this.querySelector(`[data-testid="${id}"]`);
      return el ? el.textContent : null;
    },
    testid,
  );
}

/** A real mouse click on the centre of the first match inside the shadow root. */
export async function clickInShadow(page, cdp, shadow, selector) {
  const box = await waitInShadow(
    cdp,
    shadow,
    selector,
    function (sel) {
      const el = this.querySelector(sel);
      if (!el) return null;
      el.scrollIntoView({ block: "center" });
      const r = el.getBoundingClientRect();
      return r.width > 0 ? { x: r.x + r.width / 2, y: r.y + r.height / 2 } : null;
    },
    selector,
  );
  await page.mouse.click(box.x, box.y);
}

/** Focuses a field inside the shadow root and types into it with the keyboard. */
export async function typeInShadow(page, cdp, shadow, selector, text) {
  await waitInShadow(
    cdp,
    shadow,
    selector,
    function (sel) {
      const el = this.querySelector(sel);
      if (!el) return false;
      el.focus();
      return true;
    },
    selector,
  );
  await page.keyboard.type(text);
}
