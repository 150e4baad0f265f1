// The dev page's client (builder/dev.rs): inlined into /dev/{slug} only,
// never into the published runtime. It listens to the page's event stream:
//   modules        modules changed: the dev bundle's loader runs them again,
//                  with their importers, into the same React root
//   reload         the import graph changed: load the page again
//   css            only the CSS changed: swap it inside the app's shadow root
//                  (React state is kept)
//   compile-error  show an overlay with file, line, column and code frame
//   fixed          it compiles again: hide the overlay
// The app's shadow root is closed; this page keeps a handle on it by
// wrapping attachShadow before the runtime runs, so the product's runtime
// carries no dev hook.
(() => {
  const config = window.__APPBOX_DEV__;
  let shadow = null;
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const root = attach.call(this, init);
    if (this.localName === "custom-app-runtime") shadow = root;
    return root;
  };

  const OVERLAY = "appbox-dev-overlay";
  function hideOverlay() {
    document.getElementById(OVERLAY)?.remove();
  }
  function showOverlay({ text, errors }) {
    hideOverlay();
    const first = errors[0] ?? { message: "The app does not compile" };
    const overlay = document.createElement("div");
    overlay.id = OVERLAY;
    overlay.setAttribute("role", "alert");
    overlay.style.cssText =
      "position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgba(24,24,27,.94);color:#fafafa;" +
      "font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace;padding:2rem";
    const title = document.createElement("h1");
    title.style.cssText = "font-size:1.1rem;color:#f87171;margin:0 0 .5rem";
    title.textContent = `Compile error${errors.length > 1 ? `s (${errors.length})` : ""}`;
    const place = document.createElement("p");
    place.dataset.place = "";
    place.style.cssText = "margin:0 0 1rem;color:#fbbf24";
    place.textContent = first.file ? `${first.file}:${first.line}:${first.column}: ${first.message}` : first.message;
    const frame = document.createElement("pre");
    frame.style.cssText = "white-space:pre-wrap;margin:0";
    frame.textContent = text;
    const hint = document.createElement("p");
    hint.style.cssText = "color:#a1a1aa";
    hint.textContent = "Fix the file and save: this page updates by itself.";
    overlay.append(title, place, frame, hint);
    document.body.append(overlay);
  }

  function swapCss(css) {
    // The runtime puts the app's CSS right before #root in its shadow root.
    const style = shadow?.getElementById("root")?.previousElementSibling;
    if (style instanceof HTMLStyleElement) style.textContent = css;
    else location.reload();
  }

  const events = new EventSource(config.events);
  const data = (event) => JSON.parse(event.data);
  events.addEventListener("modules", (event) => {
    const hot = window.__APPBOX_HOT__;
    if (!hot) return location.reload();
    try {
      const start = performance.now();
      hot.apply(data(event).modules);
      // In DevTools' performance panel (and read by the dev benchmark).
      performance.measure("appbox: hot update", { start });
    } catch (error) {
      // The new code threw while starting: a fresh page shows it plainly.
      console.error(error);
      location.reload();
    }
  });
  events.addEventListener("reload", () => location.reload());
  events.addEventListener("css", (event) => swapCss(data(event).css));
  events.addEventListener("compile-error", (event) => showOverlay(data(event)));
  events.addEventListener("fixed", hideOverlay);
  // A refused stream (the server restarted, the session ended) is not
  // retried by the browser: load the page again, which says what is wrong.
  events.addEventListener("error", () => {
    if (events.readyState === EventSource.CLOSED) setTimeout(() => location.reload(), 1000);
  });
})();
