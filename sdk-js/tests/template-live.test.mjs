// The starter template in jsdom for a signed-in user with a working API: live
// records replace the sample data and the example action runs. (A separate file
// so it gets its own process, window and React root.)

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { installDom, runTemplateApp, teardown, waitFor } from "./helpers/dom.mjs";

const APP_ID = "7f0c1d2e-aaaa-bbbb-cccc-000000000001";

describe("template in jsdom, signed in, API answering", () => {
  let dom;
  const calls = [];
  const realFetch = globalThis.fetch;

  before(async () => {
    dom = installDom({ token: "user-jwt" });
    globalThis.fetch = async (url, init = {}) => {
      calls.push({ url: String(url), method: init.method, headers: init.headers, body: init.body });
      const json = (body) => new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
      if (String(url).endsWith("/data/objects/items/records")) {
        return json([
          { id: "0b5e-1", data: { name: "Order paper", status: "open" }, created_at: "2025-02-01T10:00:00Z" },
          { id: "0b5e-2", data: { name: "Call the supplier", status: "done" }, updated_at: "2025-02-02T10:00:00Z" },
        ]);
      }
      if (String(url).endsWith(`/actions/${APP_ID}/example_action`)) {
        return json({ data: { message: "Hello, appbox!" }, file: null });
      }
      return new Response(JSON.stringify({ detail: "Not Found" }), { status: 404 });
    };
    await runTemplateApp();
  });

  after(async () => {
    globalThis.fetch = realFetch;
    await teardown(dom);
  });

  test("live records replace the sample rows; the request carried the user's token", async () => {
    await waitFor(() => [...document.querySelectorAll("tbody td")].find((td) => td.textContent === "Order paper"), { what: "live row" });
    assert.equal(document.querySelectorAll("tbody tr").length, 2);
    assert.equal(document.querySelector('[data-testid="stat-total"]')?.textContent, "2");
    assert.equal(document.querySelector(".badge--warning"), null, "no sample-data badge");
    const load = calls.find((call) => call.url === "/api/v1/data/objects/items/records");
    assert.ok(load, calls.map((call) => call.url).join("\n"));
    assert.equal(load.headers.Authorization, "Bearer user-jwt");
    assert.match(document.querySelector(".app-header__user")?.textContent ?? "", /Signed in/);
  });

  test("the example action button runs the action and toasts its message", async () => {
    const button = [...document.querySelectorAll("button")].find((b) => /Run example action/.test(b.textContent ?? ""));
    assert.ok(button, "action button");
    button.dispatchEvent(new window.MouseEvent("click", { bubbles: true }));
    await waitFor(() => [...document.querySelectorAll('[role="status"]')].find((el) => el.textContent === "Hello, appbox!"), {
      what: "success toast",
    });
    const call = calls.find((c) => c.url === `/api/v1/actions/${APP_ID}/example_action`);
    assert.ok(call);
    assert.equal(call.method, "POST");
    assert.deepEqual(JSON.parse(call.body), { params: { name: "appbox" } });
  });
});
