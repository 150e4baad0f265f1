//! `cargo bench -p appbox-compiler`: appbox's compiler against esbuild on
//! the corpus apps of ../shared/corpus, in the same run, on the same input.
//!
//! For each app: the median of cold compiles (a fresh module cache each
//! time, minified) beside esbuild's median (its JS API with an in-memory
//! plugin, minified, via benches/esbuild.mjs), and the ratio. For medium: the
//! median recompile after a one-file edit with a warm cache, as a share of
//! the cold compile. Set BENCH_RUNS to change the number of runs (default 15).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use appbox_compiler::{compile, CompileOptions, ModuleCache};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn load(name: &str) -> BTreeMap<String, String> {
    let path = root().join("../shared/corpus").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("corpus app")
}

fn sdk() -> BTreeMap<String, String> {
    ["api.ts", "db.ts", "action.ts", "data.json", "db.json"]
        .iter()
        .map(|name| {
            (
                format!("src/{name}"),
                std::fs::read_to_string(root().join("sdk-js/src").join(name)).expect("sdk file"),
            )
        })
        .collect()
}

fn median(mut times: Vec<Duration>) -> f64 {
    times.sort();
    let mid = times.len() / 2;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    if times.len() % 2 == 1 {
        ms(times[mid])
    } else {
        (ms(times[mid - 1]) + ms(times[mid])) / 2.0
    }
}

/// esbuild's median milliseconds and output bytes (JS + CSS), by app.
fn esbuild_medians(runs: usize, apps: &[&str]) -> BTreeMap<String, (f64, u64)> {
    let files: Vec<PathBuf> = apps
        .iter()
        .map(|a| root().join("../shared/corpus").join(format!("{a}.json")))
        .collect();
    let output = Command::new("node")
        .arg(root().join("compiler/benches/esbuild.mjs"))
        .arg(runs.to_string())
        .args(&files)
        .output()
        .expect("node (esbuild comes from sdk-js: run `npm ci` in sdk-js/)");
    assert!(
        output.status.success(),
        "esbuild bench failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|v| {
            Some((
                v["app"].as_str()?.to_owned(),
                (v["ms_median"].as_f64()?, v["bytes"].as_u64()?),
            ))
        })
        .collect()
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is understood.
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(15);
    let apps = ["small", "medium", "large"];
    let sdk = sdk();
    let options = CompileOptions::default();

    let esbuild = esbuild_medians(runs, &apps);
    println!(
        "cold compile, minified, median of {runs} runs ({} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:<8} {:>10} {:>11} {:>15} {:>10} {:>11}",
        "app", "appbox ms", "esbuild ms", "appbox/esbuild", "appbox KB", "esbuild KB"
    );
    let mut cold = BTreeMap::new();
    for app in apps {
        let files = load(app);
        let output = compile(&files, &sdk, &options, &ModuleCache::new()).expect("warm-up compile");
        let our_kb = (output.bundle_js.len() + output.css.len()) as f64 / 1024.0;
        let times: Vec<Duration> = (0..runs)
            .map(|_| {
                let cache = ModuleCache::new();
                let start = Instant::now();
                compile(&files, &sdk, &options, &cache).expect("compile");
                start.elapsed()
            })
            .collect();
        let ours = median(times);
        cold.insert(app, ours);
        let (theirs, their_bytes) = esbuild.get(app).copied().unwrap_or((f64::NAN, 0));
        let their_kb = their_bytes as f64 / 1024.0;
        println!(
            "{app:<8} {ours:>10.1} {theirs:>11.1} {:>14.2}x {our_kb:>10.0} {their_kb:>11.0}",
            ours / theirs
        );
    }

    // One-file edit of medium with a warm cache: change a page each run.
    let mut files = load("medium");
    let cache = ModuleCache::new();
    compile(&files, &sdk, &options, &cache).expect("warm the cache");
    let page = files
        .keys()
        .find(|p| p.starts_with("src/pages/") && p.ends_with(".tsx"))
        .cloned()
        .expect("a page");
    let original = files[&page].clone();
    let times: Vec<Duration> = (0..runs)
        .map(|i| {
            files.insert(
                page.clone(),
                format!("{original}\nexport const benchEdit{i} = {i};\n"),
            );
            let start = Instant::now();
            compile(&files, &sdk, &options, &cache).expect("recompile");
            start.elapsed()
        })
        .collect();
    let edit = median(times);
    let medium_cold = cold["medium"];
    println!("\none-file edit of medium ({page}), warm cache");
    println!(
        "recompile {edit:.1} ms = {:.0}% of the cold compile ({medium_cold:.1} ms)",
        edit / medium_cold * 100.0
    );
}
