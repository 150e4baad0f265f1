// Members of an internal app in the browser (issue 12, spec 001 §17): an
// invited member opens the link from the invitation mail, registers on
// /app-login/{slug} with the e-mail locked, lands in the app and adds a
// Custom Table row through the SDK's api.ts with their own platform login.
//
// Run by scripts/test.sh with the other browser tests; alone: `npm test` here.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
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

const FILES = {
  "src/main.tsx": `import { createRoot } from "react-dom/client";
import App from "./App";
createRoot(document.getElementById("root")!).render(<App />);
`,
  "src/App.tsx": `import React, { useEffect, useState } from "react";
import { listRecords, submitRecord, type CustomRecord } from "./api";

export default function App() {
  const [notes, setNotes] = useState<CustomRecord[]>([]);
  const [text, setText] = useState("");
  useEffect(() => { void listRecords("notes").then(setNotes); }, []);
  const add = async (e: React.FormEvent) => {
    e.preventDefault();
    await submitRecord("notes", { text });
    setText("");
    setNotes(await listRecords("notes"));
  };
  return (
    <main data-testid="page-home">
      <form onSubmit={add}>
        <input name="text" value={text} onChange={(e) => setText(e.target.value)} />
        <button type="submit">Add</button>
      </form>
      <ul data-testid="notes">{notes.map((n) => <li key={n.id}>{n.data.text}</li>)}</ul>
    </main>
  );
}
`,
};

let server;
let browser;
let admin;
let app;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  admin = api(server.base, await login(server.base, ADMIN_EMAIL, ADMIN_PASSWORD));
  app = await publishApp(admin, "Team notes", FILES, {
    access_mode: "internal",
    tables: [{ name: "Notes", api_slug: "notes", fields: [{ name: "Text", field_key: "text", field_type: "text", is_required: true }] }],
  });
  // Only members (and admins) may open it.
  const roles = await admin("PUT", `/builder/apps/${app.id}/allowed-roles`, { role_ids: ["member", "admin"] });
  assert.equal(roles.status, 200, JSON.stringify(roles.body));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The decoded text of the outbox messages (base64 bodies) to `to`. */
function mailsTo(to) {
  const dir = join(server.dataDir, "outbox");
  return readdirSync(dir)
    .map((name) => readFileSync(join(dir, name), "utf8"))
    .filter((raw) => raw.split("\r\n").some((line) => line.startsWith("To:") && line.includes(to)))
    .map((raw) => Buffer.from(raw.split("\r\n\r\n")[1].replace(/\s+/g, ""), "base64").toString("utf8"));
}

test("an invited member registers on /app-login with the e-mail locked, lands in the app and adds a row", async () => {
  const invited = await admin("POST", "/invitations", {
    email: "invitee@browser.test",
    name: "小華",
    role_ids: ["member"],
    redirect_url: `/app-login/${app.slug}`,
  });
  assert.equal(invited.status, 201, JSON.stringify(invited.body));
  const [mail] = mailsTo("invitee@browser.test");
  const link = mail.split(/\s+/).find((word) => word.includes("/app-login/"));
  assert.equal(link, invited.body.chat_invite_link);

  const { page, cdp, problems } = await openPage(browser.context);
  try {
    await page.goto(link);
    assert.equal(await page.textContent("h1"), "註冊 Team notes");
    assert.match(await page.textContent("#invited-by"), /邀請您加入/);
    assert.equal(await page.inputValue("#email"), "invitee@browser.test");
    assert.equal(await page.evaluate(() => document.getElementById("email").readOnly), true);
    // Typing into the locked field changes nothing.
    await page.click("#email");
    await page.keyboard.type("x");
    assert.equal(await page.inputValue("#email"), "invitee@browser.test");
    assert.equal(await page.inputValue("#name"), "小華");
    await page.fill("#password", "member-pass-1");
    await page.screenshot({ path: join(artifacts, "member-register.png") });
    const landed = page.waitForURL(new RegExp(`/runtime/${app.slug}$`));
    await page.click("#submit");
    await landed;

    const shadow = await shadowRoot(cdp);
    await waitForTestId(cdp, shadow, "page-home");
    const requests = [];
    page.on("request", (request) => requests.push(`${request.method()} ${new URL(request.url()).pathname}`));
    const text = `Order more flour ${Date.now()}`;
    await typeInShadow(page, cdp, shadow, 'input[name="text"]', text);
    await clickInShadow(page, cdp, shadow, 'button[type="submit"]');
    await waitInShadow(cdp, shadow, "the new note", function (wanted) {
      return this.querySelector('[data-testid="notes"]')?.textContent.includes(wanted);
    }, text);
    assert.ok(requests.includes("POST /api/v1/data/objects/notes/records"), requests.join("\n"));
    const records = await admin("GET", `/data/objects/notes/records?app_id=${app.id}`);
    assert.ok(records.body.some((r) => r.data.text === text), JSON.stringify(records.body));
    await page.screenshot({ path: join(artifacts, "member-in-app.png") });

    // The account is the invitation's: the member signs in with that e-mail.
    const me = await api(server.base, await login(server.base, "invitee@browser.test", "member-pass-1"))("GET", "/auth/me");
    assert.deepEqual([me.body.email, me.body.name, me.body.roles], ["invitee@browser.test", "小華", ["member"]]);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test("a wrong password stays on the form; a builder off the allow-list is told to ask an admin", async () => {
  server.addUser("builder@browser.test", "builder", "builder-pass-1");
  // Signed out: the member's session of the test above would go straight on.
  await browser.context.clearCookies();
  const { page, problems } = await openPage(browser.context);
  try {
    await page.goto(`${server.base}/app-login/${app.slug}`);
    await page.fill("#email", "builder@browser.test");
    await page.fill("#password", "wrong-password");
    await page.click("#submit");
    await page.waitForFunction(() => document.getElementById("error").textContent === "帳號或密碼錯誤");
    assert.equal(new URL(page.url()).pathname, `/app-login/${app.slug}`);
    await page.fill("#password", "builder-pass-1");
    await page.click("#submit");
    await page.waitForFunction(() => document.querySelector("h1")?.textContent === "無法存取此應用");
    assert.match(await page.textContent("main"), /您的角色不在此應用的允許名單內/);
    assert.match(await page.textContent("main"), /聯繫/);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});
