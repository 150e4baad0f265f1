// The globals of spec 001 §18.4. The host page sets them from what the
// server knows (the app, the signed-in member's token for an internal app);
// this fills in whatever a page left out, so the SDK always finds a value of
// the documented type.
//
// window.__auth__ (the Auth SDK of §19.6) is not defined here: auth.ts
// installs it on pages of external apps (no platform token), and keeps
// __APP_TOKEN__ / __IS_AUTHENTICATED__ current after a login (§18.5); this
// file keeps whatever values it set.

export interface RuntimeGlobals {
  __APP_TOKEN__: string;
  __APP_SLUG__: string;
  __APP_ID__: string;
  __API_BASE__: string;
  __IS_AUTHENTICATED__: boolean;
  __INITIAL_ROUTE__: string | null;
}

export function installGlobals(): void {
  const w = window as unknown as Partial<RuntimeGlobals> & Record<string, unknown>;
  const text = (value: unknown): string => (typeof value === "string" ? value : "");
  w.__APP_TOKEN__ = text(w.__APP_TOKEN__);
  w.__APP_SLUG__ = text(w.__APP_SLUG__);
  w.__APP_ID__ = text(w.__APP_ID__);
  w.__API_BASE__ = text(w.__API_BASE__) || "/api/v1";
  if (typeof w.__IS_AUTHENTICATED__ !== "boolean") w.__IS_AUTHENTICATED__ = w.__APP_TOKEN__ !== "";
  w.__INITIAL_ROUTE__ = typeof w.__INITIAL_ROUTE__ === "string" && w.__INITIAL_ROUTE__ ? w.__INITIAL_ROUTE__ : null;
}

/**
 * Where a HashRouter app should start: the route the visitor asked for
 * before a login round trip (§19.6), unless the URL already names one.
 */
export function applyInitialRoute(): void {
  const route = (window as unknown as Partial<RuntimeGlobals>).__INITIAL_ROUTE__;
  if (!route || (location.hash && location.hash !== "#")) return;
  const hash = route.startsWith("#") ? route : `#${route.startsWith("/") ? route : `/${route}`}`;
  history.replaceState(history.state, "", hash);
}
