// The appbox browser runtime: what a page that runs a compiled app loads
// before the app's bundle (spec 001 §11, §18.4, §20.1).
//
// 1. The module registry the compiler's bundles read (ARCHITECTURE.md, "The
//    module registry contract"): globalThis.__APPBOX_EXTERNALS__.
// 2. The §18.4 globals, defaulted where the host page left one out.
// 3. <custom-app-runtime>: a closed shadow root holding the app's CSS and
//    <div id="root">; the app's document.getElementById("root") finds that
//    div; styles that libraries put into document.head are mirrored in; the
//    app's @font-face rules are lifted to the document, where fonts work.

import { externals } from "./externals";
import { installGlobals } from "./globals";
import { CustomAppRuntime } from "./element";
// window.__auth__ for external and self-built apps (spec 001 §19.6).
import "./auth";

const g = globalThis as unknown as Record<string, unknown>;
g.__APPBOX_EXTERNALS__ = externals;
installGlobals();

if (!customElements.get("custom-app-runtime")) {
  customElements.define("custom-app-runtime", CustomAppRuntime);
}
