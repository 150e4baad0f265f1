// The runtime benchmark of issue 9: for the corpus apps `medium` and `large`,
// the time from the request to the app's first route rendered in headless
// Chromium, and the bytes sent over the wire (as encoded), for
//   appbox  — published, opened at /runtime/{slug} (the runtime + the bundle)
//   static  — the same app built by esbuild 0.28.2 (everything bundled,
//             minified) and served as static files, brotli/gzip precompressed
// in one run, side by side. Each load is cold (a fresh browser context).
//
//   node bench.mjs [--runs N]      (after `cargo build --release -p appbox-host`
//                                   or with APPBOX_BIN pointing at a binary)

import http from "node:http";
import { createRequire } from "node:module";
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { brotliCompressSync, gzipSync, constants as zlib } from "node:zlib";
import { createHash } from "node:crypto";
import { chromium } from "playwright-core";

import { ADMIN_EMAIL, ADMIN_PASSWORD, api, chromiumPath, corpusApp, expectedRoutes, login, publishApp, repo, startServer } from "./lib.mjs";

const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 5;
const apps = ["medium", "large"];

// esbuild and the React packages come from runtime/ (pinned there).
const runtimeRequire = createRequire(join(repo, "runtime", "package.json"));
const esbuild = runtimeRequire("esbuild");

/** The host-owned SDK files an app gets (sdk-js/src), with empty data/db descriptions. */
function sdkFiles() {
  const dir = join(repo, "sdk-js", "src");
  const files = {};
  for (const name of readdirSync(dir)) files[`src/${name}`] = readFileSync(join(dir, name), "utf8");
  files["src/data.json"] = "[]";
  files["src/db.json"] = "[]";
  return files;
}

/** Builds `files` with esbuild into a folder of static files: index.html, app.js, app.css (+ .br, .gz). */
async function staticBuild(name, files) {
  const src = mkdtempSync(join(tmpdir(), `appbox-bench-${name}-`));
  for (const [path, content] of Object.entries({ ...files, ...sdkFiles() })) {
    mkdirSync(dirname(join(src, path)), { recursive: true });
    writeFileSync(join(src, path), content);
  }
  const out = join(src, "_site");
  await esbuild.build({
    entryPoints: [join(src, "src", "main.tsx")],
    bundle: true,
    minify: true,
    format: "iife",
    target: ["es2020"],
    jsx: "automatic",
    loader: { ".svg": "dataurl", ".txt": "text", ".md": "text" },
    define: { "process.env.NODE_ENV": '"production"' },
    nodePaths: [join(repo, "runtime", "node_modules")],
    outfile: join(out, "app.js"),
    logLevel: "error",
  });
  writeFileSync(
    join(out, "index.html"),
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${name}</title>` +
      `<link rel="stylesheet" href="/app.css"></head><body><div id="root"></div><script src="/app.js"></script></body></html>`,
  );
  const site = {};
  for (const file of ["index.html", "app.js", "app.css"]) {
    const body = readFileSync(join(out, file));
    site[`/${file}`] = {
      type: file.endsWith(".js") ? "text/javascript" : file.endsWith(".css") ? "text/css" : "text/html",
      identity: body,
      etag: `"${createHash("sha256").update(body).digest("hex").slice(0, 16)}"`,
      br: brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9 } }),
      gzip: gzipSync(body, { level: 9 }),
    };
  }
  rmSync(src, { recursive: true, force: true });
  return site;
}

/**
 * A static file server for one built site: precompressed like appbox's
 * assets, and revalidated with an ETag (304) on a repeat visit, as static
 * hosting without hashed file names does.
 */
function serveStatic(site) {
  const server = http.createServer((req, res) => {
    const file = site[new URL(req.url, "http://x").pathname === "/" ? "/index.html" : new URL(req.url, "http://x").pathname];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    const accept = req.headers["accept-encoding"] ?? "";
    const encoding = /\bbr\b/.test(accept) ? "br" : /\bgzip\b/.test(accept) ? "gzip" : "identity";
    const headers = { "Content-Type": file.type, Vary: "Accept-Encoding", ETag: file.etag, "Cache-Control": "no-cache" };
    if (req.headers["if-none-match"] === file.etag) {
      res.writeHead(304, headers).end();
      return;
    }
    if (encoding !== "identity") headers["Content-Encoding"] = encoding;
    res.writeHead(200, headers).end(file[encoding]);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, base: `http://127.0.0.1:${server.address().port}` })));
}

/**
 * Loads `url` in a fresh context; answers ms from navigation start until the
 * element with `testid` exists (in the document or any shadow root — the
 * bench watches attachShadow itself, the product has no hook) and the bytes
 * of the page, scripts and styles as they crossed the wire.
 */
async function load(browser, url, testid, cookie) {
  const context = await browser.newContext();
  if (cookie) await context.addCookies([cookie]);
  await context.addInitScript((id) => {
    const check = (root) => {
      if (!window.__rendered && root.querySelector(`[data-testid="${id}"]`)) window.__rendered = performance.now();
    };
    const watch = (root) => new MutationObserver(() => check(root)).observe(root, { childList: true, subtree: true });
    const attach = Element.prototype.attachShadow;
    Element.prototype.attachShadow = function (init) {
      const root = attach.call(this, init);
      watch(root);
      return root;
    };
    watch(document);
  }, testid);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  const types = new Map();
  let bytes = 0;
  cdp.on("Network.responseReceived", (e) => types.set(e.requestId, e.type));
  cdp.on("Network.loadingFinished", (e) => {
    if (["Document", "Script", "Stylesheet"].includes(types.get(e.requestId))) bytes += e.encodedDataLength;
  });
  const visit = async () => {
    bytes = 0;
    await page.goto(url, { waitUntil: "commit" });
    const handle = await page.waitForFunction(() => window.__rendered, null, { timeout: 60_000, polling: 5 });
    const ms = await handle.jsonValue();
    await page.waitForLoadState("load");
    return { ms, bytes };
  };
  const cold = await visit();
  // A repeat visit in the same browser (e.g. the next morning).
  const warm = await visit();
  await context.close();
  return { ms: cold.ms, bytes: cold.bytes, warmMs: warm.ms, warmBytes: warm.bytes };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const server = await startServer();
const browser = await chromium.launch({
  executablePath: chromiumPath(),
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
});
const version = browser.version();
const token = await login(server.base, ADMIN_EMAIL, ADMIN_PASSWORD);
const admin = api(server.base, token);
const cookie = { name: "appbox_token", value: token, url: server.base };
const rows = [];
try {
  for (const name of apps) {
    const files = corpusApp(name);
    const first = expectedRoutes(name).routes[0];
    const app = await publishApp(admin, `bench ${name}`, files);
    const site = await staticBuild(name, files);
    const { server: staticServer, base } = await serveStatic(site);
    const appboxUrl = `${server.base}/runtime/${app.slug}`;
    const staticUrl = `${base}/`;
    // One warm-up each (the first page load of a build compresses its assets).
    await load(browser, appboxUrl, first.testid, cookie);
    await load(browser, staticUrl, first.testid);
    const appbox = [];
    const plain = [];
    for (let i = 0; i < runs; i++) {
      appbox.push(await load(browser, appboxUrl, first.testid, cookie));
      plain.push(await load(browser, staticUrl, first.testid));
    }
    staticServer.close();
    rows.push({
      name,
      appboxMs: median(appbox.map((r) => r.ms)),
      staticMs: median(plain.map((r) => r.ms)),
      appboxBytes: median(appbox.map((r) => r.bytes)),
      staticBytes: median(plain.map((r) => r.bytes)),
      appboxWarmMs: median(appbox.map((r) => r.warmMs)),
      staticWarmMs: median(plain.map((r) => r.warmMs)),
      appboxWarmBytes: median(appbox.map((r) => r.warmBytes)),
      staticWarmBytes: median(plain.map((r) => r.warmBytes)),
    });
  }
} finally {
  await browser.close();
  await server.stop();
}

const kb = (n) => (n < 10240 ? `${(n / 1024).toFixed(1)} KB` : `${Math.round(n / 1024).toLocaleString("en")} KB`);
console.log(`\nfirst route rendered, median of ${runs} (headless chromium ${version})`);
console.log("| app | visit | appbox | esbuild + static files | appbox / static | bytes appbox | bytes static |");
console.log("|---|---|---|---|---|---|---|");
for (const r of rows) {
  console.log(
    `| ${r.name} | first | ${r.appboxMs.toFixed(0)} ms | ${r.staticMs.toFixed(0)} ms | ${(r.appboxMs / r.staticMs).toFixed(2)}× | ${kb(r.appboxBytes)} | ${kb(r.staticBytes)} |`,
  );
  console.log(
    `| ${r.name} | repeat | ${r.appboxWarmMs.toFixed(0)} ms | ${r.staticWarmMs.toFixed(0)} ms | ${(r.appboxWarmMs / r.staticWarmMs).toFixed(2)}× | ${kb(r.appboxWarmBytes)} | ${kb(r.staticWarmBytes)} |`,
  );
}
