//! `cargo bench -p appbox-host --bench actions`: server-side Python actions
//! over HTTP against this build (SQLite), printed side by side with a fresh
//! `python3` subprocess per call running the same code:
//!
//! - a trivial action (`ctx.response.json({...})`), sequential, p50/p99;
//! - an action making 100 `ctx.db.query` calls, sequential, p50/p99;
//! - the trivial action from 8 concurrent callers: p50/p99 and runs/s.
//!
//! The PyO3 engine of the issue is not built (see README "Actions"), so its
//! column is absent. `APPBOX_BENCH_N` sets the sequential call count. The
//! table's first line names the profile (`--profile dev` or the default
//! bench profile, i.e. release) and the machine's load average, without
//! which figures from a shared machine cannot be compared.

mod server;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;
use server::{load, Server};

const TRIVIAL: &str =
    "def execute(ctx):\n    ctx.response.json({'ok': True, 'n': ctx.params.get('n', 0) + 1})\n";
const QUERIES: &str = "def execute(ctx):\n    total = 0\n    for i in range(100):\n        total += len(ctx.db.query('customers', limit=5, offset=i % 3))\n    ctx.response.json({'rows': total})\n";

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn summary(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    (pct(&samples, 0.50), pct(&samples, 0.99))
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let n: usize = std::env::var("APPBOX_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let server = Arc::new(Server::start(&[("APPBOX_ACTIONS_PER_TENANT", "8")]).await);
    let load_before = load();

    let app = server.post("/builder/apps", json!({"name": "Bench"})).await;
    let id = app["id"].as_str().expect("id").to_owned();
    server.post(&format!("/refs/apps/{id}"), json!({"table_name": "customers", "columns": ["name", "email"], "permissions": ["read", "create"]}),
    )
    .await;
    for i in 0..20 {
        server.post(&format!("/proxy/{id}/customers"), json!({"data": {"name": format!("Customer {i}"), "email": format!("c{i}@example.com")}}),
        )
        .await;
    }
    let manifest = json!({"actions": [{"name": "trivial", "file": "trivial.py"}, {"name": "queries", "file": "queries.py"}]});
    server
        .send(
            Method::PATCH,
            &format!("/builder/apps/{id}/source/files"),
            json!({"files": {"actions/manifest.json": manifest.to_string(), "actions/trivial.py": TRIVIAL, "actions/queries.py": QUERIES}, "expected_version": app["vfs_version"]}),
        )
        .await;
    // Publishing trial-loads the actions: the first use compiles (or loads
    // the cached) component.
    let t = Instant::now();
    server
        .post(&format!("/builder/apps/{id}/publish"), json!({}))
        .await;
    eprintln!(
        "publish (sandbox ready): {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let url = |name: &str| format!("/actions/{id}/{name}");
    for _ in 0..10 {
        server.post(&url("trivial"), json!({"params": {}})).await;
        server.post(&url("queries"), json!({"params": {}})).await;
    }
    let mut trivial = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        let out = server
            .post(&url("trivial"), json!({"params": {"n": i}}))
            .await;
        trivial.push(t.elapsed());
        assert_eq!(out["data"]["n"], i + 1);
    }
    let mut queries = Vec::with_capacity(n / 4);
    for _ in 0..(n / 4).max(10) {
        let t = Instant::now();
        let out = server.post(&url("queries"), json!({"params": {}})).await;
        queries.push(t.elapsed());
        assert!(out["data"]["rows"].as_u64().unwrap_or(0) > 0, "{out}");
    }
    // 8 concurrent callers.
    let t = Instant::now();
    let per_caller = (n / 8).max(10);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (server, url) = (server.clone(), url("trivial"));
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            for _ in 0..per_caller {
                let t = Instant::now();
                server.post(&url, json!({"params": {}})).await;
                samples.push(t.elapsed());
            }
            samples
        }));
    }
    let mut concurrent = Vec::new();
    for task in tasks {
        concurrent.extend(task.await.expect("caller"));
    }
    let wall = t.elapsed();
    let runs = concurrent.len();

    // The same code in a fresh python3 per call.
    let script = format!(
        "import json\nclass R:\n    def json(self, d): print(json.dumps(d))\nclass C:\n    params = {{'n': 1}}\n    response = R()\n{TRIVIAL}\nexecute(C())\n"
    );
    let mut python = Vec::new();
    for _ in 0..(n / 4).max(10) {
        let t = Instant::now();
        let status = Command::new("python3")
            .args(["-c", &script])
            .stdout(Stdio::null())
            .status()
            .expect("python3");
        python.push(t.elapsed());
        assert!(status.success());
    }

    let (t50, t99) = summary(trivial);
    let (q50, q99) = summary(queries);
    let (c50, c99) = summary(concurrent);
    let (p50, p99) = summary(python);
    println!();
    println!(
        "profile: {} (debug assertions {}); load average {load_before} at start, {} at end; {} cores",
        if cfg!(debug_assertions) { "dev" } else { "bench/release" },
        if cfg!(debug_assertions) { "on" } else { "off" },
        load(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    println!("| workload | appbox (wasm sandbox, over HTTP) p50 / p99 | fresh python3 per call p50 / p99 |");
    println!("|---|---|---|");
    println!("| trivial action, sequential | {t50:.2} / {t99:.2} ms | {p50:.2} / {p99:.2} ms |");
    println!("| 100 ctx.db.query calls | {q50:.2} / {q99:.2} ms | — |");
    println!(
        "| trivial, 8 concurrent callers | {c50:.2} / {c99:.2} ms ({:.0} runs/s) | — |",
        runs as f64 / wall.as_secs_f64()
    );
    println!("(targets: trivial p50 ≤ 5 ms, 100 queries p50 ≤ 20 ms)");
}
