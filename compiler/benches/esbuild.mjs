// Times esbuild on the same VFS apps as appbox's compiler bench, in memory:
// an esbuild plugin resolves and loads every file from the VFS, the runtime
// packages stay external, output is a minified IIFE for ES2020 with the
// automatic JSX runtime — the setup of ../shared/esbuild-baseline.
//
//   node esbuild.mjs RUNS APP.json [APP.json …]   → one JSON line per app
//
// esbuild comes from sdk-js's dev dependencies (npm ci in sdk-js/).

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const sdkDir = path.join(here, "..", "..", "sdk-js");
const esbuild = createRequire(path.join(sdkDir, "package.json"))("esbuild");

const EXTERNALS = new Set(["react", "react/jsx-runtime", "react-dom", "react-dom/client", "react-router-dom", "lucide-react", "react-hot-toast"]);
const EXTENSIONS = [".tsx", ".ts", ".jsx", ".js", ".mjs", ".json", ".css"];
const LOADERS = { ".ts": "ts", ".tsx": "tsx", ".js": "js", ".jsx": "jsx", ".mjs": "js", ".json": "json", ".css": "css", ".txt": "text", ".md": "text", ".svg": "dataurl" };
const SDK = Object.fromEntries(
  ["api.ts", "db.ts", "action.ts", "data.json", "db.json"].map((name) => [`/src/${name}`, readFileSync(path.join(sdkDir, "src", name), "utf8")]),
);

function resolveIn(vfs, base) {
  if (vfs.has(base)) return base;
  for (const ext of EXTENSIONS) if (vfs.has(base + ext)) return base + ext;
  for (const ext of EXTENSIONS) if (vfs.has(`${base}/index${ext}`)) return `${base}/index${ext}`;
  return null;
}

function plugin(vfs) {
  return {
    name: "vfs",
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === "entry-point") return { path: "/" + args.path, namespace: "vfs" };
        if (EXTERNALS.has(args.path)) return { path: args.path, external: true };
        const base = path.posix.join(path.posix.dirname(args.importer), args.path);
        const hit = resolveIn(vfs, base);
        return hit ? { path: hit, namespace: "vfs" } : { errors: [{ text: `Could not resolve "${args.path}"` }] };
      });
      build.onLoad({ filter: /.*/, namespace: "vfs" }, (args) => ({
        contents: vfs.get(args.path),
        loader: LOADERS[path.posix.extname(args.path)] ?? "js",
      }));
    },
  };
}

const options = (vfs) => ({
  entryPoints: ["src/main.tsx"],
  bundle: true,
  write: false,
  outdir: "out",
  format: "iife",
  platform: "browser",
  target: "es2020",
  jsx: "automatic",
  minify: true,
  logLevel: "silent",
  plugins: [plugin(vfs)],
});

const [runs, ...apps] = process.argv.slice(2);
for (const file of apps) {
  const app = JSON.parse(readFileSync(file, "utf8"));
  const vfs = new Map(Object.entries(app).map(([p, c]) => ["/" + p, c]));
  for (const [p, c] of Object.entries(SDK)) if (!vfs.has(p)) vfs.set(p, c);
  for (let i = 0; i < 3; i++) await esbuild.build(options(vfs));
  const times = [];
  let bytes = 0;
  for (let i = 0; i < Number(runs); i++) {
    const t0 = performance.now();
    const result = await esbuild.build(options(vfs));
    times.push(performance.now() - t0);
    bytes = result.outputFiles.reduce((n, f) => n + f.contents.byteLength, 0);
  }
  times.sort((a, b) => a - b);
  const median = times.length % 2 ? times[times.length >> 1] : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
  console.log(JSON.stringify({ app: path.basename(file, ".json"), ms_median: median, bytes }));
}
await esbuild.stop?.();
