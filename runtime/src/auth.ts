// The Auth SDK of external and self-built apps (spec 001 §18.5, §19.6-§19.7):
// window.__auth__ and window.__triggerLogin__, over the app-user API
// (/api/v1/custom-app-auth/{slug}/…, spec 000 §2.3).
//
// Installed on pages that came without a platform token: the pages of
// external and self-built apps (an internal app's page always carries the
// member's token, and its users sign in on the platform). Tokens live in
// localStorage under the §19.7 keys; window.__APP_TOKEN__ and
// __IS_AUTHENTICATED__ always follow them, so the SDK files (api.ts, db.ts)
// send the current token. The access token is refreshed a minute before it
// expires (and on demand by getToken); an OAuth round trip's `oauth_token`
// is taken from the URL (its `route` is the page's __INITIAL_ROUTE__).

const ACCESS_KEY = "__custom_app_access_token__";
const REFRESH_KEY = "__custom_app_refresh_token__";
/** Refresh this long before the access token expires. */
const MARGIN_SECONDS = 60;

type Listener = (isAuthenticated: boolean) => void;

interface TokenAnswer {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  token_type?: string;
  user: Record<string, unknown>;
}

interface Globals {
  __APP_TOKEN__?: string;
  __APP_SLUG__?: string;
  __API_BASE__?: string;
  __IS_AUTHENTICATED__?: boolean;
  __INITIAL_ROUTE__?: string | null;
  __auth__?: unknown;
  __triggerLogin__?: unknown;
}

const w = window as unknown as Globals;
const listeners = new Set<Listener>();
let timer: ReturnType<typeof setTimeout> | undefined;
let refreshing: Promise<string> | null = null;

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function base(): string {
  const b = (typeof w.__API_BASE__ === "string" && w.__API_BASE__) || "/api/v1";
  return b.replace(/\/+$/, "");
}

function authUrl(rest: string): string {
  return `${base()}/custom-app-auth/${encodeURIComponent(w.__APP_SLUG__ || "")}/${rest}`;
}

/** Seconds since the epoch at which a JWT expires (0 when unreadable). */
function expiry(token: string): number {
  try {
    const part = token.split(".")[1] || "";
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === "number" ? exp : 0;
  } catch {
    return 0;
  }
}

function now(): number {
  return Date.now() / 1000;
}

function publish(token: string): void {
  const was = w.__IS_AUTHENTICATED__ === true;
  w.__APP_TOKEN__ = token;
  w.__IS_AUTHENTICATED__ = token !== "";
  if (was !== w.__IS_AUTHENTICATED__) {
    for (const listener of [...listeners]) {
      try {
        listener(w.__IS_AUTHENTICATED__);
      } catch (error) {
        console.error(error);
      }
    }
  }
}

function schedule(token: string): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;
  const exp = expiry(token);
  if (!exp) return;
  const wait = Math.max(0, (exp - MARGIN_SECONDS - now()) * 1000);
  timer = setTimeout(() => void refresh().catch(() => undefined), Math.min(wait, 2 ** 31 - 1));
}

function store(answer: TokenAnswer): TokenAnswer {
  const s = storage();
  s?.setItem(ACCESS_KEY, answer.access_token);
  s?.setItem(REFRESH_KEY, answer.refresh_token);
  publish(answer.access_token);
  schedule(answer.access_token);
  return answer;
}

function clear(): void {
  const s = storage();
  s?.removeItem(ACCESS_KEY);
  s?.removeItem(REFRESH_KEY);
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;
  publish("");
}

async function post(url: string, body: unknown, token?: string): Promise<TokenAnswer> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
  let data: unknown = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const detail = (data as { detail?: unknown } | null)?.detail;
    const error = new Error(typeof detail === "string" ? detail : `HTTP ${response.status}`) as Error & {
      status: number;
      body: unknown;
    };
    error.status = response.status;
    error.body = data;
    throw error;
  }
  return data as TokenAnswer;
}

/** Spends the refresh token (rotation); signs out when the server refuses it. */
function refresh(): Promise<string> {
  if (refreshing) return refreshing;
  const token = storage()?.getItem(REFRESH_KEY);
  if (!token) return Promise.resolve("");
  refreshing = post(authUrl("refresh"), { refresh_token: token })
    .then((answer) => store(answer).access_token)
    .catch((error: { status?: number }) => {
      // 4xx: the session is over (revoked, expired, user disabled).
      if (error.status && error.status >= 400 && error.status < 500) clear();
      throw error;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

const auth = {
  async login(email: string, password: string): Promise<TokenAnswer> {
    return store(await post(authUrl("login"), { email, password }));
  },
  async register(email: string, password: string, displayName: string): Promise<TokenAnswer> {
    return store(await post(authUrl("register"), { email, password, display_name: displayName }));
  },
  /** Clears the tokens and revokes this device's session. */
  async logout(): Promise<void> {
    const access = w.__APP_TOKEN__ || "";
    const refreshToken = storage()?.getItem(REFRESH_KEY) || "";
    clear();
    if (access && refreshToken) {
      await post(authUrl("logout"), { refresh_token: refreshToken }, access).catch(() => undefined);
    }
  },
  /** The current access token, refreshed first when it is about to expire; "" when signed out. */
  async getToken(): Promise<string> {
    const token = w.__APP_TOKEN__ || "";
    if (token && expiry(token) - MARGIN_SECONDS > now()) return token;
    if (!storage()?.getItem(REFRESH_KEY)) return token;
    try {
      return await refresh();
    } catch {
      return w.__APP_TOKEN__ || "";
    }
  },
  isAuthenticated(): boolean {
    return w.__IS_AUTHENTICATED__ === true;
  },
  onAuthChange(listener: Listener): () => void {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  },
  /** The URL that starts an OAuth sign-in; afterwards the app opens at `returnPath`. */
  getOAuthUrl(provider: string, returnPath?: string): string {
    const url = `${base()}/custom-app-oauth/${encodeURIComponent(w.__APP_SLUG__ || "")}/${encodeURIComponent(provider)}/authorize`;
    return returnPath ? `${url}?return_path=${encodeURIComponent(returnPath)}` : url;
  },
};

/**
 * The lazy sign-in (spec 001 §19.6): the unified sign-in page of the app
 * (`/externalAppLogin/{slug}`), which comes back to the app page with the
 * return path as `?route=` (__INITIAL_ROUTE__), signed in.
 */
function triggerLogin(returnPath?: string): void {
  const back = returnPath || location.hash || "#/";
  location.href = `/externalAppLogin/${encodeURIComponent(w.__APP_SLUG__ || "")}?return_path=${encodeURIComponent(back)}`;
}

/** An OAuth round trip lands with ?oauth_token=…(&route=…): take the tokens, tidy the URL. */
function takeOAuthToken(): void {
  const params = new URLSearchParams(location.search);
  const encoded = params.get("oauth_token");
  if (!encoded) return;
  try {
    const json = atob(encoded.replace(/-/g, "+").replace(/_/g, "/"));
    store(JSON.parse(json) as TokenAnswer);
  } catch (error) {
    console.error("appbox: could not read oauth_token", error);
  }
  params.delete("oauth_token");
  const query = params.toString();
  history.replaceState(history.state, "", `${location.pathname}${query ? `?${query}` : ""}${location.hash}`);
}

function install(): void {
  if (w.__APP_TOKEN__) return; // a platform page (internal app): no app users here
  takeOAuthToken();
  const s = storage();
  const access = s?.getItem(ACCESS_KEY) || "";
  const refreshToken = s?.getItem(REFRESH_KEY) || "";
  if (access && expiry(access) > now()) {
    publish(access);
    schedule(access);
  } else if (refreshToken) {
    // Expired: keep the session signed in while the refresh runs.
    w.__IS_AUTHENTICATED__ = true;
    void refresh().catch(() => undefined);
  }
  w.__auth__ = auth;
  w.__triggerLogin__ = triggerLogin;
}

install();
