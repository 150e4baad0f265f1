// Renders a compiled appbox bundle in jsdom with the real runtime packages
// behind the registry contract (globalThis.__APPBOX_EXTERNALS__), visits
// every route, and checks its data-testid, <h1> and marker text.
//
//   node render.mjs BUNDLE.js ROUTES.json
//
// ROUTES.json: [{"hash", "testid", "heading", "marker"}]. Every network call
// fails, as in the corpus contract: pages must fall back to their sample data.
// Exits 0 when every route rendered, 1 with the reason otherwise.

import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const sdkTests = path.join(here, "..", "..", "sdk-js", "tests", "helpers");
const { installDom, runtimeExternals, waitFor, teardown } = await import(path.join(sdkTests, "dom.mjs"));

const [bundlePath, routesPath] = process.argv.slice(2);
const bundle = readFileSync(bundlePath, "utf8");
const routes = JSON.parse(readFileSync(routesPath, "utf8"));

const dom = installDom({ url: `http://apps.test/${routes[0]?.hash ?? "#/"}` });
globalThis.fetch = () => Promise.reject(new TypeError("network is down in this test"));
globalThis.__APPBOX_EXTERNALS__ = runtimeExternals();

const errors = [];
window.addEventListener("error", (event) => errors.push(String(event.error?.stack ?? event.message)));
try {
  new Function(bundle)();
  for (const route of routes) {
    if (window.location.hash !== route.hash) window.location.hash = route.hash;
    const testid = `[data-testid="${route.testid}"]`;
    await waitFor(() => document.querySelector(testid), { what: `${testid} on ${route.hash}` });
    await waitFor(
      () => [...document.querySelectorAll("h1")].some((h) => h.textContent.trim() === route.heading),
      { what: `<h1>${route.heading}</h1> on ${route.hash}` },
    );
    await waitFor(() => document.body.textContent.includes(route.marker), { what: `marker ${route.marker} on ${route.hash}` });
  }
  if (errors.length) throw new Error(`uncaught errors:\n${errors.join("\n")}`);
  console.log(`rendered ${routes.length} routes`);
  await teardown(dom);
  process.exit(0);
} catch (err) {
  console.error(String(err?.stack ?? err));
  process.exit(1);
}
