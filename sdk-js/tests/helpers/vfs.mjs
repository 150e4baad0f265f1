// Builds apps the way the appbox host does: an in-memory VFS ({path: content}),
// the host-owned SDK files injected as src/<name>, the runtime packages left
// external, everything else resolved from the VFS only (no disk, no packages).

import * as esbuild from "esbuild";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const SDK_DIR = path.join(ROOT, "src");
export const TEMPLATE_DIR = path.join(ROOT, "template");

/** Provided by the runtime page; never bundled (custom-app guide §6, §20.1). */
export const EXTERNALS = [
  "react",
  "react/jsx-runtime",
  "react-dom",
  "react-dom/client",
  "react-router-dom",
  "lucide-react",
  "react-hot-toast",
];

/** Host-owned files, injected into every app as src/<name> (§4). */
export const SDK_FILES = ["api.ts", "db.ts", "action.ts", "data.json", "db.json"];

const EXTENSIONS = [".tsx", ".ts", ".jsx", ".js", ".json", ".css"];
const LOADERS = { ".ts": "ts", ".tsx": "tsx", ".js": "js", ".jsx": "jsx", ".json": "json", ".css": "css" };

/** The SDK as the VFS entries the host injects: {"src/api.ts": "...", ...}. */
export function sdkVfs() {
  return Object.fromEntries(SDK_FILES.map((name) => [`src/${name}`, readFileSync(path.join(SDK_DIR, name), "utf8")]));
}

/** Every file under template/ as {relative posix path: content}. */
export function templateVfs() {
  const files = {};
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else files[path.relative(TEMPLATE_DIR, full).split(path.sep).join("/")] = readFileSync(full, "utf8");
    }
  };
  walk(TEMPLATE_DIR);
  return files;
}

function resolveIn(vfs, base) {
  if (vfs.has(base)) return base;
  for (const ext of EXTENSIONS) if (vfs.has(base + ext)) return base + ext;
  for (const ext of EXTENSIONS) if (vfs.has(`${base}/index${ext}`)) return `${base}/index${ext}`;
  return null;
}

/** esbuild plugin: the VFS is the only file system; bare imports other than `externals` fail. */
export function vfsPlugin(files, externals = EXTERNALS) {
  const vfs = new Map(Object.entries(files).map(([p, c]) => ["/" + p.replace(/^\/+/, ""), c]));
  const external = new Set(externals);
  return {
    name: "vfs",
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === "entry-point") {
          const hit = resolveIn(vfs, "/" + args.path.replace(/^(\.\/|\/)+/, ""));
          return hit ? { path: hit, namespace: "vfs" } : { errors: [{ text: `entry ${args.path} missing` }] };
        }
        if (args.kind === "dynamic-import") return { errors: [{ text: `dynamic import("${args.path}") is not allowed` }] };
        if (external.has(args.path)) return { path: args.path, external: true };
        if (args.path.startsWith("./") || args.path.startsWith("../")) {
          const hit = resolveIn(vfs, path.posix.join(path.posix.dirname(args.importer), args.path));
          return hit ? { path: hit, namespace: "vfs" } : { errors: [{ text: `Could not resolve "${args.path}" from ${args.importer}` }] };
        }
        return { errors: [{ text: `import "${args.path}" is not allowed here (externals: ${[...external].join(", ") || "none"})` }] };
      });
      build.onLoad({ filter: /.*/, namespace: "vfs" }, (args) => {
        const loader = LOADERS[path.posix.extname(args.path)];
        if (!loader) return { errors: [{ text: `no loader for ${args.path}` }] };
        return { contents: vfs.get(args.path), loader };
      });
    },
  };
}

/** Bundle `entry` from `files`; resolves to {js, css} text. Rejects with esbuild's errors. */
export async function bundle(files, entry, { format = "esm", externals = EXTERNALS } = {}) {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    outdir: "/out",
    format,
    platform: "browser",
    target: "es2020",
    jsx: "automatic",
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "silent",
    plugins: [vfsPlugin(files, externals)],
  });
  const out = { js: "", css: "" };
  for (const file of result.outputFiles) {
    if (file.path.endsWith(".js")) out.js = file.text;
    else if (file.path.endsWith(".css")) out.css = file.text;
  }
  return out;
}

/** Import ESM source text as a module (no disk). */
export function importSource(js) {
  return import(`data:text/javascript;base64,${Buffer.from(js).toString("base64")}`);
}
