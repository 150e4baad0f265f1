// `appbox dev` in the browser (issue 13): the CLI runs as a process watching
// a pulled app folder; a Chromium tab on the app's dev page follows each
// saved file with no reload by the test — new page text within 1 s, a
// CSS-only edit swapped in place (a typed input keeps its value), a text
// edit of a component whose hooks stay the same keeps its state, a syntax
// error shown as an overlay naming the file and line, gone once fixed.
//
// Run by scripts/test.sh with the other browser tests; alone: `npm test` here.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  api,
  artifacts,
  binary,
  inShadow,
  launchBrowser,
  login,
  openPage,
  shadowRoot,
  startServer,
  typeInShadow,
} from "./lib.mjs";

const MAIN = `import { createRoot } from "react-dom/client";
import App from "./App";
import "./App.css";
createRoot(document.getElementById("root")!).render(<App />);
`;
const app = (title) => `import { useState } from "react";

export default function App() {
  const [name, setName] = useState("");
  return (
    <main>
      <h1 data-testid="title">${title}</h1>
      <input data-testid="name" value={name} onChange={(e) => setName(e.target.value)} />
    </main>
  );
}
`;
const css = (color) => `h1 { color: ${color}; }\n`;

let server;
let browser;
let work;
let folder;
let dev;
let devOutput = "";
let slug;

/**
 * Saves `text` into the app folder's `path` as many editors do: a hidden
 * temporary file renamed over the old one, so the watcher never reads a
 * half-written file (a save in place shows the truncated file for a moment).
 */
function save(path, text) {
  const temporary = join(folder, "src", `.${path.replaceAll("/", "_")}.tmp`);
  writeFileSync(temporary, text);
  renameSync(temporary, join(folder, path));
}

/** Runs the CLI to completion with this test's config dir and server. */
function cli(env, ...args) {
  return execFileSync(binary, args, { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  const admin = api(server.base, await login(server.base, ADMIN_EMAIL, ADMIN_PASSWORD));
  const created = await admin("POST", "/builder/apps", { name: "Dev mode app", access_mode: "internal" });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  slug = created.body.slug;
  const put = await admin("PUT", `/builder/apps/${created.body.id}/source`, {
    files: { "src/main.tsx": MAIN, "src/App.tsx": app("First text"), "src/App.css": css("rgb(0, 0, 255)") },
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));

  work = mkdtempSync(join(tmpdir(), "appbox-dev-"));
  folder = join(work, "app");
  const env = { PATH: process.env.PATH, APPBOX_CONFIG_DIR: join(work, "config"), APPBOX_SERVER: server.base, RUST_LOG: "warn" };
  cli({ ...env, APPBOX_PASSWORD: ADMIN_PASSWORD }, "login", "--email", ADMIN_EMAIL);
  cli(env, "pull", slug, folder);

  dev = spawn(binary, ["dev", folder], { env, stdio: ["ignore", "pipe", "pipe"] });
  dev.stdout.on("data", (chunk) => (devOutput += chunk));
  dev.stderr.on("data", (chunk) => (devOutput += chunk));
  // Watching starts before the first compile, which prints "Compiled".
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`appbox dev did not start:\n${devOutput}`)), 30_000);
    const check = () => {
      if (/Compiled/.test(devOutput)) {
        clearTimeout(timer);
        resolve();
      }
    };
    dev.stdout.on("data", check);
    dev.on("exit", (code) => reject(new Error(`appbox dev exited with ${code}:\n${devOutput}`)));
  });
});

after(async () => {
  dev?.kill("SIGTERM");
  await browser?.close();
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/**
 * Polls `fn` in the app's shadow root until it returns a truthy value,
 * finding the root afresh each time (the dev page reloads itself on new JS).
 */
async function waitFor(cdp, what, fn, ...args) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const value = await inShadow(cdp, await shadowRoot(cdp), fn, ...args);
      if (value) return value;
    } catch {
      // mid-reload: no shadow root yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nappbox dev said:\n${devOutput}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function titleIs(text) {
  return this.querySelector('[data-testid="title"]')?.textContent === text;
}

test("appbox dev: an edit shows within 1 s, CSS swaps in place, state stays, a syntax error shows an overlay until fixed", async () => {
  const { page, cdp, problems } = await openPage(browser.context);
  try {
    const token = await login(server.base, ADMIN_EMAIL, ADMIN_PASSWORD);
    const session = await page.request.post(`${server.base}/session`, { data: { access_token: token } });
    assert.equal(session.status(), 204);
    await page.goto(`${server.base}/dev/${slug}`);
    await waitFor(cdp, "the first text", titleIs, "First text");

    // 1. A page text edit: visible within 1 s, in the same document (a hot
    // update, not a reload).
    await page.evaluate(() => (window.__sameDocument = true));
    const saved = Date.now();
    save("src/App.tsx", app("Second text"));
    await waitFor(cdp, "the edited text", titleIs, "Second text");
    const elapsed = Date.now() - saved;
    console.log(`edit to pixels: ${elapsed} ms`);
    assert.ok(elapsed < 1000, `the edit took ${elapsed} ms to show`);
    assert.equal(await page.evaluate(() => window.__sameDocument), true, "the text edit reloaded the page");
    assert.deepEqual(problems, [], "after the text edit");

    // 2. A CSS-only edit: the new colour, and the typed value (React state) stays.
    await typeInShadow(page, cdp, await shadowRoot(cdp), '[data-testid="name"]', "typed by a user");
    save("src/App.css", css("rgb(255, 0, 0)"));
    await waitFor(cdp, "the new colour", function () {
      return getComputedStyle(this.querySelector('[data-testid="title"]')).color === "rgb(255, 0, 0)";
    });
    const value = await inShadow(cdp, await shadowRoot(cdp), function () {
      return this.querySelector('[data-testid="name"]').value;
    });
    assert.equal(value, "typed by a user");
    assert.equal(await page.evaluate(() => window.__sameDocument), true, "the page was not reloaded");
    assert.deepEqual(problems, [], "after the CSS edit");

    // 3. A text edit with the same hooks: the component is rendered again in
    // place, so the typed value stays too.
    const typed = function () {
      return this.querySelector('[data-testid="name"]').value;
    };
    save("src/App.tsx", app("Kept state"));
    await waitFor(cdp, "the text of the same component", titleIs, "Kept state");
    assert.equal(await inShadow(cdp, await shadowRoot(cdp), typed), "typed by a user", "a text edit lost the state");
    // A hook more: React mounts the component afresh (no hook-order error).
    save("src/App.tsx", app("New hooks").replace('useState("");', 'useState("");\n  const [clicks] = useState(0);'));
    await waitFor(cdp, "the text of the remounted component", titleIs, "New hooks");
    assert.equal(await inShadow(cdp, await shadowRoot(cdp), typed), "", "a component whose hooks changed kept its state");
    assert.equal(await page.evaluate(() => window.__sameDocument), true, "the page was not reloaded");
    assert.deepEqual(problems, [], "after the edits of the component");

    // 4. A syntax error: an overlay naming the file and line; it goes once fixed.
    save("src/App.tsx", app("Third text").replace("</h1>", "</h1"));
    const overlay = page.locator("#appbox-dev-overlay");
    await overlay.waitFor({ state: "visible", timeout: 10_000 });
    const text = await overlay.innerText();
    assert.match(text, /src\/App\.tsx:\d+:\d+/, text);
    assert.match(text, /Compile error/, text);
    assert.deepEqual(problems, [], "after the syntax error");
    await page.screenshot({ path: join(artifacts, "dev-overlay.png") });
    save("src/App.tsx", app("Fixed text"));
    await waitFor(cdp, "the fixed text", titleIs, "Fixed text");
    await overlay.waitFor({ state: "detached", timeout: 10_000 });
    assert.equal(await page.evaluate(() => window.__sameDocument), true, "the fix reloaded the page");
    assert.deepEqual(problems, [], "after the fix");
  } finally {
    await page.close();
  }
});
