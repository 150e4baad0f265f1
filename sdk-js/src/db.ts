// appbox DB Proxy SDK (src/db.ts) — host-owned.
//
// appbox injects this file into every app's VFS and overwrites any copy the
// app brings (custom-app guide §4). It implements §7 (DB Proxy) and §18.3/§18.4:
//   signed in:  {base}/proxy/{__APP_ID__}/{table}       (read and write)
//   app user:   {base}/ext/proxy/{table}                (external apps, §19)
//   anonymous:  {base}/pub/proxy/{__APP_SLUG__}/{table} (reads only; writes
//               still go to /proxy and the server refuses them)
//
// Unlike the SDK that §7 describes, insert() and update() always send
// {"data": {...}}: a bare field object is wrapped, an already wrapped one is
// sent as it is, so both calling styles seen in apps work.
//
// Errors: see api.ts (an Error with .status and .body).

import { isAppUserToken, request, runtimeConfig, seg } from "./api";

/** One filter of queryAdvanced (000 §9.3). */
export interface Filter {
  column: string;
  op: "eq" | "ne" | "gt" | "gte" | "lt" | "lte" | "like" | "ilike" | "in" | "is_null" | "is_not_null" | (string & {});
  value?: unknown;
}

export interface OrderBy {
  column: string;
  direction?: "asc" | "desc" | (string & {});
}

export interface AdvancedQuery {
  filters?: Filter[];
  order_by?: OrderBy[];
  search?: string;
  search_columns?: string[];
  select_columns?: string[];
  limit?: number;
  offset?: number;
  count_only?: boolean;
}

/** What POST …/query answers: rows with the page, or only the total with count_only. */
export interface QueryResult<Row = Record<string, any>> {
  data?: Row[];
  limit?: number;
  offset?: number;
  total?: number;
  [key: string]: unknown;
}

type Row = Record<string, any>;

const ADVANCED_KEYS: ReadonlyArray<keyof AdvancedQuery> = [
  "filters",
  "order_by",
  "search",
  "search_columns",
  "select_columns",
  "limit",
  "offset",
  "count_only",
];

/** Reads follow the token: the authenticated proxy, or pub/proxy when anonymous. */
function readRoot(): string {
  const { base, token, appId, slug } = runtimeConfig();
  if (token && isAppUserToken(token)) return `${base}/ext/proxy`;
  return token ? `${base}/proxy/${seg(appId)}` : `${base}/pub/proxy/${seg(slug)}`;
}

/** Writes have no pub/ route; anonymous writes are left for the server to refuse (401). */
function writeRoot(): string {
  const { base, token, appId } = runtimeConfig();
  if (token && isAppUserToken(token)) return `${base}/ext/proxy`;
  return `${base}/proxy/${seg(appId)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** {data: {...}} (and nothing else) is already wrapped; anything else becomes {data: payload}. */
function wrap(payload: unknown): { data: unknown } {
  if (isPlainObject(payload) && Object.keys(payload).length === 1 && isPlainObject(payload.data)) {
    return { data: payload.data };
  }
  return { data: payload };
}

/**
 * Rows of a table. Only `limit`/`offset` → a plain GET (the server answers a
 * list); any other option → queryAdvanced(), whose page envelope is unwrapped
 * here so query() always resolves to rows (count_only gives {total} as is).
 */
export async function query<T extends Row = Row>(table: string, opts: AdvancedQuery = {}): Promise<T[]> {
  const options = opts || {};
  const advanced = Object.keys(options).some(
    (key) => key !== "limit" && key !== "offset" && options[key as keyof AdvancedQuery] !== undefined,
  );
  if (advanced) {
    const result = await queryAdvanced<T>(table, options);
    if (isPlainObject(result) && Array.isArray(result.data)) return result.data;
    return result as unknown as T[];
  }
  const params = new URLSearchParams();
  if (options.limit !== undefined) params.set("limit", String(options.limit));
  if (options.offset !== undefined) params.set("offset", String(options.offset));
  const qs = params.toString();
  return request<T[]>("GET", `${readRoot()}/${seg(table)}${qs ? `?${qs}` : ""}`);
}

/** POST …/query with filters, order_by, search, select_columns, limit, offset, count_only. */
export async function queryAdvanced<T extends Row = Row>(table: string, opts: AdvancedQuery = {}): Promise<QueryResult<T>> {
  const body: Record<string, unknown> = {};
  for (const key of ADVANCED_KEYS) {
    if (opts && opts[key] !== undefined) body[key] = opts[key];
  }
  return request<QueryResult<T>>("POST", `${readRoot()}/${seg(table)}/query`, body);
}

/** Insert a row: insert(table, {data: {...}}) or insert(table, {...fields}). */
export async function insert<T extends Row = Row>(table: string, payload: unknown): Promise<T> {
  return request<T>("POST", `${writeRoot()}/${seg(table)}`, wrap(payload));
}

/** Update a row (merge): update(table, id, {data: {...}}) or update(table, id, {...fields}). */
export async function update<T extends Row = Row>(table: string, id: string | number, payload: unknown): Promise<T> {
  return request<T>("PATCH", `${writeRoot()}/${seg(table)}/${seg(id)}`, wrap(payload));
}

/** Delete a row. */
export async function remove(table: string, id: string | number): Promise<unknown> {
  return request<unknown>("DELETE", `${writeRoot()}/${seg(table)}/${seg(id)}`);
}
