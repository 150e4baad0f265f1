// The starter template: its file tree (custom-app guide §4), the platform rules
// it must follow (§10, §11, §20), and a real render in jsdom of the bundle the
// host would build for a brand-new app, with the API unreachable.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { EXTERNALS, SDK_FILES, bundle, templateVfs } from "./helpers/vfs.mjs";
import { installDom, newAppVfs, runTemplateApp, teardown, waitFor } from "./helpers/dom.mjs";

/** Exactly what the host embeds as the template (the SDK files are injected separately). */
export const TEMPLATE_FILES = [
  "actions/example_action.py",
  "actions/manifest.json",
  "package.json",
  "src/App.css",
  "src/App.tsx",
  "src/components/AppHeader.tsx",
  "src/components/AppLayout.tsx",
  "src/components/AppSidebar.tsx",
  "src/main.tsx",
  "src/pages/DashboardPage.tsx",
  "src/pages/NotFoundPage.tsx",
  "src/pages/_manifest.json",
  "src/routes.ts",
];

const files = templateVfs();
const sources = Object.entries(files).filter(([p]) => /\.(tsx?|jsx?)$/.test(p));

describe("template files", () => {
  test("the standard file tree of §4, and no host-owned SDK file", () => {
    assert.deepEqual(Object.keys(files).sort(), TEMPLATE_FILES);
    for (const name of SDK_FILES) assert.equal(files[`src/${name}`], undefined, `template must not ship src/${name}`);
  });

  test("JSON files parse; the action manifest lists example_action with its file", () => {
    for (const [p, text] of Object.entries(files)) if (p.endsWith(".json")) JSON.parse(text);
    const { actions } = JSON.parse(files["actions/manifest.json"]);
    assert.ok(Array.isArray(actions) && actions.length === 1);
    const [action] = actions;
    assert.equal(action.name, "example_action");
    assert.equal(action.file, "example_action.py");
    assert.equal(typeof action.description, "string");
    assert.equal(action.timeout_s, 30);
    assert.ok(files[`actions/${action.file}`], "the manifest's file exists");
    assert.match(files["actions/example_action.py"], /^def execute\(ctx\):/m);
    assert.match(files["actions/example_action.py"], /ctx\.params/);
    assert.match(files["actions/example_action.py"], /ctx\.response\.json\(/);
  });

  test("every page file in pages/_manifest.json exists", () => {
    const { pages } = JSON.parse(files["src/pages/_manifest.json"]);
    assert.ok(pages.length >= 2);
    for (const page of pages) assert.ok(files[`src/pages/${page.file}`], page.file);
  });

  test("runtime rules: HashRouter only, no alert/confirm/prompt, no dynamic import", () => {
    for (const [p, text] of sources) {
      assert.doesNotMatch(text, /\bBrowserRouter\b/, `${p}: BrowserRouter`);
      assert.doesNotMatch(text, /(^|[^.\w])(alert|confirm|prompt)\s*\(/m, `${p}: alert/confirm/prompt`);
      assert.doesNotMatch(text, /\bimport\s*\(/, `${p}: dynamic import`);
      assert.doesNotMatch(text, /minHeight\s*:\s*["']100vh/, `${p}: minHeight 100vh`);
    }
    assert.match(files["src/App.tsx"], /<HashRouter future=\{\{ v7_startTransition: true, v7_relativeSplatPath: true \}\}>/);
    assert.match(files["src/App.tsx"], /<Toaster\b/);
  });

  test("App.css: variables under :host, :root; html rules with :host; a 100vh scrolling container", () => {
    const css = files["src/App.css"].replace(/\/\*[\s\S]*?\*\//g, "");
    const selectors = [...css.matchAll(/([^{}]+)\{/g)].map((m) => m[1].trim().replace(/\s+/g, " "));
    for (const selector of selectors) {
      if (/(^|,\s*):root\b/.test(selector)) assert.match(selector, /:host\b/, `"${selector}" uses :root without :host`);
      if (/(^|,\s*)html\b/.test(selector)) assert.match(selector, /:host\b/, `"${selector}" uses html without :host`);
    }
    assert.ok(selectors.includes(":host, :root"), "a :host, :root variable block");
    assert.match(css, /\.app-layout\s*\{[^}]*height:\s*100vh;[^}]*overflow-y:\s*auto;/);
    assert.doesNotMatch(css, /min-height:\s*100vh/);
  });
});

describe("template bundle", () => {
  test("builds with the SDK injected, importing nothing but the runtime packages", async () => {
    const { js, css } = await bundle(newAppVfs(), "src/main.tsx", { format: "esm" });
    const imported = new Set([...js.matchAll(/from\s*"([^"]+)"/g)].map((m) => m[1]));
    for (const name of imported) assert.ok(EXTERNALS.includes(name), `unexpected import ${name}`);
    for (const name of ["react/jsx-runtime", "react-dom/client", "react-router-dom", "lucide-react", "react-hot-toast"]) {
      assert.ok(imported.has(name), `expected an import of ${name}`);
    }
    assert.match(css, /:host,\s*:root/);
  });

  test("a file importing an unknown package does not build (the check above can fail)", async () => {
    const vfs = { ...newAppVfs(), "src/routes.ts": 'import dayjs from "dayjs";\nexport const x = dayjs;\n' };
    await assert.rejects(bundle(vfs, "src/main.tsx"), /dayjs/);
  });
});

describe("template in jsdom, API unreachable", () => {
  let dom;
  const fetchCalls = [];
  const realFetch = globalThis.fetch;

  before(async () => {
    dom = installDom({ token: "" });
    globalThis.fetch = async (url) => {
      fetchCalls.push(String(url));
      throw new TypeError("Failed to fetch");
    };
    await runTemplateApp();
  });

  after(async () => {
    globalThis.fetch = realFetch;
    await teardown(dom);
  });

  test("the dashboard renders with its test id and an h1", async () => {
    const page = await waitFor(() => document.querySelector('[data-testid="page-dashboard"]'), { what: "page-dashboard" });
    const h1 = await waitFor(() => page.querySelector("h1"), { what: "h1" });
    assert.equal(h1.textContent, "Dashboard");
  });

  test("the layout renders: sidebar link from routes.ts with its icon, header title", async () => {
    const link = await waitFor(() => document.querySelector(".app-sidebar a.nav-link"), { what: "sidebar link" });
    assert.equal(link.getAttribute("href"), "#/");
    assert.ok(link.querySelector("svg"), "lucide icon");
    assert.match(link.className, /is-active/);
    assert.equal(document.querySelector(".app-header__title")?.textContent, "Dashboard");
    assert.match(document.querySelector(".app-header__user")?.textContent ?? "", /Guest/);
  });

  test("the failed load is caught: anonymous pub/ URL tried, sample data shown, error toast", async () => {
    await waitFor(() => document.querySelector(".badge--warning"), { what: "sample-data badge" });
    assert.ok(fetchCalls.includes("/api/v1/pub/data/a1b2c3d4e5f6/objects/items/records?limit=100"), fetchCalls.join("\n"));
    assert.equal(document.querySelector('[data-testid="stat-total"]')?.textContent, "3");
    assert.equal(document.querySelectorAll("tbody tr").length, 3);
    await waitFor(() => [...document.querySelectorAll('[role="status"]')].find((el) => /Could not load "items"/.test(el.textContent ?? "")), {
      what: "error toast",
    });
  });

  test("an unknown route shows the not-found page", async () => {
    window.location.hash = "#/no-such-page";
    const page = await waitFor(() => document.querySelector('[data-testid="page-not-found"]'), { what: "page-not-found" });
    assert.equal(page.querySelector("h1")?.textContent, "Page not found");
    window.location.hash = "#/";
    await waitFor(() => document.querySelector('[data-testid="page-dashboard"]'), { what: "dashboard again" });
  });
});
