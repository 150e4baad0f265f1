// Browsers ignore @font-face rules inside a shadow root, so an app's own
// fonts would silently fall back. The runtime copies them to a <style> in the
// document, where they apply; the font-family names then resolve inside the
// shadow root too. An @import (e.g. a web-font stylesheet, whose @font-face
// rules cannot even be read across origins) is lifted the same way.

import { markRuntimeOwned } from "./head-styles";

let documentStyle: HTMLStyleElement | null = null;

function collect(rules: CSSRuleList, into: string[]): void {
  for (const rule of Array.from(rules)) {
    if (rule instanceof CSSFontFaceRule) {
      into.push(rule.cssText);
    } else if (rule instanceof CSSImportRule) {
      // @import must come first in a sheet: keep imports ahead of the rest.
      into.unshift(rule.cssText);
    } else if (rule instanceof CSSMediaRule || rule instanceof CSSSupportsRule) {
      const inner: string[] = [];
      collect(rule.cssRules, inner);
      if (inner.length) into.push(`@${rule instanceof CSSMediaRule ? "media" : "supports"} ${rule.conditionText}{${inner.join("\n")}}`);
    }
  }
}

export function liftDocumentRules(sheet: CSSStyleSheet): void {
  const lifted: string[] = [];
  try {
    collect(sheet.cssRules, lifted);
  } catch {
    return; // a cross-origin sheet: its rules cannot be read
  }
  if (!lifted.length) return;
  if (!documentStyle) {
    documentStyle = document.createElement("style");
    markRuntimeOwned(documentStyle);
    document.head.append(documentStyle);
  }
  documentStyle.textContent = `${documentStyle.textContent ?? ""}${lifted.join("\n")}\n`;
}
