//! `cargo bench -p appbox-host --bench compile`: appbox's compile API over
//! HTTP (this build's server, SQLite) and its compiler library beside the
//! fastest bundlers at their best (esbuild, Bun and Rolldown building from
//! files, run by `../shared/compile-anchors/anchors.mjs` as a child
//! process), in one run, on the corpus apps `small`, `medium` and `large`.
//!
//! For each app: the median cold compile (the library: a fresh module cache
//! each time; the API: content the server never compiled, every source file
//! changed and a file added, so that no import graph is kept either), the median one-file edit (a page changes; the API: written with
//! the source API first, the compile request timed until its whole answer is
//! read), JS and CSS bytes, all minified; appbox's bytes again on the
//! anchors' input (their reference SDK files instead of the host's, which
//! differ); then, for medium and large, where a cold compile and an edit
//! spend their time, stage by stage, and the API's `Server-Timing` of its
//! median edit. Then, for medium and large, the API's cold compiles against
//! esbuild's builds in the same minutes: `BENCH_ROUNDS` rounds (default 3)
//! of the API's runs then the anchors', and each round's ratio of medians
//! (the machine's speed drifts between minutes by more than the
//! difference).
//!
//! `BENCH_RUNS` (default 9) sets the timed runs; `BENCH_OUT` a folder to
//! write appbox's bundles to (APP.js, APP.css); `APPBOX_ANCHORS` the anchors
//! folder (default `../shared/compile-anchors`; it needs `npm ci`, so copy it
//! somewhere writable if `../shared` is read-only). Without its
//! `node_modules` the anchors' columns are left empty and the bench says why.

mod server;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use appbox_compiler::{compile, CompileOptions, ModuleCache, Output, Timings};
use reqwest::Method;
use serde_json::{json, Value};
use server::{load as load_average, Server};

const APPS: [&str; 3] = ["small", "medium", "large"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn shared() -> PathBuf {
    root().join("../shared")
}

fn load(name: &str) -> BTreeMap<String, String> {
    let path = shared().join("corpus").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("corpus app")
}

/// The SDK files in `dir`, at the paths the host injects them.
fn sdk_files(dir: &Path) -> BTreeMap<String, String> {
    ["api.ts", "db.ts", "action.ts", "data.json", "db.json"]
        .iter()
        .map(|name| {
            let path = dir.join(name);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (format!("src/{name}"), text)
        })
        .collect()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// One anchor bundler's figures for one app.
struct Anchor {
    bundler: String,
    ms_median: f64,
    js_bytes: u64,
}

/// Runs the anchors script on `apps`; by app, each bundler's figures.
fn anchors(apps: &[&str], runs: usize) -> Result<BTreeMap<String, Vec<Anchor>>, String> {
    let dir = std::env::var_os("APPBOX_ANCHORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| shared().join("compile-anchors"));
    if !dir.join("node_modules").exists() {
        return Err(format!(
            "{} has no node_modules: copy it somewhere writable, `npm ci` there and set APPBOX_ANCHORS to it",
            dir.display()
        ));
    }
    let output = Command::new("node")
        .arg(dir.join("anchors.mjs"))
        .args(apps)
        .args(["--runs", &runs.to_string(), "--shared"])
        .arg(shared())
        .output()
        .map_err(|e| format!("node: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "the anchors failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let mut by_app: BTreeMap<String, Vec<Anchor>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let (Some(app), Some(bundler), Some(ms_median), Some(js_bytes)) = (
            v["app"].as_str(),
            v["bundler"].as_str(),
            v["ms_median"].as_f64(),
            v["js_bytes"].as_u64(),
        ) else {
            continue;
        };
        by_app.entry(app.to_owned()).or_default().push(Anchor {
            bundler: bundler.to_owned(),
            ms_median,
            js_bytes,
        });
    }
    Ok(by_app)
}

/// appbox's figures for one app: medians and the timings of the median runs.
struct Ours {
    cold_ms: f64,
    edit_ms: f64,
    output: Output,
    cold: Timings,
    edit: Timings,
}

/// Times `runs` compiles; returns the median and the timings of the run
/// closest to it.
fn timed(runs: usize, mut run: impl FnMut(usize) -> Output) -> (f64, Timings) {
    let results: Vec<(f64, Timings)> = (0..runs)
        .map(|i| {
            let start = Instant::now();
            let output = run(i);
            (ms(start.elapsed()), output.timings)
        })
        .collect();
    let mid = median(results.iter().map(|r| r.0).collect());
    let (_, timings) = results
        .into_iter()
        .min_by(|a, b| (a.0 - mid).abs().total_cmp(&(b.0 - mid).abs()))
        .expect("runs > 0");
    (mid, timings)
}

fn measure(app: &str, runs: usize, sdk: &BTreeMap<String, String>) -> Ours {
    let options = CompileOptions::default();
    let mut files = load(app);
    let output = compile(&files, sdk, &options, &ModuleCache::new()).expect("warm-up compile");
    let (cold_ms, cold) = timed(runs, |_| {
        compile(&files, sdk, &options, &ModuleCache::new()).expect("compile")
    });
    // A one-file edit: a statement added to a page (or the entry) each
    // run, warm cache. (Not an export: one no module imports would send
    // the page through tree shaking as well, which a usual edit does not.)
    let page = edited_page(&files);
    let original = files[&page].clone();
    let cache = ModuleCache::new();
    compile(&files, sdk, &options, &cache).expect("warm the cache");
    let (edit_ms, edit) = timed(runs, |i| {
        files.insert(
            page.clone(),
            format!("{original}\nconsole.debug(\"bench edit {i}\");\n"),
        );
        compile(&files, sdk, &options, &cache).expect("recompile")
    });
    Ours {
        cold_ms,
        edit_ms,
        output,
        cold,
        edit,
    }
}

/// The compile API's figures for one app.
struct Api {
    cold_ms: f64,
    edit_ms: f64,
    js_bytes: usize,
    css_bytes: usize,
    /// The `Server-Timing` headers of the median cold compile and edit.
    cold_timing: String,
    edit_timing: String,
}

/// The page a one-file edit changes (the entry when there is none).
fn edited_page(files: &BTreeMap<String, String>) -> String {
    files
        .keys()
        .find(|p| p.starts_with("src/pages/") && p.ends_with(".tsx"))
        .cloned()
        .unwrap_or_else(|| appbox_compiler::ENTRY.to_owned())
}

/// Compiles the app over HTTP, timed until the whole answer is read; the
/// time, the answer and its `Server-Timing` header.
async fn compile_over_http(server: &Server, id: &str) -> (f64, Value, String) {
    let start = Instant::now();
    let response = server
        .client
        .post(format!("{}/compile/compile/{id}", server.base))
        .bearer_auth(&server.token)
        .send()
        .await
        .expect("compile");
    let timing = response
        .headers()
        .get("server-timing")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.bytes().await.expect("answer");
    let elapsed = ms(start.elapsed());
    let answer: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(answer["success"], true, "{}", answer["error"]);
    (elapsed, answer, timing)
}

/// Cold compiles of the app `id` holding `files`, one per mark: every
/// source file changes and a file is added, so no module, no result and no
/// import graph is cached (the server caches by content: a mark must not
/// have been used before, for any app); the write is not timed.
async fn cold_over_http(
    server: &Server,
    id: &str,
    files: &BTreeMap<String, String>,
    marks: std::ops::Range<usize>,
) -> Vec<(f64, String)> {
    let mut cold = Vec::with_capacity(marks.len());
    for i in marks {
        let mut changed: BTreeMap<&String, String> = files
            .iter()
            .filter_map(|(path, text)| {
                let mark = if path.ends_with(".css") {
                    format!("\n/* cold {i} */\n")
                } else if [".ts", ".tsx", ".js", ".jsx"]
                    .iter()
                    .any(|e| path.ends_with(e))
                {
                    format!("\n// cold {i}\n")
                } else {
                    return None;
                };
                Some((path, format!("{text}{mark}")))
            })
            .collect();
        let added = format!("src/cold-{i}.txt");
        changed.insert(&added, format!("cold {i}\n"));
        write(server, id, json!(changed)).await;
        let (elapsed, _, timing) = compile_over_http(server, id).await;
        cold.push((elapsed, timing));
    }
    cold
}

/// The median time of `runs` (time, `Server-Timing`), and the header of the
/// run closest to it.
fn median_with_timing(runs: Vec<(f64, String)>) -> (f64, String) {
    let mid = median(runs.iter().map(|r| r.0).collect());
    let timing = runs
        .into_iter()
        .min_by(|a, b| (a.0 - mid).abs().total_cmp(&(b.0 - mid).abs()))
        .map(|r| r.1)
        .unwrap_or_default();
    (mid, timing)
}

/// Cold compiles over the API and esbuild's builds in the same minutes:
/// `rounds` rounds of `runs` cold compiles of each app, each followed by
/// the anchors' `runs` builds of it. The machine's speed drifts between
/// minutes (esbuild's median build of large took 278-406 ms in one hour's
/// runs), more than the difference measured, so a ratio of figures taken
/// minutes apart says little. By app, each round's medians: (API cold,
/// esbuild).
async fn same_window(
    server: &Server,
    runs: usize,
    rounds: usize,
) -> Vec<(&'static str, Vec<(f64, f64)>)> {
    let mut by_app = Vec::new();
    for app in ["medium", "large"] {
        let files = load(app);
        let created = server
            .post(
                "/builder/apps",
                json!({ "name": format!("{app} same window") }),
            )
            .await;
        let id = created["id"].as_str().expect("id").to_owned();
        write(server, &id, json!(files)).await;
        compile_over_http(server, &id).await;
        let mut pairs = Vec::with_capacity(rounds);
        for round in 0..rounds {
            // Marks past those of `measure_api`: the server caches by content.
            let first = 10_000 + round * runs;
            let cold = cold_over_http(server, &id, &files, first..first + runs).await;
            let anchors = match anchors(&[app], runs) {
                Ok(anchors) => anchors,
                Err(why) => {
                    println!("(same window, {app}: {why})");
                    break;
                }
            };
            let esbuild = anchors
                .get(app)
                .into_iter()
                .flatten()
                .find(|a| a.bundler.starts_with("esbuild"))
                .map(|a| a.ms_median);
            if let Some(esbuild) = esbuild {
                pairs.push((median_with_timing(cold).0, esbuild));
            }
        }
        by_app.push((app, pairs));
    }
    by_app
}

/// Writes `files` into the app (only what changed is sent).
async fn write(server: &Server, id: &str, files: Value) {
    server
        .send(
            Method::PATCH,
            &format!("/builder/apps/{id}/source/files"),
            json!({ "files": files }),
        )
        .await;
}

async fn measure_api(server: &Server, app: &str, runs: usize) -> Api {
    let files = load(app);
    let created = server.post("/builder/apps", json!({ "name": app })).await;
    let id = created["id"].as_str().expect("id").to_owned();
    write(server, &id, json!(files)).await;
    let (_, answer, _) = compile_over_http(server, &id).await;
    let cold = cold_over_http(server, &id, &files, 0..runs).await;
    // A one-file edit, as the library's: the server compiled the app just
    // before.
    write(server, &id, json!(files)).await;
    compile_over_http(server, &id).await;
    let page = edited_page(&files);
    let original = files[&page].clone();
    let mut edits = Vec::with_capacity(runs);
    for i in 0..runs {
        let text = format!("{original}\nconsole.debug(\"bench edit {i}\");\n");
        write(server, &id, json!(BTreeMap::from([(&page, text)]))).await;
        let (elapsed, _, timing) = compile_over_http(server, &id).await;
        edits.push((elapsed, timing));
    }
    let (cold_ms, cold_timing) = median_with_timing(cold);
    let (edit_ms, edit_timing) = median_with_timing(edits);
    Api {
        cold_ms,
        edit_ms,
        js_bytes: answer["bundle_js"].as_str().map_or(0, str::len),
        css_bytes: answer["css"].as_str().map_or(0, str::len),
        cold_timing,
        edit_timing,
    }
}

fn print_stages(app: &str, ours: &Ours) {
    println!(
        "\n{app}: where the time goes (the median run; module stages are CPU time summed over the modules compiled, steps are wall time)"
    );
    println!("{:<28} {:>10} {:>10}", "", "cold ms", "edit ms");
    println!(
        "{:<28} {:>10} {:>10}",
        "modules compiled", ours.cold.modules_compiled, ours.edit.modules_compiled
    );
    for (i, (stage, cold)) in ours.cold.module_stages.iter().enumerate() {
        let edit = ours.edit.module_stages.get(i).map_or(0.0, |s| ms(s.1));
        println!("  {stage:<26} {:>10.2} {edit:>10.2}", ms(*cold));
    }
    for (i, (step, cold)) in ours.cold.steps.iter().enumerate() {
        let edit = ours.edit.steps.get(i).map_or(0.0, |s| ms(s.1));
        println!("{step:<28} {:>10.2} {edit:>10.2}", ms(*cold));
    }
    println!(
        "{:<28} {:>10.2} {:>10.2}",
        "total (median)", ours.cold_ms, ours.edit_ms
    );
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    // `cargo bench` passes `--bench`; nothing else is understood.
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(9)
        .max(1);
    let sdk = sdk_files(&root().join("sdk-js/src"));
    // The anchors build each app with the reference SDK files of
    // `esbuild-baseline/sdk-reference`, not the host's: appbox's bytes on
    // exactly those files too, for a like-for-like size comparison.
    let reference = sdk_files(&shared().join("esbuild-baseline/sdk-reference"));
    let load_before = load_average();
    let anchors = anchors(&APPS, runs);
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let (api, same_window) = {
        let server = Server::start(&[]).await;
        let mut api = Vec::new();
        for app in APPS {
            api.push(measure_api(&server, app, runs).await);
        }
        let same_window = match &anchors {
            Ok(_) => same_window(&server, runs, rounds).await,
            Err(_) => Vec::new(),
        };
        (api, same_window)
    };
    let ours: Vec<(&str, Ours)> = APPS
        .iter()
        .map(|app| (*app, measure(app, runs, &sdk)))
        .collect();
    if let Some(dir) = std::env::var_os("BENCH_OUT") {
        for (app, ours) in &ours {
            let dir = Path::new(&dir);
            std::fs::write(dir.join(format!("{app}.js")), &ours.output.bundle_js).expect("write");
            std::fs::write(dir.join(format!("{app}.css")), &ours.output.css).expect("write");
        }
    }

    println!(
        "minified, median of {runs} runs, {} cores, profile {}, load average {load_before} at start, {} at end; edit = one page changes, warm module cache",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        if cfg!(debug_assertions) { "dev" } else { "bench/release" },
        load_average(),
    );
    println!(
        "{:<7} {:<38} {:>9} {:>9} {:>10} {:>9}",
        "app", "bundler", "cold ms", "edit ms", "JS bytes", "CSS bytes"
    );
    for ((app, ours), api) in ours.iter().zip(&api) {
        println!(
            "{app:<7} {:<38} {:>9.1} {:>9.1} {:>10} {:>9}",
            "appbox compile API (HTTP)", api.cold_ms, api.edit_ms, api.js_bytes, api.css_bytes
        );
        println!(
            "{app:<7} {:<38} {:>9.1} {:>9.1} {:>10} {:>9}",
            "appbox compiler (library)",
            ours.cold_ms,
            ours.edit_ms,
            ours.output.bundle_js.len(),
            ours.output.css.len()
        );
        let same_input = compile(
            &load(app),
            &reference,
            &CompileOptions::default(),
            &ModuleCache::new(),
        )
        .expect("compile with the reference SDK");
        println!(
            "{app:<7} {:<38} {:>9} {:>9} {:>10} {:>9}",
            "appbox compiler, the anchors' SDK files",
            "-",
            "-",
            same_input.bundle_js.len(),
            same_input.css.len()
        );
        if let Ok(anchors) = &anchors {
            for anchor in anchors.get(*app).into_iter().flatten() {
                println!(
                    "{app:<7} {:<38} {:>9.1} {:>9} {:>10} {:>9}",
                    anchor.bundler, anchor.ms_median, "-", anchor.js_bytes, "-"
                );
            }
        }
    }
    if let Err(why) = &anchors {
        println!("(no anchors: {why})");
    }
    for (app, pairs) in &same_window {
        let show =
            |f: &dyn Fn(&(f64, f64)) -> String| pairs.iter().map(f).collect::<Vec<_>>().join(" / ");
        println!(
            "{app:<7} same window, API cold / esbuild by round: {} (API {} ms, esbuild {} ms)",
            show(&|(api, esbuild)| format!("{:.2}x", api / esbuild)),
            show(&|(api, _)| format!("{api:.1}")),
            show(&|(_, esbuild)| format!("{esbuild:.1}")),
        );
    }
    for ((app, ours), api) in ours.iter().zip(&api) {
        if *app != "small" {
            print_stages(app, ours);
            println!(
                "compile API, Server-Timing of the median cold compile (ms): {}",
                api.cold_timing
            );
            println!(
                "compile API, Server-Timing of the median edit (ms): {}",
                api.edit_timing
            );
        }
    }
}
