//! The sandbox on its own: a trivial host, the hostile cases that need no
//! HTTP. (The HTTP routes, ctx.db and the run log: tests/e2e/actions.rs.)

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use appbox_actions::{ActionError, CtxError, CtxHost, Limits, Request, Sandbox, SandboxConfig};
use serde_json::{json, Value};

struct EchoHost;

#[async_trait::async_trait]
impl CtxHost for EchoHost {
    async fn call(&self, method: &str, args: Value) -> Result<Value, CtxError> {
        match method {
            "db.query" if args["table"] == "customers" => Ok(json!({"data": [{"name": "A"}]})),
            "db.query" => Err(CtxError {
                status: 403,
                detail: format!("no reference to {}", args["table"]),
            }),
            _ => Ok(json!({"method": method, "args": args})),
        }
    }
}

fn sandbox() -> &'static Sandbox {
    static S: OnceLock<Sandbox> = OnceLock::new();
    S.get_or_init(|| {
        let dir = std::env::var("APPBOX_ACTIONS_CACHE_DIR")
            .map(Into::into)
            .unwrap_or_else(|_| std::env::temp_dir().join("appbox-actions-cache"));
        let dir: std::path::PathBuf = dir;
        let sandbox = Sandbox::new(&SandboxConfig {
            cache_dir: dir.clone(),
            max_concurrency: 4,
            max_memory_bytes: 256 << 20,
        })
        .expect("sandbox");
        let cached = std::fs::read_dir(&dir)
            .expect("cache dir")
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().ends_with(".cwasm"));
        assert!(cached, "the compiled component is cached in {dir:?}");
        sandbox
    })
}

async fn run(source: &str) -> appbox_actions::Outcome {
    run_within(source, Duration::from_secs(2)).await
}

async fn run_within(source: &str, timeout: Duration) -> appbox_actions::Outcome {
    let limits = Limits {
        timeout,
        ..Limits::default()
    };
    sandbox()
        .run(
            Request {
                source: source.into(),
                filename: "actions/t.py".into(),
                entry: "execute".into(),
                params: json!({"n": 2}),
                load_only: false,
            },
            Arc::new(EchoHost),
            &limits,
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_cases() {
    let o = run("import math\ndef execute(ctx):\n    print('hi')\n    rows = ctx.db.query('customers', limit=10)\n    ctx.response.json({'n': ctx.params['n'], 'rows': rows, 'h': ctx.crypto.hash('sha256', 'x'), 'pi': math.pi > 3})\n").await;
    eprintln!("trivial: {:?} {:?}", o.duration, o.peak_memory >> 20);
    assert_eq!(o.stdout, "hi\n");
    let out = o.result.expect("ok");
    assert_eq!(out.data["n"], 2);
    assert_eq!(out.data["rows"]["data"][0]["name"], "A");
    let t = std::time::Instant::now();
    for _ in 0..20 {
        run("def execute(ctx):\n    return 1\n")
            .await
            .result
            .unwrap();
    }
    eprintln!("trivial x20: {:?} each", t.elapsed() / 20);

    let o = run("def execute(ctx):\n    ctx.db.query('secret')\n").await;
    match o.result {
        Err(ActionError::Exception {
            message, status, ..
        }) => {
            assert!(message.contains("no reference"), "{message}");
            assert_eq!(status, Some(403));
        }
        other => panic!("{other:?}"),
    }
    let o = run("def execute(ctx):\n    while True: pass\n").await;
    assert!(
        matches!(o.result, Err(ActionError::Timeout(_))),
        "{:?}",
        o.result
    );
    let o = run("def execute(ctx):\n    x = bytearray(1 << 30)\n").await;
    assert!(
        matches!(o.result, Err(ActionError::Memory(_))),
        "{:?}",
        o.result
    );
    for (src, name) in [
        ("import os\ndef execute(ctx): pass\n", "os"),
        ("def execute(ctx):\n    import subprocess\n", "subprocess"),
        ("def execute(ctx):\n    __import__('ctypes')\n", "ctypes"),
        ("def execute(ctx):\n    open('/etc/passwd')\n", "open"),
        ("def execute(ctx):\n    import socket\n", "socket"),
    ] {
        let o = run(src).await;
        match o.result {
            Err(ActionError::Forbidden { name: n, .. }) => assert_eq!(n, name),
            other => panic!("{src}: {other:?}"),
        }
    }
    let o = run("def execute(ctx):\n    return getattr(__builtins__, 'ev'+'al')('1')\n").await;
    assert!(o.result.is_err(), "{:?}", o.result);
    let o = run("def f(n): return f(n+1)\ndef execute(ctx):\n    f(0)\n").await;
    assert!(
        matches!(o.result, Err(ActionError::Exception { .. })),
        "{:?}",
        o.result
    );
    let o = run("import json\ndef execute(ctx):\n    x = []\n    for _ in range(1000000): x = [x]\n    return json.dumps(x)\n").await;
    assert!(o.result.is_err(), "{:?}", o.result);
    let o = run("class A:\n    def __getattr__(self, n): return getattr(self, n)\ndef execute(ctx):\n    A().x\n").await;
    assert!(o.result.is_err(), "{:?}", o.result);
    // Building 100 MB of output takes seconds on a loaded machine: the cap
    // under test here is the output's size, not the time.
    let o = run_within(
        "def execute(ctx):\n    ctx.response.json('x' * 100_000_000)\n",
        Duration::from_secs(30),
    )
    .await;
    assert!(
        matches!(
            o.result,
            Err(ActionError::Memory(_)) | Err(ActionError::BadOutput(_))
        ),
        "{:?}",
        o.result
    );
    let o =
        run("def execute(ctx):\n    ctx.csv.export([{'a': 1, 'b': 'x'}], filename='out')\n").await;
    let f = o.result.unwrap().file.unwrap();
    assert_eq!(f.filename, "out.csv");
    let o = run("def execute(ctx)\n    pass\n").await;
    assert!(
        matches!(o.result, Err(ActionError::Syntax { line: Some(1), .. })),
        "{:?}",
        o.result
    );
}

#[test]
fn the_whitelist_in_rust_is_the_guests() {
    let runner = include_str!("../guest/runner.py");
    let start = runner
        .find("ALLOWED_MODULES = frozenset(")
        .expect("ALLOWED_MODULES in runner.py");
    let end = start + runner[start..].find(")\n").expect("end of the list");
    let mut guest: Vec<&str> = runner[start..end].split('"').skip(1).step_by(2).collect();
    guest.sort_unstable();
    let mut ours = appbox_actions::ALLOWED_MODULES.to_vec();
    ours.sort_unstable();
    assert_eq!(guest, ours);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_whitelisted_module_imports() {
    let imports: String = appbox_actions::ALLOWED_MODULES
        .iter()
        .map(|m| format!("    import {m}\n"))
        .collect();
    let o = run(&format!("def execute(ctx):\n{imports}    return 'ok'\n")).await;
    assert_eq!(o.result.expect("imports").data, "ok");
}

/// The pooling allocator hands a finished run's memory slot to the next
/// run: what one run wrote into the interpreter's memory (a module attribute
/// holding a 3 MB buffer, a `json.loads` the runner itself needs to start a
/// run) must be gone in the next.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_leaves_nothing_for_the_next_run() {
    let write = "import json\ndef execute(ctx):\n    json.leak = b'SECRET' * 500_000\n    json.loads = None\n    return len(json.leak)\n";
    let read =
        "import json\ndef execute(ctx):\n    return [hasattr(json, 'leak'), json.loads('[1]')]\n";
    for _ in 0..5 {
        assert_eq!(run(write).await.result.expect("write").data, 3_000_000);
        assert_eq!(
            run(read).await.result.expect("read").data,
            json!([false, [1]])
        );
    }
}
