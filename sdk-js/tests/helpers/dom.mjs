// Runs a bundled app in jsdom with the real runtime packages supplied for its
// externals, the way the runtime page supplies them in a browser.

import { createRequire } from "node:module";
import { JSDOM } from "jsdom";
import { EXTERNALS, bundle, sdkVfs, templateVfs } from "./vfs.mjs";

const require = createRequire(import.meta.url);

/**
 * A jsdom page with #root, its window installed as the global environment
 * (React DOM reads window/document when it loads, so this comes first), and
 * the runtime globals the host sets (§18.4).
 */
export function installDom({ token = "", url = "https://apps.test/a/a1b2c3d4e5f6/" } = {}) {
  const dom = new JSDOM('<!doctype html><html><head></head><body><div id="root"></div></body></html>', {
    url,
    pretendToBeVisual: true,
  });
  const win = dom.window;
  // jsdom has no matchMedia; react-hot-toast asks it about reduced motion.
  win.matchMedia ??= (query) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener() {},
    removeListener() {},
    addEventListener() {},
    removeEventListener() {},
    dispatchEvent: () => false,
  });
  Object.assign(win, {
    __API_BASE__: "/api/v1",
    __APP_TOKEN__: token,
    __APP_ID__: "7f0c1d2e-aaaa-bbbb-cccc-000000000001",
    __APP_SLUG__: "a1b2c3d4e5f6",
    __IS_AUTHENTICATED__: Boolean(token),
  });
  // Node's own globals (timers, fetch, URL, …) stay; the DOM ones come from jsdom.
  for (const key of Object.getOwnPropertyNames(win)) {
    if (key in globalThis) continue;
    try {
      globalThis[key] = win[key];
    } catch {
      // read-only on globalThis: leave it
    }
  }
  globalThis.window = win;
  globalThis.document = win.document;
  return dom;
}

// Every React root the app creates, so that teardown can unmount it: an
// unmounted tree schedules no more renders, and its effects' cleanups clear
// react-hot-toast's dismiss timers.
const roots = [];

/** The runtime packages as the registry the runtime provides, with `createRoot` tracked. */
export function runtimeExternals() {
  const registry = Object.fromEntries(EXTERNALS.map((name) => [name, require(name)]));
  const client = registry["react-dom/client"];
  registry["react-dom/client"] = {
    ...client,
    createRoot(container, options) {
      const root = client.createRoot(container, options);
      roots.push(root);
      return root;
    },
  };
  return registry;
}

let externals;
/** require() for the bundle: the runtime packages and nothing else. */
export function runtimeRequire(name) {
  if (!EXTERNALS.includes(name)) throw new Error(`bundle asked for "${name}", which the runtime does not provide`);
  externals ??= runtimeExternals();
  return externals[name];
}

/** The starter template as a new app's VFS, with the host's SDK injected. */
export function newAppVfs() {
  return { ...templateVfs(), ...sdkVfs() };
}

/** Bundle the template app (entry src/main.tsx) and run it in the installed DOM. */
export async function runTemplateApp() {
  const { js, css } = await bundle(newAppVfs(), "src/main.tsx", { format: "iife" });
  const style = document.createElement("style");
  style.textContent = css;
  document.head.appendChild(style);
  // esbuild's iife calls `require` for externals when one is in scope.
  new Function("require", js)(runtimeRequire);
  return { js, css };
}

/** Poll until `probe()` returns something truthy; fail with the page's HTML after `timeout` ms. */
export async function waitFor(probe, { timeout = 20000, interval = 10, what = "condition" } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}; body: ${document.body.innerHTML.slice(0, 2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/**
 * Stop everything the app scheduled, then close the window. Deterministic, no
 * waiting: `unmount` renders synchronously (flushSync) and runs every effect
 * cleanup, so the Toaster's dismiss timers are cleared and no render can run
 * against a closed window; with no Toaster left listening, clearing the toast
 * store schedules nothing either. What may still fire later (the toast store's
 * removal timers) only updates the store, never the DOM.
 */
export async function teardown(dom) {
  for (const root of roots.splice(0)) root.unmount();
  require("react-hot-toast").toast.remove();
  dom.window.close();
}
