// Libraries that style themselves add <style> (or <link rel=stylesheet>) to
// document.head, where a closed shadow root cannot see them. Each one added
// after the runtime starts gets a twin inside the shadow root, and the twin
// follows the source's text as the library appends to it (goober, and
// emotion or styled-components in development mode, work that way). Rules
// added later with insertRule() change no text, so no observer sees them:
// the twin has the rules the source had when it was added or last changed.

const RUNTIME_OWNED = "data-appbox";

function twinOf(source: HTMLStyleElement | HTMLLinkElement): HTMLStyleElement | HTMLLinkElement {
  if (source instanceof HTMLLinkElement) {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = source.href;
    return link;
  }
  const style = document.createElement("style");
  const sync = () => {
    // Rules inserted with insertRule() leave textContent empty: copy them.
    const text = source.textContent?.trim()
      ? source.textContent
      : Array.from(source.sheet?.cssRules ?? [], (rule) => rule.cssText).join("\n");
    if (style.textContent !== text) style.textContent = text;
  };
  sync();
  new MutationObserver(sync).observe(source, { childList: true, characterData: true, subtree: true });
  return style;
}

export function mirrorHeadStyles(shadow: ShadowRoot): void {
  const twins = new Map<Node, Node>();
  const isStyle = (node: Node): node is HTMLStyleElement | HTMLLinkElement =>
    (node instanceof HTMLStyleElement || (node instanceof HTMLLinkElement && node.rel === "stylesheet")) &&
    !node.hasAttribute(RUNTIME_OWNED);
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (isStyle(node) && !twins.has(node)) {
          const twin = twinOf(node);
          twins.set(node, twin);
          shadow.append(twin);
        }
      }
      for (const node of record.removedNodes) {
        twins.get(node)?.parentNode?.removeChild(twins.get(node) as Node);
        twins.delete(node);
      }
    }
  }).observe(document.head, { childList: true });
}

export function markRuntimeOwned(element: Element): void {
  element.setAttribute(RUNTIME_OWNED, "");
}
