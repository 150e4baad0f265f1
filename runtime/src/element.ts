// <custom-app-runtime>: the closed shadow root an app runs in (spec 001 §11).
//
// Attributes: `css-href` (the app's CSS) and `bundle-src` (its bundle), both
// content-hashed URLs on the served pages. A page may instead carry the CSS
// inline, as <template data-appbox-app-css><style>…</style></template>
// inside the element, and run the bundle itself right after this script (the
// compile API's preview page does).

import { applyInitialRoute } from "./globals";
import { mirrorHeadStyles } from "./head-styles";
import { liftDocumentRules } from "./fonts";

const HOST_CSS = ":host{display:block;height:100vh;overflow:auto}#root{min-height:100%}";

/** The mount point the app's document.getElementById("root") returns. */
let mountPoint: HTMLElement | null = null;

/**
 * A closed shadow root hides its nodes from document lookups, and the app's
 * entry (the standard template's main.tsx) looks for #root in the document:
 * answer that one lookup with the shadow root's div, leave every other one
 * to the browser.
 */
function redirectRootLookups(): void {
  const byId = document.getElementById.bind(document);
  const query = document.querySelector.bind(document);
  document.getElementById = (id: string) => (id === "root" && mountPoint ? mountPoint : byId(id));
  document.querySelector = ((selectors: string) =>
    selectors.trim() === "#root" && mountPoint ? mountPoint : query(selectors)) as Document["querySelector"];
}

export class CustomAppRuntime extends HTMLElement {
  #started = false;

  connectedCallback(): void {
    if (this.#started) return;
    this.#started = true;
    const shadow = this.attachShadow({ mode: "closed" });

    const hostStyle = document.createElement("style");
    hostStyle.textContent = HOST_CSS;
    shadow.append(hostStyle);

    // react-hot-toast styles itself with goober, which writes into
    // `window._goober` when that exists, else into a <style> it appends to
    // document.head: hand it one inside the shadow root. Other libraries'
    // <style>s in document.head are mirrored in.
    const goober = document.createElement("style");
    goober.id = "_goober";
    goober.textContent = " ";
    const w = window as unknown as { _goober?: unknown };
    if (!(w._goober instanceof HTMLStyleElement) || !w._goober.isConnected || w._goober.getRootNode() === document) {
      w._goober = goober;
    }
    shadow.append(goober);
    mirrorHeadStyles(shadow);

    const root = document.createElement("div");
    root.id = "root";
    mountPoint = root;
    redirectRootLookups();
    applyInitialRoute();

    const appCss = this.#appCss();
    shadow.append(...appCss.nodes, root);
    void appCss.loaded.then(() => {
      for (const node of appCss.nodes) {
        const sheet = (node as HTMLStyleElement | HTMLLinkElement).sheet;
        if (sheet) liftDocumentRules(sheet);
      }
      this.#loadBundle(root);
    });
  }

  /** The app's CSS as shadow-root nodes, and when they have loaded. */
  #appCss(): { nodes: Node[]; loaded: Promise<void> } {
    const href = this.getAttribute("css-href");
    if (href) {
      const link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = href;
      const loaded = new Promise<void>((resolve) => {
        link.addEventListener("load", () => resolve(), { once: true });
        link.addEventListener(
          "error",
          () => {
            console.warn(`appbox: the app's CSS (${href}) did not load`);
            resolve();
          },
          { once: true },
        );
      });
      return { nodes: [link], loaded };
    }
    const template = this.querySelector("template[data-appbox-app-css]") as HTMLTemplateElement | null;
    const nodes = template ? Array.from(template.content.cloneNode(true).childNodes) : [];
    return { nodes, loaded: Promise.resolve() };
  }

  #loadBundle(root: HTMLElement): void {
    const src = this.getAttribute("bundle-src");
    if (!src) return;
    const script = document.createElement("script");
    script.src = src;
    script.addEventListener("error", () => {
      root.textContent = "This app could not be loaded. Check your connection and reload the page.";
    });
    document.body.append(script);
  }
}
