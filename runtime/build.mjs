// Builds dist/appbox-runtime.js, the file the appbox binary embeds and
// serves. The build is deterministic (pinned esbuild and packages, no
// timestamps or absolute paths), so `node build.mjs --check` can prove the
// committed file is exactly what these sources and package-lock.json give.
import { build } from "esbuild";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "dist", "appbox-runtime.js");

const result = await build({
  entryPoints: [join(here, "src", "index.ts")],
  absWorkingDir: here,
  bundle: true,
  format: "iife",
  platform: "browser",
  target: ["es2020"],
  minify: true,
  legalComments: "eof",
  charset: "utf8",
  define: { "process.env.NODE_ENV": '"production"' },
  write: false,
  logLevel: "warning",
});
const built = result.outputFiles[0].contents;

if (process.argv.includes("--check")) {
  let committed;
  try {
    committed = readFileSync(out);
  } catch {
    committed = Buffer.alloc(0);
  }
  if (!Buffer.from(built).equals(committed)) {
    console.error(`runtime/dist/appbox-runtime.js does not match its sources: run \`npm run build\` in runtime/ and commit the result`);
    process.exit(1);
  }
  console.log(`runtime/dist/appbox-runtime.js matches its sources (${committed.length} bytes)`);
} else {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, built);
  console.log(`wrote ${out} (${built.length} bytes)`);
}
