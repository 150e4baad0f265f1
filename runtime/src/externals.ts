// The modules every app imports without bundling them (spec 001 §20.1), from
// the npm packages pinned in package-lock.json, production builds, one copy
// of React (react-dom and react-router-dom resolve "react" to this one).
//
// Interop (ARCHITECTURE.md): a CommonJS package is registered as published
// (its module.exports); an ES module as its namespace marked `__esModule`,
// so that a default import reads its `default` export (react-hot-toast's
// `toast`) and named imports read the rest.

import * as reactRouterDom from "react-router-dom";
import * as lucideReact from "lucide-react";
import * as reactHotToast from "react-hot-toast";

declare const require: (name: string) => unknown;

// Marked in place: copying lucide-react's ~4,800 exports into a new object
// cost ~50 ms of every page load.
function esModule(namespace: object): object {
  if (!Object.prototype.hasOwnProperty.call(namespace, "__esModule")) {
    Object.defineProperty(namespace, "__esModule", { value: true });
  }
  return namespace;
}

export const externals: Record<string, unknown> = Object.freeze({
  react: require("react"),
  "react/jsx-runtime": require("react/jsx-runtime"),
  "react-dom": require("react-dom"),
  "react-dom/client": require("react-dom/client"),
  "react-router-dom": esModule(reactRouterDom),
  "lucide-react": esModule(lucideReact),
  "react-hot-toast": esModule(reactHotToast),
});
