// End users open published apps in headless Chromium (issue 9): the real
// binary, the real runtime, one browser for every test.
//
// Run by scripts/test.sh after `cargo build`; alone: `npm test` here.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  api,
  artifacts,
  clickInShadow,
  corpusApp,
  expectedRoutes,
  inShadow,
  launchBrowser,
  login,
  openPage,
  publishApp,
  shadowRoot,
  startServer,
  typeInShadow,
  waitForTestId,
  waitInShadow,
} from "./lib.mjs";

const MEMBER = { email: "member@browser.test", password: "member-password-1" };
const OUTSIDER = { email: "outsider@browser.test", password: "outsider-password-1" };

let server;
let browser;
let admin;
let medium;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  [server, browser] = await Promise.all([startServer({ demo: true }), launchBrowser()]);
  server.addUser(MEMBER.email, "member", MEMBER.password);
  server.addUser(OUTSIDER.email, "member", OUTSIDER.password, "Another company");
  admin = api(server.base, await login(server.base, ADMIN_EMAIL, ADMIN_PASSWORD));
  medium = await publishApp(admin, "Medium corpus app", corpusApp("medium"));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Starts a session for `token` in the browser (POST /session sets the HttpOnly cookie), as the home page's sign-in does. */
async function startSession(page, token) {
  const res = await page.request.post(`${server.base}/session`, { data: { access_token: token } });
  assert.equal(res.status(), 204, await res.text());
}

/** Opens `path` as `user` (signed in through POST /session) and returns the page with its shadow root. */
async function openAs(user, path) {
  const token = await login(server.base, user.email, user.password);
  const opened = await openPage(browser.context);
  await startSession(opened.page, token);
  await opened.page.goto(`${server.base}${path}`);
  return { ...opened, token, shadow: await shadowRoot(opened.cdp) };
}

test("a member opens the published medium app: routes, sidebar, :root variables, styled toasts", async () => {
  const { page, cdp, shadow, problems } = await openAs(MEMBER, `/runtime/${medium.slug}`);
  const expected = expectedRoutes("medium");
  try {
    // The session is a cookie; no token in the address bar.
    assert.equal(new URL(page.url()).search, "");
    assert.equal(new URL(page.url()).hash, expected.default_hash);
    // The shadow root is closed: page scripts cannot reach into it.
    assert.equal(await page.evaluate(() => document.querySelector("custom-app-runtime").shadowRoot), null);

    const dashboard = expected.routes[0];
    await waitForTestId(cdp, shadow, dashboard.testid);
    const heading = await inShadow(cdp, shadow, function (id) {
      return this.querySelector(`[data-testid="${id}"] h1`)?.textContent ?? null;
    }, dashboard.testid);
    assert.equal(heading, dashboard.heading);

    // A real click on a sidebar link shows the second page.
    const second = expected.routes[1];
    await clickInShadow(page, cdp, shadow, `a.nav-link[href="${second.hash}"]`);
    await waitForTestId(cdp, shadow, second.testid);
    assert.equal(new URL(page.url()).hash, second.hash);

    // App.css defines its variables under :root; inside the shadow root they apply.
    const accent = await inShadow(cdp, shadow, function () {
      return getComputedStyle(this.querySelector(".sidebar")).getPropertyValue("--accent").trim();
    });
    assert.equal(accent, "#4f46e5");
    const sidebarWidth = await inShadow(cdp, shadow, function () {
      return this.querySelector(".sidebar").getBoundingClientRect().width;
    });
    assert.equal(sidebarWidth, 248, "the sidebar takes --sidebar-width");

    // The host element fills the window, and a long page scrolls inside it.
    const hostHeight = await page.evaluate(() => document.querySelector("custom-app-runtime").getBoundingClientRect().height);
    assert.equal(hostHeight, 800);
    const scrolled = await inShadow(cdp, shadow, function () {
      const scroller = Array.from(this.querySelectorAll("*")).find((el) => el.scrollHeight > el.clientHeight + 50 && getComputedStyle(el).overflowY !== "visible");
      if (!scroller) return null;
      scroller.scrollTop = 200;
      return scroller.scrollTop;
    });
    assert.ok(scrolled > 0, "a page taller than the window scrolls");

    // The member may not read Custom Data, so the page keeps its sample data
    // and says so in a toast, styled by goober inside the shadow root.
    const toast = await waitInShadow(cdp, shadow, "a toast", function () {
      const message = this.querySelector('[role="status"][aria-live="polite"]');
      const bar = message?.parentElement;
      if (!bar) return null;
      const r = bar.getBoundingClientRect();
      const style = getComputedStyle(bar);
      return r.width > 0 && r.height > 0 && style.opacity === "1"
        ? { width: r.width, height: r.height, background: style.backgroundColor, text: message.textContent }
        : null;
    });
    assert.notEqual(toast.background, "rgba(0, 0, 0, 0)", `the toast has its background: ${JSON.stringify(toast)}`);
    assert.ok(toast.text.length > 0);
    await page.screenshot({ path: join(artifacts, "medium-toast.png") });

    // Every route renders its test id, heading and marker.
    for (const route of expected.routes) {
      await page.evaluate((hash) => (location.hash = hash), route.hash);
      const text = await waitForTestId(cdp, shadow, route.testid);
      assert.ok(text.includes(route.heading), `${route.hash}: heading ${route.heading}`);
      assert.ok(text.includes(route.marker), `${route.hash}: marker ${route.marker}`);
    }
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test("the runtime provides the §18.4 globals, #root lookups, head styles mirrored in and document-level fonts", async () => {
  const files = {
    "src/main.tsx": `import { createRoot } from "react-dom/client";
import "./App.css";
const w = window as any;
function App() {
  const globals = { token: typeof w.__APP_TOKEN__, slug: w.__APP_SLUG__, id: w.__APP_ID__, base: w.__API_BASE__,
    auth: w.__IS_AUTHENTICATED__, route: w.__INITIAL_ROUTE__ };
  return <main data-testid="probe"><h1 className="title">Probe</h1><pre data-testid="globals">{JSON.stringify(globals)}</pre>
    <span data-testid="same-root">{String(document.getElementById("root") === document.querySelector("#root"))}</span>
    <p className="mirrored" data-testid="mirrored">styled from document.head</p></main>;
}
createRoot(document.getElementById("root")!).render(<App />);
// A library that styles itself into document.head, then appends a rule later.
const style = document.createElement("style");
style.textContent = ".mirrored { color: rgb(4, 5, 6); }";
document.head.appendChild(style);
setTimeout(() => style.appendChild(document.createTextNode(".mirrored { font-weight: 700; }")), 50);
`,
    "src/App.css": `@font-face { font-family: "Appbox Probe"; src: url(data:font/woff2;base64,AAAA) format("woff2"); }
:root { --probe: rgb(1, 2, 3); }
.title { color: var(--probe); font-family: "Appbox Probe", sans-serif; }
`,
  };
  const app = await publishApp(admin, "Probe", files, { access_mode: "external" });
  const opened = await openPage(browser.context);
  const { page, cdp, problems } = opened;
  try {
    // An external app: no platform login, its own users sign in inside it.
    await page.goto(`${server.base}/externalAppRuntime/${app.slug}?route=%23/welcome`);
    const shadow = await shadowRoot(cdp);
    const globals = JSON.parse(await waitForTestId(cdp, shadow, "globals"));
    assert.deepEqual(globals, { token: "string", slug: app.slug, id: app.id, base: "/api/v1", auth: false, route: "#/welcome" });
    assert.equal(await waitForTestId(cdp, shadow, "same-root"), "true");
    assert.equal(new URL(page.url()).hash, "#/welcome", "the initial route is applied");
    const color = await inShadow(cdp, shadow, function () {
      return getComputedStyle(this.querySelector(".title")).color;
    });
    assert.equal(color, "rgb(1, 2, 3)");
    const mirrored = await waitInShadow(cdp, shadow, "the head style mirrored", function () {
      const style = getComputedStyle(this.querySelector(".mirrored"));
      return style.color === "rgb(4, 5, 6)" && style.fontWeight === "700";
    });
    assert.ok(mirrored);
    const families = await page.evaluate(() => Array.from(document.fonts, (font) => font.family.replace(/"/g, "")));
    assert.ok(families.includes("Appbox Probe"), `@font-face lifted to the document: ${families}`);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test("the compile API's preview page runs the app in the runtime, CSS inline", async () => {
  const created = await admin("POST", "/builder/apps", { name: "Preview" });
  const compiled = await admin("POST", `/compile/compile/${created.body.id}?dev=true`);
  assert.equal(compiled.body.success, true);
  const { page, cdp, problems } = await openPage(browser.context);
  try {
    await page.goto(`${server.base}/docs`); // the page's URLs are relative to the server
    await page.setContent(compiled.body.html);
    const shadow = await shadowRoot(cdp);
    await waitForTestId(cdp, shadow, "page-dashboard");
    const primary = await inShadow(cdp, shadow, function () {
      return getComputedStyle(this.querySelector(".app-layout")).getPropertyValue("--primary").trim();
    });
    assert.match(primary, /^#(2563eb|60a5fa)$/);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test("internal apps need a sign-in of their own organisation", async () => {
  await browser.context.clearCookies();
  const page = await browser.context.newPage();
  try {
    await page.goto(`${server.base}/runtime/${medium.slug}`);
    assert.equal(new URL(page.url()).pathname, `/app-login/${medium.slug}`);
    const outsider = await login(server.base, OUTSIDER.email, OUTSIDER.password);
    await startSession(page, outsider);
    const res = await page.goto(`${server.base}/runtime/${medium.slug}`);
    // Another organisation's app is not there at all for them: the page of an app that does not exist.
    assert.equal(res.status(), 404);
    assert.match(await page.textContent("body"), /does not exist or has not been published/);
  } finally {
    await page.close();
  }
});

test("a published app keeps its published build after a broken push, and the broken file is not published", async () => {
  const before = await (await fetch(`${server.base}/runtime/${medium.slug}`, { headers: { Cookie: `appbox_token=${await login(server.base, MEMBER.email, MEMBER.password)}` } })).text();
  const app = (await admin("GET", `/builder/apps/${medium.id}`)).body;
  const broken = await admin("PATCH", `/builder/apps/${medium.id}/source/files`, {
    files: { "src/pages/DashboardPage.tsx": "export default function DashboardPage( {\n" },
    expected_version: app.vfs_version,
  });
  assert.equal(broken.status, 200);
  const refused = await admin("POST", `/builder/apps/${medium.id}/publish`, { published_assets: {} });
  assert.equal(refused.status, 422, JSON.stringify(refused.body));

  const { page, cdp, shadow, problems, token } = await openAs(MEMBER, `/runtime/${medium.slug}`);
  try {
    await waitForTestId(cdp, shadow, "page-dashboard");
    const after = await (await fetch(`${server.base}/runtime/${medium.slug}`, { headers: { Cookie: `appbox_token=${token}` } })).text();
    const bundle = (html) => /bundle-src="([^"]+)"/.exec(html)[1];
    assert.equal(bundle(after), bundle(before), "the same bundle URL is served");
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test("the demo app: sign in on the home page, open it, add a task, see it after a reload", async () => {
  await browser.context.clearCookies();
  const { page, cdp, problems } = await openPage(browser.context);
  try {
    // The root page: a sign-in form, then the apps the visitor can open.
    await page.goto(`${server.base}/`);
    await page.fill('input[name="email"]', ADMIN_EMAIL);
    await page.fill('input[name="password"]', ADMIN_PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForSelector("#apps a");
    assert.match(await page.textContent("#apps"), /Demo app/);
    await page.click('#apps a:text("Demo app")');
    await page.waitForURL(/\/runtime\//);
    // The URL `appbox serve --demo` printed at start is the one the home page links to.
    assert.ok(server.output().includes(`demo app:  ${server.base}${new URL(page.url()).pathname}`), server.output());

    let shadow = await shadowRoot(cdp);
    await waitForTestId(cdp, shadow, "page-overview");
    await clickInShadow(page, cdp, shadow, 'a.nav-link[href="#/tasks"]');
    await waitForTestId(cdp, shadow, "page-tasks");
    const title = `Call the supplier ${Date.now()}`;
    await typeInShadow(page, cdp, shadow, 'input[name="title"]', title);
    await clickInShadow(page, cdp, shadow, 'button[type="submit"]');
    await waitInShadow(cdp, shadow, "the success toast", function (text) {
      return Array.from(this.querySelectorAll('[role="status"]')).some((el) => el.textContent.includes(text));
    }, title);
    await page.screenshot({ path: join(artifacts, "demo-task-added.png") });

    await page.reload();
    shadow = await shadowRoot(cdp);
    const listed = await waitInShadow(cdp, shadow, "the task list", function () {
      return this.querySelector('[data-testid="task-list"]')?.textContent ?? null;
    });
    assert.ok(listed.includes(title), listed);

    // The ERP page reads customers through db.ts and the app's reference.
    await clickInShadow(page, cdp, shadow, 'a.nav-link[href="#/customers"]');
    const customers = await waitInShadow(cdp, shadow, "customers", function () {
      return this.querySelector('[data-testid="page-customers"] table')?.textContent ?? null;
    });
    assert.match(customers, /Acme Trading/);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});
