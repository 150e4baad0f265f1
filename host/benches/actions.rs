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

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const PASSWORD: &str = "bench-password-1234";
const TRIVIAL: &str =
    "def execute(ctx):\n    ctx.response.json({'ok': True, 'n': ctx.params.get('n', 0) + 1})\n";
const QUERIES: &str = "def execute(ctx):\n    total = 0\n    for i in range(100):\n        total += len(ctx.db.query('customers', limit=5, offset=i % 3))\n    ctx.response.json({'rows': total})\n";

/// The 1-minute load average: the figures are only comparable at a
/// similar load (the development machine is shared).
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn summary(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    (pct(&samples, 0.50), pct(&samples, 0.99))
}

async fn post(client: &reqwest::Client, url: &str, token: &str, body: Value) -> Value {
    let response = client
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("send");
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{url}: {status} {body}");
    body
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let n: usize = std::env::var("APPBOX_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let data = tempfile::tempdir().expect("temp dir");
    let mut server = Command::new(env!("CARGO_BIN_EXE_appbox"))
        .arg("serve")
        .env("APPBOX_ADDR", format!("127.0.0.1:{port}"))
        .env("APPBOX_DATA_DIR", data.path())
        .env("APPBOX_ADMIN_PASSWORD", PASSWORD)
        .env("APPBOX_ACTIONS_PER_TENANT", "8")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start appbox");
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let client = reqwest::Client::new();
    let load_before = load();
    let started = Instant::now();
    let token = loop {
        if let Ok(r) = client
            .post(format!("{base}/auth/login"))
            .json(&json!({"email": "admin@appbox.local", "password": PASSWORD}))
            .send()
            .await
        {
            if r.status().is_success() {
                let v: Value = r.json().await.expect("json");
                break v["access_token"].as_str().expect("token").to_owned();
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "appbox did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    let app = post(
        &client,
        &format!("{base}/builder/apps"),
        &token,
        json!({"name": "Bench"}),
    )
    .await;
    let id = app["id"].as_str().expect("id").to_owned();
    post(
        &client,
        &format!("{base}/refs/apps/{id}"),
        &token,
        json!({"table_name": "customers", "columns": ["name", "email"], "permissions": ["read", "create"]}),
    )
    .await;
    for i in 0..20 {
        post(
            &client,
            &format!("{base}/proxy/{id}/customers"),
            &token,
            json!({"data": {"name": format!("Customer {i}"), "email": format!("c{i}@example.com")}}),
        )
        .await;
    }
    let manifest = json!({"actions": [{"name": "trivial", "file": "trivial.py"}, {"name": "queries", "file": "queries.py"}]});
    let response = client
        .patch(format!("{base}/builder/apps/{id}/source/files"))
        .bearer_auth(&token)
        .json(&json!({"files": {"actions/manifest.json": manifest.to_string(), "actions/trivial.py": TRIVIAL, "actions/queries.py": QUERIES}, "expected_version": app["vfs_version"]}))
        .send()
        .await
        .expect("patch");
    assert!(
        response.status().is_success(),
        "{}",
        response.text().await.unwrap_or_default()
    );
    // Publishing trial-loads the actions: the first use compiles (or loads
    // the cached) component.
    let t = Instant::now();
    post(
        &client,
        &format!("{base}/builder/apps/{id}/publish"),
        &token,
        json!({}),
    )
    .await;
    eprintln!(
        "publish (sandbox ready): {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let url = |name: &str| format!("{base}/actions/{id}/{name}");
    for _ in 0..10 {
        post(&client, &url("trivial"), &token, json!({"params": {}})).await;
        post(&client, &url("queries"), &token, json!({"params": {}})).await;
    }
    let mut trivial = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        let out = post(
            &client,
            &url("trivial"),
            &token,
            json!({"params": {"n": i}}),
        )
        .await;
        trivial.push(t.elapsed());
        assert_eq!(out["data"]["n"], i + 1);
    }
    let mut queries = Vec::with_capacity(n / 4);
    for _ in 0..(n / 4).max(10) {
        let t = Instant::now();
        let out = post(&client, &url("queries"), &token, json!({"params": {}})).await;
        queries.push(t.elapsed());
        assert!(out["data"]["rows"].as_u64().unwrap_or(0) > 0, "{out}");
    }
    // 8 concurrent callers.
    let t = Instant::now();
    let per_caller = (n / 8).max(10);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (client, token, url) = (client.clone(), token.clone(), url("trivial"));
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            for _ in 0..per_caller {
                let t = Instant::now();
                post(&client, &url, &token, json!({"params": {}})).await;
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
    let _ = server.kill();
    let _ = server.wait();
}
