// An external app's own users in the browser (issue 11, spec 001 §19.6):
// a RegisterPage and LoginPage like the spec's call window.__auth__, the
// session survives a reload, a row goes in through /ext (the SDK's api.ts
// with the app user's token), and signing out ends it. And the anonymous
// visitor of a public app (spec 001 §18): the same SDK reads the public rows
// through pub/ with no token, and a write is refused.
//
// Run by scripts/test.sh with the other browser tests; alone: `npm test` here.

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

/** The app: HashRouter with #/register, #/login and a home page with the tasks. */
const FILES = {
  "src/main.tsx": `import { createRoot } from "react-dom/client";
import App from "./App";
import "./App.css";
createRoot(document.getElementById("root")!).render(<App />);
`,
  "src/App.css": `.error { color: #b00; }\n`,
  "src/App.tsx": `import { HashRouter, Routes, Route } from "react-router-dom";
import { Toaster } from "react-hot-toast";
import LoginPage from "./pages/LoginPage";
import RegisterPage from "./pages/RegisterPage";
import HomePage from "./pages/HomePage";

export default function App() {
  const initialRoute = (window as any).__INITIAL_ROUTE__;
  if (initialRoute && window.location.hash !== initialRoute) window.location.hash = initialRoute;
  return (
    <HashRouter>
      <Toaster />
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route path="/register" element={<RegisterPage />} />
        <Route path="/" element={<HomePage />} />
      </Routes>
    </HashRouter>
  );
}
`,
  // spec 001 §19.6's LoginPage, with names on its fields.
  "src/pages/LoginPage.tsx": `import React, { useState } from "react";
import toast from "react-hot-toast";

export default function LoginPage() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [loading, setLoading] = useState(false);

  const handleLogin = async (e: React.FormEvent) => {
    e.preventDefault();
    setLoading(true);
    try {
      const result = await (window as any).__auth__.login(email, password);
      toast.success(\`歡迎回來,\${result.user.display_name}!\`);
      window.location.hash = "#/";
      window.location.reload();
    } catch (err: any) {
      toast.error(err.message || "登入失敗");
    } finally {
      setLoading(false);
    }
  };

  return (
    <form onSubmit={handleLogin} data-testid="page-login">
      <h1>登入</h1>
      <input type="email" name="email" placeholder="Email" value={email} onChange={(e) => setEmail(e.target.value)} required />
      <input type="password" name="password" placeholder="密碼" value={password} onChange={(e) => setPassword(e.target.value)} required />
      <button type="submit" disabled={loading}>{loading ? "登入中..." : "登入"}</button>
      <p>還沒有帳號?<a href="#/register">立即註冊</a></p>
    </form>
  );
}
`,
  // spec 001 §19.6's RegisterPage.
  "src/pages/RegisterPage.tsx": `import React, { useState } from "react";
import toast from "react-hot-toast";

export default function RegisterPage() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [name, setName] = useState("");
  const [loading, setLoading] = useState(false);

  const handleRegister = async (e: React.FormEvent) => {
    e.preventDefault();
    setLoading(true);
    try {
      await (window as any).__auth__.register(email, password, name);
      toast.success("註冊成功!");
      window.location.hash = "#/";
      window.location.reload();
    } catch (err: any) {
      toast.error(err.message || "註冊失敗");
    } finally {
      setLoading(false);
    }
  };

  return (
    <form onSubmit={handleRegister} data-testid="page-register">
      <h1>註冊</h1>
      <input type="text" name="name" placeholder="顯示名稱" value={name} onChange={(e) => setName(e.target.value)} required />
      <input type="email" name="email" placeholder="Email" value={email} onChange={(e) => setEmail(e.target.value)} required />
      <input type="password" name="password" placeholder="密碼(至少 6 位)" value={password} onChange={(e) => setPassword(e.target.value)} required minLength={6} />
      <button type="submit" disabled={loading}>{loading ? "註冊中..." : "建立帳號"}</button>
      <p>已有帳號?<a href="#/login">前往登入</a></p>
    </form>
  );
}
`,
  "src/pages/HomePage.tsx": `import React, { useEffect, useState } from "react";
import { listRecords, submitRecord, type CustomRecord } from "../api";

export default function HomePage() {
  const auth = (window as any).__auth__;
  const [signedIn, setSignedIn] = useState<boolean>(auth.isAuthenticated());
  const [me, setMe] = useState<string>("");
  const [tasks, setTasks] = useState<CustomRecord[]>([]);
  const [title, setTitle] = useState("");

  useEffect(() => auth.onAuthChange((value: boolean) => setSignedIn(value)), []);
  useEffect(() => {
    if (!signedIn) return;
    void (async () => {
      const token = await auth.getToken();
      const res = await fetch(\`/api/v1/custom-app-auth/\${(window as any).__APP_SLUG__}/me\`, { headers: { Authorization: \`Bearer \${token}\` } });
      if (res.ok) setMe((await res.json()).display_name);
      setTasks(await listRecords("tasks"));
    })();
  }, [signedIn]);

  if (!signedIn) {
    return (
      <main data-testid="page-signed-out">
        <p>請先登入</p>
        <a href="#/login">登入</a>
      </main>
    );
  }
  const add = async (e: React.FormEvent) => {
    e.preventDefault();
    await submitRecord("tasks", { title });
    setTitle("");
    setTasks(await listRecords("tasks"));
  };
  return (
    <main data-testid="page-home">
      <p data-testid="who">{me ? \`Signed in as \${me}\` : ""}</p>
      <form onSubmit={add}>
        <input name="title" value={title} onChange={(e) => setTitle(e.target.value)} />
        <button type="submit">Add</button>
      </form>
      <ul data-testid="tasks">{tasks.map((t) => <li key={t.id}>{t.data.title}</li>)}</ul>
      <button data-testid="sign-out" onClick={async () => { await auth.logout(); window.location.hash = "#/"; }}>Sign out</button>
    </main>
  );
}
`,
};

/** A public venue list: the SDK's listRecords and submitRecord, no sign-in anywhere. */
const PUBLIC_FILES = {
  "src/main.tsx": `import { createRoot } from "react-dom/client";
import React, { useEffect, useState } from "react";
import { listRecords, submitRecord, type CustomRecord } from "./api";

function Venues() {
  const [venues, setVenues] = useState<CustomRecord[] | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    listRecords("venues").then(setVenues, (e) => setError(String(e.message)));
  }, []);
  const add = async () => {
    try {
      await submitRecord("venues", { name: "Gatecrasher hall" });
      setError("written");
    } catch (e: any) {
      setError(\`\${e.status}: \${e.message}\`);
    }
  };
  return (
    <main data-testid="page-venues">
      <ul data-testid="venues">{venues?.map((v) => <li key={v.id}>{v.data.name}</li>)}</ul>
      <button data-testid="add" onClick={add}>Add a venue</button>
      <p data-testid="error">{error}</p>
    </main>
  );
}
createRoot(document.getElementById("root")!).render(<Venues />);
`,
};

let server;
let browser;
let admin;
let app;
let publicApp;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  admin = api(server.base, await login(server.base, ADMIN_EMAIL, ADMIN_PASSWORD));
  app = await publishApp(admin, "Members club", FILES, {
    access_mode: "external",
    tables: [{ name: "Tasks", api_slug: "tasks", fields: [{ name: "Title", field_key: "title", field_type: "text", is_required: true }] }],
  });
  const name = [{ name: "Name", field_key: "name", field_type: "text" }];
  publicApp = await publishApp(admin, "Venues", PUBLIC_FILES, {
    access_mode: "external",
    changes: { allow_anonymous_access: true },
    tables: [
      { name: "Venues", api_slug: "venues", is_public_readable: true, fields: name },
      { name: "Notes", api_slug: "notes", is_public_readable: false, fields: name },
    ],
  });
  for (const [table, row] of [["venues", "Riverside hall"], ["venues", "Old mill"], ["notes", "staff only"]]) {
    const made = await admin("POST", `/data/objects/${table}/records?app_id=${publicApp.id}`, { data: { name: row } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
  }
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The app's localStorage entries of the Auth SDK (spec 001 §19.7). */
function storedTokens(page) {
  return page.evaluate(() => ({
    access: localStorage.getItem("__custom_app_access_token__"),
    refresh: localStorage.getItem("__custom_app_refresh_token__"),
    appToken: window.__APP_TOKEN__,
    authenticated: window.__IS_AUTHENTICATED__,
  }));
}

test("an external app's user signs up, stays signed in across a reload, adds a row through /ext, signs out", async () => {
  const { page, cdp, problems } = await openPage(browser.context);
  try {
    await page.goto(`${server.base}/externalAppRuntime/${app.slug}#/register`);
    let shadow = await shadowRoot(cdp);
    await waitForTestId(cdp, shadow, "page-register");
    assert.equal(await page.evaluate(() => typeof window.__auth__?.login), "function");
    assert.equal(await page.evaluate(() => typeof window.__triggerLogin__), "function");
    await typeInShadow(page, cdp, shadow, 'input[name="name"]', "王小明");
    await typeInShadow(page, cdp, shadow, 'input[name="email"]', "Ming@Example.com");
    await typeInShadow(page, cdp, shadow, 'input[name="password"]', "secret-1");
    let reloaded = page.waitForEvent("load");
    await clickInShadow(page, cdp, shadow, 'button[type="submit"]');

    // The page reloads signed in: the tokens are kept, the globals follow them.
    await reloaded;
    shadow = await shadowRoot(cdp);
    const who = await waitInShadow(cdp, shadow, "the signed-in name", function () {
      const text = this.querySelector('[data-testid="who"]')?.textContent;
      return text ? text : null;
    });
    assert.equal(who, "Signed in as 王小明");
    const tokens = await storedTokens(page);
    assert.match(tokens.refresh, /^[0-9a-f]{64}$/);
    assert.equal(tokens.appToken, tokens.access);
    const payload = JSON.parse(Buffer.from(tokens.access.split(".")[1], "base64url").toString());
    assert.equal(payload.auth_type, "custom_app_user");
    assert.equal(payload.custom_app_id, app.id);

    // An expired access token is refreshed when the page loads (rotation:
    // a new refresh token too), and the app sees the new one.
    const fake = `x.${Buffer.from(JSON.stringify({ exp: 1 })).toString("base64url")}.y`;
    await page.evaluate((t) => localStorage.setItem("__custom_app_access_token__", t), fake);
    await page.reload();
    await page.waitForFunction((old) => localStorage.getItem("__custom_app_refresh_token__") !== old, tokens.refresh);
    const refreshed = await storedTokens(page);
    assert.notEqual(refreshed.access, fake);
    assert.equal(refreshed.appToken, refreshed.access);
    assert.equal(await page.evaluate(() => window.__auth__.getToken()), refreshed.access);

    // A reload keeps the session.
    await page.reload();
    shadow = await shadowRoot(cdp);
    await waitInShadow(cdp, shadow, "the home page after a reload", function () {
      return this.querySelector('[data-testid="who"]')?.textContent === "Signed in as 王小明";
    });

    // A row through the SDK, which sends the app user's token to /ext/data.
    const requests = [];
    page.on("request", (request) => requests.push(`${request.method()} ${new URL(request.url()).pathname}`));
    const title = `Book the hall ${Date.now()}`;
    await typeInShadow(page, cdp, shadow, 'input[name="title"]', title);
    await clickInShadow(page, cdp, shadow, 'button[type="submit"]');
    await waitInShadow(cdp, shadow, "the new task", function (text) {
      return this.querySelector('[data-testid="tasks"]')?.textContent.includes(text);
    }, title);
    assert.ok(requests.includes("POST /api/v1/ext/data/objects/tasks/records"), requests.join("\n"));
    const records = await admin("GET", `/data/objects/tasks/records?app_id=${app.id}`);
    assert.ok(records.body.some((r) => r.data.title === title), JSON.stringify(records.body));
    await page.screenshot({ path: join(artifacts, "app-user-signed-in.png") });

    // Sign out: tokens gone, the refresh token revoked, still out after a reload.
    const refreshToken = (await storedTokens(page)).refresh;
    await clickInShadow(page, cdp, shadow, '[data-testid="sign-out"]');
    await waitForTestId(cdp, shadow, "page-signed-out");
    const after = await storedTokens(page);
    assert.deepEqual(after, { access: null, refresh: null, appToken: "", authenticated: false });
    const reuse = await api(server.base)("POST", `/custom-app-auth/${app.slug}/refresh`, { refresh_token: refreshToken });
    assert.equal(reuse.status, 401, "the session is over on the server too");
    await page.reload();
    shadow = await shadowRoot(cdp);
    await waitForTestId(cdp, shadow, "page-signed-out");

    // Signing in again through the spec's LoginPage.
    await page.goto(`${server.base}/externalAppRuntime/${app.slug}#/login`);
    shadow = await shadowRoot(cdp);
    await typeInShadow(page, cdp, shadow, 'input[name="email"]', "ming@example.com");
    await typeInShadow(page, cdp, shadow, 'input[name="password"]', "secret-1");
    reloaded = page.waitForEvent("load");
    await clickInShadow(page, cdp, shadow, 'button[type="submit"]');
    await reloaded;
    shadow = await shadowRoot(cdp);
    const listed = await waitInShadow(cdp, shadow, "the tasks after signing in again", function () {
      return this.querySelector('[data-testid="tasks"]')?.textContent || null;
    });
    assert.ok(listed.includes(title), listed);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test("an OAuth round trip's oauth_token signs the visitor in and leaves the URL", async () => {
  const { page, cdp, problems } = await openPage(browser.context);
  try {
    const call = api(server.base);
    const registered = await call("POST", `/custom-app-auth/${app.slug}/register`, {
      email: "oauth@example.com",
      password: "secret-1",
      display_name: "歐斯",
    });
    assert.equal(registered.status, 201);
    // As the callback encodes it: base64 URL-safe of ASCII JSON.
    const ascii = JSON.stringify(registered.body).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
    const encoded = Buffer.from(ascii).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
    await page.goto(`${server.base}/externalAppRuntime/${app.slug}?oauth_token=${encodeURIComponent(encoded)}&route=${encodeURIComponent("#/")}`);
    const shadow = await shadowRoot(cdp);
    const who = await waitInShadow(cdp, shadow, "the signed-in name", function () {
      return this.querySelector('[data-testid="who"]')?.textContent || null;
    });
    assert.equal(who, "Signed in as 歐斯");
    assert.ok(!page.url().includes("oauth_token"), page.url());
    const tokens = await storedTokens(page);
    assert.equal(tokens.refresh, registered.body.refresh_token);
    await page.evaluate(() => window.__auth__.logout());
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test("__triggerLogin__ opens the unified sign-in page, which comes back signed in at the return path", async () => {
  const { page, cdp, problems } = await openPage(browser.context);
  try {
    await page.goto(`${server.base}/externalAppRuntime/${app.slug}#/`);
    let shadow = await shadowRoot(cdp);
    await waitForTestId(cdp, shadow, "page-signed-out");
    const navigated = page.waitForURL(/\/externalAppLogin\//);
    await page.evaluate(() => window.__triggerLogin__("#/"));
    await navigated;
    assert.match(new URL(page.url()).search, /return_path=%23%2F/);
    await page.fill("#email", "ming@example.com");
    await page.fill("#password", "wrong-password");
    await page.click("#submit");
    await page.waitForFunction(() => document.getElementById("error").textContent === "帳號或密碼錯誤");
    await page.fill("#password", "secret-1");
    const back = page.waitForURL(/\/externalAppRuntime\//);
    await page.click("#submit");
    await back;
    assert.equal(new URL(page.url()).searchParams.get("route"), "#/");
    assert.equal(await page.evaluate(() => window.__INITIAL_ROUTE__), "#/");
    shadow = await shadowRoot(cdp);
    const who = await waitInShadow(cdp, shadow, "the signed-in name", function () {
      return this.querySelector('[data-testid="who"]')?.textContent || null;
    });
    assert.equal(who, "Signed in as 王小明");
    await page.evaluate(() => window.__auth__.logout());
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test("an anonymous visitor of a public app sees the public rows through pub/ and is refused a write", async () => {
  const { page, cdp, problems } = await openPage(browser.context);
  try {
    const requests = [];
    page.on("request", (request) => {
      if (new URL(request.url()).pathname.startsWith("/api/")) {
        requests.push(`${request.method()} ${new URL(request.url()).pathname} ${request.headers().authorization ?? "-"}`);
      }
    });
    await page.goto(`${server.base}/externalAppRuntime/${publicApp.slug}`);
    const shadow = await shadowRoot(cdp);
    const listed = await waitInShadow(cdp, shadow, "the public venues", function () {
      const items = [...this.querySelectorAll('[data-testid="venues"] li')].map((li) => li.textContent);
      return items.length ? items.sort() : null;
    });
    assert.deepEqual(listed, ["Old mill", "Riverside hall"]);
    assert.ok(
      requests.includes(`GET /api/v1/pub/data/${publicApp.slug}/objects/venues/records -`),
      `read through pub/ with no token:\n${requests.join("\n")}`,
    );

    await clickInShadow(page, cdp, shadow, '[data-testid="add"]');
    const error = await waitInShadow(cdp, shadow, "the refused write", function () {
      return this.querySelector('[data-testid="error"]')?.textContent || null;
    });
    assert.match(error, /^401: /, error);
    // Straight at pub/, a write is not a route at all; the private table is refused.
    const direct = await page.evaluate(async (slug) => {
      const write = await fetch(`/api/v1/pub/data/${slug}/objects/venues/records`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ data: { name: "Gatecrasher hall" } }),
      });
      const secret = await fetch(`/api/v1/pub/data/${slug}/objects/notes/records`);
      return [write.status, secret.status];
    }, publicApp.slug);
    assert.deepEqual(direct, [405, 403]);
    const stored = await admin("GET", `/data/objects/venues/records?app_id=${publicApp.id}`);
    assert.deepEqual(stored.body.map((r) => r.data.name).sort(), ["Old mill", "Riverside hall"], "nothing was written");
    await page.screenshot({ path: join(artifacts, "public-visitor.png") });
    assert.deepEqual(problems.filter((p) => !/status of 40[135]/.test(p)), [], problems.join("\n"));
  } finally {
    await page.close();
  }
});
