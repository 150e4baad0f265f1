// The host-owned SDK (src/api.ts, src/db.ts, src/action.ts), bundled in memory
// exactly as an app's VFS holds it, and exercised against a stubbed fetch and
// stubbed runtime globals (window.__API_BASE__, __APP_TOKEN__, __APP_ID__,
// __APP_SLUG__).

import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { bundle, importSource, sdkVfs } from "./helpers/vfs.mjs";

const BASE = "https://host.test/api/v1";
const APP_ID = "7f0c1d2e-aaaa-bbbb-cccc-000000000001";
const SLUG = "a1b2c3d4e5f6";
const TOKEN = "eyJ.token.sig";

let sdk; // { api, db, action }
let calls; // [{ url, method, headers, body, credentials }]
let queue; // answers for the next fetch calls: Response | Error
let timers;
const realFetch = globalThis.fetch;
const realWindow = globalThis.window;
const realDocument = globalThis.document;

function json(status, body) {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

/** Queue the answers fetch will give, in order. */
function answer(...responses) {
  queue.push(...responses);
}

function runtime({ token = TOKEN, base = BASE, appId = APP_ID, slug = SLUG } = {}) {
  globalThis.window = {
    __API_BASE__: base,
    __APP_TOKEN__: token,
    __APP_ID__: appId,
    __APP_SLUG__: slug,
    setTimeout: (fn, ms) => timers.push({ fn, ms }),
  };
}

function only() {
  assert.equal(calls.length, 1, `expected one fetch call, got ${calls.length}`);
  return calls[0];
}

before(async () => {
  const files = {
    ...sdkVfs(),
    "entry.ts": 'export * as api from "./src/api";\nexport * as db from "./src/db";\nexport * as action from "./src/action";\n',
  };
  // No externals at all: the SDK may import nothing but its own files.
  const { js } = await bundle(files, "entry.ts", { externals: [] });
  sdk = await importSource(js);
});

beforeEach(() => {
  calls = [];
  queue = [];
  timers = [];
  runtime();
  globalThis.fetch = async (url, init = {}) => {
    calls.push({
      url: String(url),
      method: init.method,
      headers: { ...(init.headers || {}) },
      body: init.body === undefined ? undefined : JSON.parse(init.body),
      credentials: init.credentials,
    });
    const next = queue.shift();
    if (next instanceof Error) throw next;
    return next ?? json(200, null);
  };
});

afterEach(() => {
  globalThis.fetch = realFetch;
  globalThis.window = realWindow;
  globalThis.document = realDocument;
});

after(() => {
  globalThis.fetch = realFetch;
});

describe("SDK surface", () => {
  test("exports what custom-app guide §7 documents, plus the SDK-internal helpers in api.ts", () => {
    for (const name of ["listRecords", "getRecord", "submitRecord", "updateRecord", "deleteRecord", "request", "runtimeConfig"]) {
      assert.equal(typeof sdk.api[name], "function", `api.${name}`);
    }
    for (const name of ["query", "queryAdvanced", "insert", "update", "remove"]) {
      assert.equal(typeof sdk.db[name], "function", `db.${name}`);
    }
    for (const name of ["runAction", "downloadFile"]) {
      assert.equal(typeof sdk.action[name], "function", `action.${name}`);
    }
  });

  test("db.ts and action.ts share api.ts's request helper instead of carrying copies", () => {
    const files = sdkVfs();
    for (const name of ["src/db.ts", "src/action.ts"]) {
      assert.match(files[name], /from "\.\/api"/, `${name} imports ./api`);
      assert.doesNotMatch(files[name], /\bfetch\(/, `${name} calls fetch itself`);
      assert.doesNotMatch(files[name], /__APP_TOKEN__|__API_BASE__/, `${name} reads the globals itself`);
    }
    assert.equal((files["src/api.ts"].match(/\bfetch\(/g) || []).length, 1, "api.ts has exactly one fetch call");
  });

  test("data.json and db.json start as empty arrays", () => {
    const files = sdkVfs();
    assert.deepEqual(JSON.parse(files["src/data.json"]), []);
    assert.deepEqual(JSON.parse(files["src/db.json"]), []);
  });

  test("each SDK file bundles alone from an app's src/ with no package and no dynamic import", async () => {
    const files = sdkVfs();
    for (const name of ["api.ts", "db.ts", "action.ts"]) {
      await bundle(files, `src/${name}`, { externals: [] });
    }
  });
});

describe("runtimeConfig", () => {
  test("reads the globals, strips trailing slashes from the base", () => {
    runtime({ base: "https://host.test/api/v1//" });
    assert.deepEqual(sdk.api.runtimeConfig(), { base: "https://host.test/api/v1", token: TOKEN, appId: APP_ID, slug: SLUG });
  });

  test("defaults: base /api/v1, anonymous, even without a window", () => {
    globalThis.window = undefined;
    assert.deepEqual(sdk.api.runtimeConfig(), { base: "/api/v1", token: "", appId: "", slug: "" });
  });
});

describe("api.ts (Custom Data)", () => {
  test("listRecords with a token: GET /data/objects/{slug}/records with Bearer and cookies", async () => {
    const rows = [{ id: "r1", data: { name: "A" } }];
    answer(json(200, rows));
    assert.deepEqual(await sdk.api.listRecords("tasks"), rows);
    const call = only();
    assert.equal(call.method, "GET");
    assert.equal(call.url, `${BASE}/data/objects/tasks/records`);
    assert.equal(call.headers.Authorization, `Bearer ${TOKEN}`);
    assert.equal(call.headers["X-App-Id"], APP_ID, "signed-in calls name their app (the server picks its table by it)");
    assert.equal(call.headers.Accept, "application/json");
    assert.equal(call.headers["Content-Type"], undefined, "no body, no Content-Type");
    assert.equal(call.credentials, "include");
    assert.equal(call.body, undefined);
  });

  test("listRecords anonymous: the public list by app slug, limit 100, no Authorization", async () => {
    runtime({ token: "" });
    answer(json(200, []));
    assert.deepEqual(await sdk.api.listRecords("venues"), []);
    const call = only();
    assert.equal(call.method, "GET");
    assert.equal(call.url, `${BASE}/pub/data/${SLUG}/objects/venues/records?limit=100`);
    assert.equal("Authorization" in call.headers, false);
    assert.equal("X-App-Id" in call.headers, false);
  });

  test("path segments are URL-encoded and the default base is /api/v1", async () => {
    runtime({ base: "" });
    answer(json(200, {}));
    await sdk.api.getRecord("my table", "a/b?c");
    assert.equal(only().url, "/api/v1/data/objects/my%20table/records/a%2Fb%3Fc");
  });

  test("the token is read on every call (a login switches from pub/ to the authenticated API)", async () => {
    runtime({ token: "" });
    answer(json(200, []), json(200, []));
    await sdk.api.listRecords("t");
    window.__APP_TOKEN__ = "fresh";
    await sdk.api.listRecords("t");
    assert.equal(calls[0].url, `${BASE}/pub/data/${SLUG}/objects/t/records?limit=100`);
    assert.equal(calls[1].url, `${BASE}/data/objects/t/records`);
    assert.equal(calls[1].headers.Authorization, "Bearer fresh");
  });

  test("getRecord with a token: GET /data/objects/{slug}/records/{id}", async () => {
    answer(json(200, { id: "r9", data: {} }));
    assert.deepEqual(await sdk.api.getRecord("tasks", "r9"), { id: "r9", data: {} });
    const call = only();
    assert.equal(call.method, "GET");
    assert.equal(call.url, `${BASE}/data/objects/tasks/records/r9`);
    assert.equal(call.headers.Authorization, `Bearer ${TOKEN}`);
  });

  test("getRecord anonymous: looked up in the public list; 404 error when absent", async () => {
    runtime({ token: "" });
    const rows = [{ id: "r1", data: { n: 1 } }, { id: "r2", data: { n: 2 } }];
    answer(json(200, rows), json(200, rows));
    assert.deepEqual(await sdk.api.getRecord("venues", "r2"), rows[1]);
    assert.equal(calls[0].url, `${BASE}/pub/data/${SLUG}/objects/venues/records?limit=100`);
    await assert.rejects(sdk.api.getRecord("venues", "nope"), (err) => {
      assert.ok(err instanceof Error);
      assert.equal(err.status, 404);
      assert.equal(err.body, null);
      return true;
    });
  });

  test('submitRecord: POST the fields wrapped as {"data": ...}', async () => {
    answer(json(201, { id: "new", data: { name: "A" } }));
    const created = await sdk.api.submitRecord("tasks", { name: "A", qty: 2 });
    assert.equal(created.id, "new");
    const call = only();
    assert.equal(call.method, "POST");
    assert.equal(call.url, `${BASE}/data/objects/tasks/records`);
    assert.equal(call.headers["Content-Type"], "application/json");
    assert.equal(call.headers.Authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(call.body, { data: { name: "A", qty: 2 } });
  });

  test("updateRecord: PATCH /data/records/{id} with {data}", async () => {
    answer(json(200, { id: "r1" }));
    await sdk.api.updateRecord("tasks", "r1", { status: "done" });
    const call = only();
    assert.equal(call.method, "PATCH");
    assert.equal(call.url, `${BASE}/data/records/r1`);
    assert.deepEqual(call.body, { data: { status: "done" } });
  });

  test("deleteRecord: DELETE /data/records/{id}, no body", async () => {
    answer(json(200, { message: "deleted", id: "r1" }));
    assert.deepEqual(await sdk.api.deleteRecord("tasks", "r1"), { message: "deleted", id: "r1" });
    const call = only();
    assert.equal(call.method, "DELETE");
    assert.equal(call.url, `${BASE}/data/records/r1`);
    assert.equal(call.body, undefined);
    assert.equal(call.headers["Content-Type"], undefined);
  });

  test("an empty 204 answer resolves to null", async () => {
    answer(new Response(null, { status: 204 }));
    assert.equal(await sdk.api.deleteRecord("tasks", "r1"), null);
  });

  test("4xx: Error with .status, the parsed .body and the server's detail as message", async () => {
    answer(json(403, { detail: "Table is not public" }));
    await assert.rejects(sdk.api.listRecords("secret"), (err) => {
      assert.ok(err instanceof Error);
      assert.equal(err.status, 403);
      assert.deepEqual(err.body, { detail: "Table is not public" });
      assert.equal(err.message, "Table is not public");
      return true;
    });
  });

  test("FastAPI validation errors: the messages are joined", async () => {
    answer(json(422, { detail: [{ loc: ["body", "data"], msg: "field required" }, { msg: "bad value" }] }));
    await assert.rejects(sdk.api.submitRecord("t", {}), (err) => err.status === 422 && err.message === "field required; bad value");
  });

  test("a non-JSON error answer: .body is the text", async () => {
    answer(new Response("upstream exploded", { status: 502 }));
    await assert.rejects(sdk.api.listRecords("t"), (err) => {
      assert.equal(err.status, 502);
      assert.equal(err.body, "upstream exploded");
      return true;
    });
  });

  test("an error answer with no body still names method, URL and status", async () => {
    answer(new Response(null, { status: 500 }));
    await assert.rejects(sdk.api.listRecords("t"), (err) => {
      assert.equal(err.status, 500);
      assert.equal(err.body, null);
      assert.match(err.message, /GET .*\/data\/objects\/t\/records failed with status 500/);
      return true;
    });
  });

  test("network failure: Error with status 0 and body null", async () => {
    answer(new TypeError("Failed to fetch"));
    await assert.rejects(sdk.api.listRecords("t"), (err) => {
      assert.ok(err instanceof Error);
      assert.equal(err.status, 0);
      assert.equal(err.body, null);
      assert.match(err.message, /network error \(Failed to fetch\)/);
      return true;
    });
  });
});

describe("db.ts (DB Proxy)", () => {
  test("query with limit/offset: GET /proxy/{app_id}/{table}?limit&offset with Bearer", async () => {
    const rows = [{ id: 1 }];
    answer(json(200, rows));
    assert.deepEqual(await sdk.db.query("customers", { limit: 50, offset: 10 }), rows);
    const call = only();
    assert.equal(call.method, "GET");
    assert.equal(call.url, `${BASE}/proxy/${APP_ID}/customers?limit=50&offset=10`);
    assert.equal(call.headers.Authorization, `Bearer ${TOKEN}`);
    assert.equal(call.credentials, "include");
  });

  test("query without options: no query string", async () => {
    answer(json(200, []));
    await sdk.db.query("customers");
    assert.equal(only().url, `${BASE}/proxy/${APP_ID}/customers`);
  });

  test("query anonymous: GET /pub/proxy/{slug}/{table}, no Authorization", async () => {
    runtime({ token: "" });
    answer(json(200, []));
    await sdk.db.query("products", { limit: 20 });
    const call = only();
    assert.equal(call.url, `${BASE}/pub/proxy/${SLUG}/products?limit=20`);
    assert.equal("Authorization" in call.headers, false);
  });

  test("query with other options becomes POST …/query and resolves to the rows", async () => {
    answer(json(200, { data: [{ id: 1 }, { id: 2 }], limit: 10, offset: 0 }));
    const filters = [{ column: "status", op: "eq", value: "active" }];
    assert.deepEqual(await sdk.db.query("customers", { filters, limit: 10 }), [{ id: 1 }, { id: 2 }]);
    const call = only();
    assert.equal(call.method, "POST");
    assert.equal(call.url, `${BASE}/proxy/${APP_ID}/customers/query`);
    assert.deepEqual(call.body, { filters, limit: 10 });
  });

  test("queryAdvanced: POST …/query with the known options only, answer as is", async () => {
    const envelope = { data: [{ id: 3 }], limit: 5, offset: 5 };
    answer(json(200, envelope));
    const opts = {
      filters: [{ column: "total", op: "gte", value: 100 }],
      order_by: [{ column: "name", direction: "asc" }],
      search: "acme",
      search_columns: ["name"],
      select_columns: ["id", "name"],
      limit: 5,
      offset: 5,
      count_only: false,
      bogus: "dropped",
    };
    assert.deepEqual(await sdk.db.queryAdvanced("customers", opts), envelope);
    const call = only();
    assert.equal(call.method, "POST");
    assert.equal(call.url, `${BASE}/proxy/${APP_ID}/customers/query`);
    assert.equal(call.headers["Content-Type"], "application/json");
    const { bogus, ...expected } = opts;
    void bogus;
    assert.deepEqual(call.body, expected);
  });

  test("queryAdvanced anonymous: POST /pub/proxy/{slug}/{table}/query; count_only answer as is", async () => {
    runtime({ token: "" });
    answer(json(200, { total: 42 }));
    assert.deepEqual(await sdk.db.queryAdvanced("products", { count_only: true }), { total: 42 });
    const call = only();
    assert.equal(call.url, `${BASE}/pub/proxy/${SLUG}/products/query`);
    assert.equal("Authorization" in call.headers, false);
    assert.deepEqual(call.body, { count_only: true });
  });

  test("insert: a bare field object is wrapped as {data}", async () => {
    answer(json(201, { id: 7 }));
    assert.deepEqual(await sdk.db.insert("sale_orders", { amount_total: 5000 }), { id: 7 });
    const call = only();
    assert.equal(call.method, "POST");
    assert.equal(call.url, `${BASE}/proxy/${APP_ID}/sale_orders`);
    assert.equal(call.headers.Authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(call.body, { data: { amount_total: 5000 } });
  });

  test("insert: an already wrapped payload is sent as it is", async () => {
    answer(json(201, { id: 8, approval_status: "pending" }));
    const result = await sdk.db.insert("sale_orders", { data: { amount_total: 1 } });
    assert.equal(result.approval_status, "pending");
    assert.deepEqual(only().body, { data: { amount_total: 1 } });
  });

  test("insert: {data, other keys} is a field object, so it is wrapped", async () => {
    answer(json(201, {}));
    await sdk.db.insert("notes", { data: { x: 1 }, title: "t" });
    assert.deepEqual(only().body, { data: { data: { x: 1 }, title: "t" } });
  });

  test("update: PATCH /proxy/{app_id}/{table}/{id}, bare fields wrapped", async () => {
    answer(json(200, { id: 5 }));
    await sdk.db.update("sale_orders", 5, { state: "sent" });
    const call = only();
    assert.equal(call.method, "PATCH");
    assert.equal(call.url, `${BASE}/proxy/${APP_ID}/sale_orders/5`);
    assert.deepEqual(call.body, { data: { state: "sent" } });
  });

  test("update: an already wrapped payload is sent as it is", async () => {
    answer(json(200, {}));
    await sdk.db.update("sale_orders", "so-1", { data: { state: "sent" } });
    assert.deepEqual(only().body, { data: { state: "sent" } });
  });

  test("remove: DELETE /proxy/{app_id}/{table}/{id}, no body", async () => {
    answer(json(200, { ok: true }));
    await sdk.db.remove("sale_orders", "so/1");
    const call = only();
    assert.equal(call.method, "DELETE");
    assert.equal(call.url, `${BASE}/proxy/${APP_ID}/sale_orders/so%2F1`);
    assert.equal(call.body, undefined);
  });

  test("anonymous writes go to the authenticated proxy without a token, and the refusal surfaces", async () => {
    runtime({ token: "" });
    answer(json(401, { detail: "Not authenticated" }));
    await assert.rejects(sdk.db.insert("customers", { name: "x" }), (err) => {
      assert.equal(err.status, 401);
      assert.deepEqual(err.body, { detail: "Not authenticated" });
      return true;
    });
    const call = only();
    assert.equal(call.url, `${BASE}/proxy/${APP_ID}/customers`);
    assert.equal("Authorization" in call.headers, false);
  });

  test("errors carry .status and .body (4xx and network failure)", async () => {
    answer(json(400, { detail: "無有效欄位資料" }), new TypeError("offline"));
    await assert.rejects(sdk.db.update("t", 1, {}), (err) => err instanceof Error && err.status === 400 && err.body.detail === "無有效欄位資料");
    await assert.rejects(sdk.db.query("t"), (err) => err instanceof Error && err.status === 0 && err.body === null);
  });
});

describe("action.ts (Server Actions)", () => {
  test("runAction with a token: POST {params} to /actions/{app_id}/{name}, unwraps {data, file}", async () => {
    const file = { filename: "orders.csv", content_type: "text/csv", content_base64: "YSxiCg==" };
    answer(json(200, { data: { rows: 3 }, file }));
    const result = await sdk.action.runAction("export_orders", { month: "2025-01" });
    assert.deepEqual(result, { data: { rows: 3 }, file });
    const call = only();
    assert.equal(call.method, "POST");
    assert.equal(call.url, `${BASE}/actions/${APP_ID}/export_orders`);
    assert.equal(call.headers.Authorization, `Bearer ${TOKEN}`);
    assert.equal(call.headers["Content-Type"], "application/json");
    assert.equal(call.credentials, "include");
    assert.deepEqual(call.body, { params: { month: "2025-01" } });
  });

  test("runAction anonymous: /pub/actions/{slug}/{name}, no Authorization; params default to {}", async () => {
    runtime({ token: "" });
    answer(json(200, { data: "ok", file: null }));
    assert.deepEqual(await sdk.action.runAction("ping"), { data: "ok", file: null });
    const call = only();
    assert.equal(call.url, `${BASE}/pub/actions/${SLUG}/ping`);
    assert.equal("Authorization" in call.headers, false);
    assert.deepEqual(call.body, { params: {} });
  });

  test("runAction: an answer without a data key is the data; missing file is null", async () => {
    answer(json(200, { result: [1, 2] }), json(200, [1, 2]), json(200, { data: null }));
    assert.deepEqual(await sdk.action.runAction("a"), { data: { result: [1, 2] }, file: null });
    assert.deepEqual(await sdk.action.runAction("b"), { data: [1, 2], file: null });
    assert.deepEqual(await sdk.action.runAction("c"), { data: null, file: null });
  });

  test("runAction errors carry .status and .body (5xx and network failure)", async () => {
    answer(json(504, { detail: "Action timed out after 30 s" }), new TypeError("Failed to fetch"));
    await assert.rejects(sdk.action.runAction("slow"), (err) => {
      assert.ok(err instanceof Error);
      assert.equal(err.status, 504);
      assert.deepEqual(err.body, { detail: "Action timed out after 30 s" });
      assert.equal(err.message, "Action timed out after 30 s");
      return true;
    });
    await assert.rejects(sdk.action.runAction("slow"), (err) => err.status === 0 && err.body === null);
  });

  /** A minimal document: records the links created, appended, clicked and removed. */
  function fakeDocument() {
    const events = [];
    const links = [];
    const body = { appendChild: (el) => (events.push("append"), el) };
    const doc = {
      body,
      createElement(tag) {
        assert.equal(tag, "a");
        const link = { click: () => events.push("click"), remove: () => events.push("remove") };
        links.push(link);
        return link;
      },
    };
    return { doc, events, links };
  }

  test("downloadFile: base64 content → Blob object URL, clicked, removed, revoked later", async () => {
    const { doc, events, links } = fakeDocument();
    globalThis.document = doc;
    const blobs = [];
    const revoked = [];
    const realCreate = URL.createObjectURL;
    const realRevoke = URL.revokeObjectURL;
    URL.createObjectURL = (blob) => (blobs.push(blob), "blob:test/1");
    URL.revokeObjectURL = (url) => revoked.push(url);
    try {
      sdk.action.downloadFile({ filename: "r.csv", content_type: "text/csv", content_base64: Buffer.from("a,b\n1,2\n").toString("base64") });
      assert.deepEqual(events, ["append", "click", "remove"]);
      assert.equal(links[0].download, "r.csv");
      assert.equal(links[0].href, "blob:test/1");
      assert.equal(blobs[0].type, "text/csv");
      assert.equal(await blobs[0].text(), "a,b\n1,2\n");
      assert.deepEqual(revoked, [], "not revoked during the click");
      assert.equal(timers.length, 1);
      timers[0].fn();
      assert.deepEqual(revoked, ["blob:test/1"]);
    } finally {
      URL.createObjectURL = realCreate;
      URL.revokeObjectURL = realRevoke;
    }
  });

  test("downloadFile: a URL file is linked directly; null is a no-op", () => {
    const { doc, events, links } = fakeDocument();
    globalThis.document = doc;
    sdk.action.downloadFile({ url: "https://files.test/x.pdf" });
    assert.equal(links[0].href, "https://files.test/x.pdf");
    assert.equal(links[0].download, "download");
    assert.deepEqual(events, ["append", "click", "remove"]);
    assert.equal(timers.length, 0);
    sdk.action.downloadFile(null);
    sdk.action.downloadFile(undefined);
    assert.equal(links.length, 1);
  });
});

describe("app users (external apps, spec 000 §2.3.7)", () => {
  const payload = Buffer.from(JSON.stringify({ sub: "u", auth_type: "custom_app_user", scope: "app_runtime" })).toString("base64url");
  const APP_USER_TOKEN = `eyJhbGciOiJIUzI1NiJ9.${payload}.sig`;

  test("an app user's token sends Custom Data calls to /ext/data", async () => {
    runtime({ token: APP_USER_TOKEN });
    answer(json(200, []), json(201, { id: "r1", data: {} }), json(200, { id: "r1", data: {} }));
    await sdk.api.listRecords("tasks");
    await sdk.api.submitRecord("tasks", { title: "x" });
    await sdk.api.updateRecord("tasks", "r1", { title: "y" });
    assert.deepEqual(
      calls.map((c) => `${c.method} ${c.url}`),
      [
        `GET ${BASE}/ext/data/objects/tasks/records`,
        `POST ${BASE}/ext/data/objects/tasks/records`,
        `PATCH ${BASE}/ext/data/records/r1`,
      ],
    );
    assert.equal(calls[0].headers.Authorization, `Bearer ${APP_USER_TOKEN}`);
  });

  test("an app user's token sends proxy reads and writes to /ext/proxy", async () => {
    runtime({ token: APP_USER_TOKEN });
    answer(json(200, []), json(201, { id: "c1" }));
    await sdk.db.query("customers");
    await sdk.db.insert("customers", { name: "A" });
    assert.deepEqual(
      calls.map((c) => `${c.method} ${c.url}`),
      [`GET ${BASE}/ext/proxy/customers`, `POST ${BASE}/ext/proxy/customers`],
    );
  });

  test("an app user's token runs actions at /ext/actions/{name}", async () => {
    runtime({ token: APP_USER_TOKEN });
    answer(json(200, { data: 1, file: null }));
    assert.deepEqual(await sdk.action.runAction("ping", { a: 1 }), { data: 1, file: null });
    const call = only();
    assert.equal(call.url, `${BASE}/ext/actions/ping`);
    assert.equal(call.headers.Authorization, `Bearer ${APP_USER_TOKEN}`);
    assert.deepEqual(call.body, { params: { a: 1 } });
  });

  test("a platform token keeps the platform routes", async () => {
    runtime();
    answer(json(200, []));
    await sdk.api.listRecords("tasks");
    assert.equal(only().url, `${BASE}/data/objects/tasks/records`);
  });
});
