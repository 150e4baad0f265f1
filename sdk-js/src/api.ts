// appbox Custom Data SDK (src/api.ts) — host-owned.
//
// appbox injects this file into every app's VFS and overwrites any copy the
// app brings (custom-app guide §4): edit it here, in sdk-js/, never in an app.
// It implements §7 (Custom Data) and §18.4 (anonymous mode: without a token the
// reads go to the read-only pub/ endpoints, addressed by the app's slug).
// An app user's token (external apps, §19) goes to /ext/data instead of /data.
//
// It also holds the one HTTP helper and runtime-globals reader that db.ts and
// action.ts import (`request`, `runtimeConfig`, `SdkError`). Those exports are
// SDK-internal: apps should call the documented functions only.
//
// Every call rejects with an Error carrying `.status` and `.body` on a non-2xx
// answer (status = HTTP status, body = parsed answer) or a network failure
// (status 0, body null), so apps can catch it, toast, and fall back.

/** A Custom Data record as the data API returns it (000 §6.3). */
export interface CustomRecord {
  id: string;
  data: Record<string, any>;
  object_id?: string;
  tenant_id?: string;
  created_at?: string;
  updated_at?: string | null;
  [key: string]: unknown;
}

/** SDK-internal. What every SDK call rejects with. */
export interface SdkError extends Error {
  /** HTTP status, or 0 when the request never got an answer. */
  status: number;
  /** The parsed answer body (JSON, else text), or null. */
  body: unknown;
}

/** SDK-internal. The globals the host page sets before the bundle runs (§18.4). */
export interface RuntimeConfig {
  /** window.__API_BASE__ without a trailing slash (default "/api/v1"). */
  base: string;
  /** window.__APP_TOKEN__; "" when anonymous. */
  token: string;
  /** window.__APP_ID__: addresses the authenticated proxy and actions. */
  appId: string;
  /** window.__APP_SLUG__: addresses the anonymous pub/ endpoints. */
  slug: string;
}

export type HttpMethod = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

/**
 * SDK-internal. Reads the runtime globals on every call rather than once at
 * load: the Auth SDK replaces __APP_TOKEN__ after a login (§18.5), and the
 * next call must switch from pub/ to the authenticated routes.
 */
export function runtimeConfig(): RuntimeConfig {
  const w: Record<string, unknown> = typeof window === "undefined" ? {} : (window as unknown as Record<string, unknown>);
  const text = (value: unknown): string => (typeof value === "string" ? value : value == null ? "" : String(value));
  return {
    base: (text(w.__API_BASE__) || "/api/v1").replace(/\/+$/, ""),
    token: text(w.__APP_TOKEN__),
    appId: text(w.__APP_ID__),
    slug: text(w.__APP_SLUG__),
  };
}

/**
 * SDK-internal. Whether a token is an app user's (external and self-built
 * apps, spec 000 §2.4: `auth_type: "custom_app_user"`). Their calls go to
 * the /ext routes; platform tokens to /data and /proxy/{app_id}.
 */
export function isAppUserToken(token: string): boolean {
  const part = token.split(".")[1];
  if (!part || typeof atob !== "function") return false;
  try {
    const payload = JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/"))) as { auth_type?: unknown };
    return payload.auth_type === "custom_app_user";
  } catch {
    return false;
  }
}

/** SDK-internal. Where Custom Data lives for this token: /ext/data for app users, else /data. */
export function dataRoot(base: string, token: string): string {
  return isAppUserToken(token) ? `${base}/ext/data` : `${base}/data`;
}

/** SDK-internal. Encodes one path segment. */
export const seg = (value: string | number): string => encodeURIComponent(String(value));

function sdkError(message: string, status: number, body: unknown, cause?: unknown): SdkError {
  const error = new Error(message) as SdkError;
  error.name = "SdkError";
  error.status = status;
  error.body = body;
  if (cause !== undefined) (error as Error & { cause?: unknown }).cause = cause;
  return error;
}

/** The most useful message in an error body: FastAPI {detail}, {error} or {message}. */
function messageOf(body: unknown): string {
  if (typeof body === "string") return body.slice(0, 300);
  if (!body || typeof body !== "object") return "";
  const record = body as Record<string, unknown>;
  const detail = record.detail ?? record.error ?? record.message;
  if (typeof detail === "string") return detail;
  // FastAPI validation errors: {"detail": [{"msg": "..."}, ...]}
  if (Array.isArray(detail)) {
    return detail
      .map((item) => (item && typeof item === "object" && typeof (item as { msg?: unknown }).msg === "string" ? (item as { msg: string }).msg : ""))
      .filter(Boolean)
      .join("; ");
  }
  return "";
}

/**
 * SDK-internal. The one HTTP helper of the SDK: JSON in, JSON out, the
 * Bearer header only when there is a token (pub/ routes take none), cookies
 * included, and an SdkError for anything that is not a 2xx answer. Signed-in
 * calls also name the app (X-App-Id), so that a table's api_slug is looked
 * up in this app's tables.
 */
export async function request<T = any>(method: HttpMethod, url: string, body?: unknown, token: string = runtimeConfig().token): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) {
    headers.Authorization = `Bearer ${token}`;
    const { appId } = runtimeConfig();
    if (appId) headers["X-App-Id"] = appId;
  }

  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      credentials: "include",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (cause) {
    const reason = cause instanceof Error && cause.message ? cause.message : String(cause);
    throw sdkError(`${method} ${url} failed: network error (${reason})`, 0, null, cause);
  }

  let payload: unknown = null;
  let text = "";
  try {
    text = await res.text();
  } catch {
    text = "";
  }
  if (text) {
    try {
      payload = JSON.parse(text);
    } catch {
      payload = text;
    }
  }

  if (!res.ok) {
    throw sdkError(messageOf(payload) || `${method} ${url} failed with status ${res.status}`, res.status, payload);
  }
  return payload as T;
}

/** All records of a Custom Data table (anonymous: the public list, first 100). */
export async function listRecords(slug: string): Promise<CustomRecord[]> {
  const { base, token, slug: app } = runtimeConfig();
  if (!token) {
    return request<CustomRecord[]>("GET", `${base}/pub/data/${seg(app)}/objects/${seg(slug)}/records?limit=100`, undefined, "");
  }
  return request<CustomRecord[]>("GET", `${dataRoot(base, token)}/objects/${seg(slug)}/records`, undefined, token);
}

/** One record by id. Anonymous: pub/ has no single-record route, so it is looked up in the list. */
export async function getRecord(slug: string, id: string): Promise<CustomRecord> {
  const { base, token } = runtimeConfig();
  if (!token) {
    const records = await listRecords(slug);
    const hit = Array.isArray(records) ? records.find((record) => record != null && String(record.id) === String(id)) : undefined;
    if (!hit) throw sdkError(`Record ${id} not found in ${slug}`, 404, null);
    return hit;
  }
  return request<CustomRecord>("GET", `${dataRoot(base, token)}/objects/${seg(slug)}/records/${seg(id)}`, undefined, token);
}

/** Create a record; the fields are sent as {"data": {...}}. Needs a signed-in user. */
export async function submitRecord(slug: string, data: Record<string, unknown>): Promise<CustomRecord> {
  const { base, token } = runtimeConfig();
  return request<CustomRecord>("POST", `${dataRoot(base, token)}/objects/${seg(slug)}/records`, { data }, token);
}

/**
 * Merge fields into a record (fields not sent stay as they are). `slug` is
 * unused by the route (records are addressed by id) but kept for symmetry.
 */
export async function updateRecord(slug: string, id: string, data: Record<string, unknown>): Promise<CustomRecord> {
  void slug;
  const { base, token } = runtimeConfig();
  return request<CustomRecord>("PATCH", `${dataRoot(base, token)}/records/${seg(id)}`, { data }, token);
}

/** Delete a record. `slug` is unused by the route, as in updateRecord. */
export async function deleteRecord(slug: string, id: string): Promise<unknown> {
  void slug;
  const { base, token } = runtimeConfig();
  return request<unknown>("DELETE", `${dataRoot(base, token)}/records/${seg(id)}`, undefined, token);
}
