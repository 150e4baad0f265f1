// appbox Server Action SDK (src/action.ts) — host-owned.
//
// appbox injects this file into every app's VFS and overwrites any copy the
// app brings (custom-app guide §4). It implements §7/§8: runAction() runs an
// action from actions/manifest.json and resolves to {data, file}, where data
// is what the Python code passed to ctx.response.json() and file is what it
// produced with ctx.csv.export (or null).
//
// The guide names no route; appbox posts {"params": {...}} to
//   {base}/actions/{__APP_ID__}/{name}        a platform member (internal apps),
//   {base}/ext/actions/{name}                 an app user (external and self-built apps), or
//   {base}/pub/actions/{__APP_SLUG__}/{name}  anonymous ("public" actions only)
// and reads {"data": ..., "file": ...} back; an answer without "data" is the data.
//
// Errors: see api.ts (an Error with .status and .body).

import { isAppUserToken, request, runtimeConfig, seg } from "./api";

/** A file produced by an action: inline base64 content or a URL to fetch it from. */
export interface ActionFile {
  filename?: string;
  content_type?: string;
  content_base64?: string;
  url?: string;
}

export interface ActionResult<T = any> {
  data: T;
  file: ActionFile | null;
}

/** Run a server-side action by its manifest name. */
export async function runAction<T = any>(name: string, params: Record<string, unknown> = {}): Promise<ActionResult<T>> {
  const { base, token, appId, slug } = runtimeConfig();
  const url = !token
    ? `${base}/pub/actions/${seg(slug)}/${seg(name)}`
    : isAppUserToken(token)
      ? `${base}/ext/actions/${seg(name)}`
      : `${base}/actions/${seg(appId)}/${seg(name)}`;
  const payload = await request<unknown>("POST", url, { params: params ?? {} }, token);
  if (typeof payload === "object" && payload !== null && !Array.isArray(payload) && "data" in payload) {
    const envelope = payload as { data?: unknown; file?: unknown };
    const file = typeof envelope.file === "object" && envelope.file !== null ? (envelope.file as ActionFile) : null;
    return { data: (envelope.data ?? null) as T, file };
  }
  return { data: payload as T, file: null };
}

/** Save a file returned by runAction() through a temporary link (no-op for null). */
export function downloadFile(file: ActionFile | null | undefined): void {
  if (!file) return;
  const link = document.createElement("a");
  link.download = file.filename || "download";
  link.rel = "noopener";
  let objectUrl: string | null = null;
  if (file.url) {
    link.href = file.url;
  } else {
    const binary = atob(file.content_base64 || "");
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    objectUrl = URL.createObjectURL(new Blob([bytes], { type: file.content_type || "application/octet-stream" }));
    link.href = objectUrl;
  }
  // The link must be in a document for Firefox to follow it; document.body is
  // outside the app's shadow root, which is fine for a click that saves a file.
  document.body.appendChild(link);
  link.click();
  link.remove();
  if (objectUrl) {
    const url = objectUrl;
    // Revoking at once can cancel the download in some browsers.
    window.setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
}
