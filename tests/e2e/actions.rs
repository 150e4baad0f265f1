//! Server-side Python actions (spec 001 §7, §8; issue 10): the spec's
//! example over every route, a CSV export, the run log, and the hostile
//! suite — each hostile case its own test, each ending with the host still
//! answering.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{detail, Api, Server};

/// A short cap keeps the suite fast (`while True: pass` stops here).
const TIMEOUT_MS: &str = "1500";

const SPEC_ACTION: &str = r#"def execute(ctx):
    """必須定義 execute(ctx) 函式"""
    data = ctx.params.get("key", "default")
    customers = ctx.db.query("customers", limit=10)
    ctx.response.json({"result": customers, "key": data})
"#;

pub(crate) struct ActionApp {
    pub(crate) server: Server,
    pub(crate) admin: Api,
    pub(crate) id: String,
}

fn start() -> Server {
    start_with(&[])
}

/// A server with the suite's cap and `env`, the component compiled once.
pub(crate) fn start_with(env: &[(&str, &str)]) -> Server {
    // Compile the component once for the whole suite (the servers share
    // the cache, keyed by content and engine configuration).
    static WARM: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    WARM.get_or_init(|| {
        appbox_host::serving::actions::warm_cache().expect("the action sandbox compiles")
    });
    let mut env = env.to_vec();
    if !env.iter().any(|(k, _)| *k == "APPBOX_ACTION_TIMEOUT_MS") {
        env.push(("APPBOX_ACTION_TIMEOUT_MS", TIMEOUT_MS));
    }
    Server::start_with(&env)
}

/// An app (`access_mode`) with a `customers` reference, the given actions
/// (name → source), published.
pub(crate) async fn app_with(
    server: Server,
    access_mode: &str,
    actions: &[(&str, &str)],
) -> ActionApp {
    let admin = server.admin().await;
    let (status, app) = admin
        .post(
            "/api/v1/builder/apps",
            json!({"name": "Actions", "access_mode": access_mode}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{app}");
    let id = app["id"].as_str().expect("id").to_owned();
    let (status, out) = admin
        .post(
            &format!("/api/v1/refs/apps/{id}"),
            json!({"table_name": "customers", "columns": ["name", "email"], "permissions": ["read", "create"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    let manifest: Vec<Value> = actions
        .iter()
        .map(|(name, _)| json!({"name": name, "file": format!("{name}.py")}))
        .collect();
    let mut files = serde_json::Map::new();
    files.insert(
        "actions/manifest.json".into(),
        json!(json!({"actions": manifest}).to_string()),
    );
    for (name, source) in actions {
        files.insert(format!("actions/{name}.py"), json!(source));
    }
    let (status, out) = admin
        .patch(
            &crate::harness::files_path(&id),
            json!({"files": files, "expected_version": app["vfs_version"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let (status, out) = admin
        .post(&format!("/api/v1/builder/apps/{id}/publish"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    ActionApp { server, admin, id }
}

impl ActionApp {
    pub(crate) async fn run(&self, name: &str, params: Value) -> (StatusCode, Value) {
        self.admin
            .post(
                &format!("/api/v1/builder/apps/{}/actions/{name}/run", self.id),
                json!({"params": params}),
            )
            .await
    }

    /// The run log (runs are recorded just after the answer: wait for one).
    async fn runs(&self, query: &str) -> Value {
        for _ in 0..50 {
            let (status, runs) = self
                .admin
                .get(&format!(
                    "/api/v1/builder/apps/{}/actions/runs{query}",
                    self.id
                ))
                .await;
            assert_eq!(status, StatusCode::OK, "{runs}");
            if runs.as_array().is_some_and(|r| !r.is_empty()) {
                return runs;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("no runs for {query}");
    }

    async fn healthy(&self) {
        let (status, out) = self.admin.get("/health").await;
        assert_eq!(status, StatusCode::OK, "{out}");
        let (status, out) = self.run("ok", json!({})).await;
        assert_eq!(status, StatusCode::OK, "{out}");
        assert_eq!(out["data"], "fine");
    }
}

const OK: &str = "def execute(ctx):\n    ctx.response.json('fine')\n";

async fn hostile(source: &str) -> (ActionApp, StatusCode, Value) {
    let app = app_with(start(), "internal", &[("bad", source), ("ok", OK)]).await;
    let (status, out) = app.run("bad", json!({})).await;
    (app, status, out)
}

fn seed_customer(server: &Server, name: &str) {
    let tenant = server.sql("SELECT CAST(id AS TEXT) FROM tenants LIMIT 1");
    let tenant = tenant[0].clone().expect("tenant");
    server.sql(&format!(
        "INSERT INTO customers (id, tenant_id, name, email) VALUES ('{}', '{tenant}', '{name}', 'c@example.com')",
        uuid::Uuid::new_v4()
    ));
}

/// Spec 001 §8's action, as written, over the builder's run, the internal
/// route, the API-key route; the run log records each.
#[tokio::test]
async fn the_spec_action_runs_over_every_route() {
    let app = app_with(start(), "internal", &[("spec", SPEC_ACTION)]).await;
    seed_customer(&app.server, "客戶 甲");
    let (status, out) = app.run("spec", json!({"key": "v"})).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["data"]["key"], "v");
    assert_eq!(out["data"]["result"][0]["name"], "客戶 甲", "{out}");
    assert!(out["file"].is_null());
    assert!(out["duration_ms"].is_u64());
    assert!(out["logs"].is_object(), "builders get the logs: {out}");

    let (status, out) = app
        .admin
        .post(
            &format!("/api/v1/actions/{}/spec", app.id),
            json!({"params": {"key": "w"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["data"]["key"], "w");
    assert!(out.get("logs").is_none(), "members get no logs: {out}");

    // An app of another tenant's admin is a 404.
    let other = app
        .server
        .user("other@example.com", "admin", Some("Other org"))
        .await;
    let (status, _) = other
        .post(&format!("/api/v1/actions/{}/spec", app.id), json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = other
        .post(
            &format!("/api/v1/builder/apps/{}/actions/spec/run", app.id),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // An unknown action is a 404.
    let (status, out) = app.run("nope", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{out}");

    // The API-key route: a self-built app with a key and published references.
    let server = app.server;
    let open = app_with(server, "self_built", &[("spec", SPEC_ACTION)]).await;
    let (status, key) = open
        .admin
        .post(
            &format!("/api/v1/integrations/{}/api-keys", open.id),
            json!({"name": "k"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    let key = key["api_key"].as_str().expect("key");
    let response = open
        .admin
        .client
        .post(format!("{}/api/v1/open/actions/spec", open.admin.base))
        .header("X-API-Key", key)
        .json(&json!({"params": {"key": "k"}}))
        .send()
        .await
        .expect("send");
    let (status, out) = crate::harness::read(response).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["data"]["result"][0]["name"], "客戶 甲", "{out}");

    let runs = open.runs("?action=spec&status=ok").await;
    assert_eq!(runs[0]["caller_kind"], "api_key", "{runs}");
}

#[tokio::test]
async fn a_csv_export_comes_back_as_a_file() {
    let app = app_with(
        start(),
        "internal",
        &[(
            "export",
            "def execute(ctx):\n    ctx.csv.export([{'name': 'A', 'n': 1}, {'name': 'B,C', 'n': 2}], filename='people')\n    ctx.response.json({'rows': 2})\n",
        )],
    )
    .await;
    let (status, out) = app
        .admin
        .post(&format!("/api/v1/actions/{}/export", app.id), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["data"]["rows"], 2);
    assert_eq!(out["file"]["filename"], "people.csv");
    assert_eq!(out["file"]["content_type"], "text/csv; charset=utf-8");
    use base64::Engine;
    let csv = base64::engine::general_purpose::STANDARD
        .decode(out["file"]["content_base64"].as_str().expect("b64"))
        .expect("base64");
    assert_eq!(
        String::from_utf8(csv).expect("utf8"),
        "name,n\r\nA,1\r\n\"B,C\",2\r\n"
    );
}

#[tokio::test]
async fn an_endless_loop_is_a_504_at_the_cap() {
    let (app, status, out) = hostile("def execute(ctx):\n    while True: pass\n").await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{out}");
    assert!(detail(&out).starts_with("Action 超時"), "{out}");
    app.healthy().await;
}

#[tokio::test]
async fn a_1_gb_allocation_is_a_507() {
    let (app, status, out) = hostile("def execute(ctx):\n    x = bytearray(1 << 30)\n").await;
    assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE, "{out}");
    app.healthy().await;
}

#[tokio::test]
async fn deep_recursion_is_a_python_error() {
    let (app, status, out) =
        hostile("def f(n):\n    return f(n + 1)\ndef execute(ctx):\n    f(0)\n").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{out}");
    assert!(detail(&out).contains("RecursionError"), "{out}");
    app.healthy().await;
}

#[tokio::test]
async fn open_etc_passwd_is_refused() {
    let (app, status, out) =
        hostile("def execute(ctx):\n    return open('/etc/passwd').read()\n").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    assert!(detail(&out).contains("'open'"), "{out}");
    app.healthy().await;
}

#[tokio::test]
async fn a_socket_connect_is_refused() {
    let (app, status, out) = hostile(
        "def execute(ctx):\n    import socket\n    socket.create_connection(('127.0.0.1', 80))\n",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    assert!(detail(&out).contains("'socket'"), "{out}");
    app.healthy().await;
}

#[tokio::test]
async fn subprocess_os_system_and_ctypes_are_refused_by_name() {
    let app = app_with(
        start(),
        "internal",
        &[
            ("a", "def execute(ctx):\n    import subprocess\n"),
            (
                "b",
                "def execute(ctx):\n    import os\n    os.system('true')\n",
            ),
            ("c", "def execute(ctx):\n    import ctypes\n"),
            ("ok", OK),
        ],
    )
    .await;
    for (name, module) in [("a", "subprocess"), ("b", "os"), ("c", "ctypes")] {
        let (status, out) = app.run(name, json!({})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
        assert!(detail(&out).contains(&format!("'{module}'")), "{out}");
    }
    app.healthy().await;
}

#[tokio::test]
async fn dunder_import_and_getattr_tricks_are_refused() {
    let app = app_with(
        start(),
        "internal",
        &[
            ("a", "def execute(ctx):\n    __import__('os')\n"),
            (
                "b",
                "def execute(ctx):\n    return getattr(__builtins__, 'ev' + 'al')('1 + 1')\n",
            ),
            (
                "c",
                "def execute(ctx):\n    b = __builtins__\n    f = b['ev' + 'al'] if isinstance(b, dict) else getattr(b, 'ev' + 'al')\n    return f('1 + 1')\n",
            ),
            ("ok", OK),
        ],
    )
    .await;
    let (status, out) = app.run("a", json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    assert!(detail(&out).contains("'os'"), "{out}");
    let (status, out) = app.run("b", json!({})).await;
    assert!(
        status.is_client_error() || status.is_server_error(),
        "{out}"
    );
    assert_ne!(out["data"], 2, "{out}");
    let (status, out) = app.run("c", json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    assert!(detail(&out).contains("'eval'"), "{out}");
    app.healthy().await;
}

#[tokio::test]
async fn a_deeply_nested_list_to_json_dumps_does_not_abort_the_host() {
    let (app, status, out) = hostile(
        "import json\ndef execute(ctx):\n    x = []\n    for _ in range(1_000_000):\n        x = [x]\n    return json.dumps(x)\n",
    )
    .await;
    assert!(status.is_server_error(), "{status} {out}");
    app.healthy().await;
}

#[tokio::test]
async fn a_recursive_getattr_does_not_abort_the_host() {
    let (app, status, out) = hostile(
        "class A:\n    def __getattr__(self, name):\n        return getattr(self, name)\ndef execute(ctx):\n    return A().x\n",
    )
    .await;
    assert!(status.is_server_error(), "{status} {out}");
    app.healthy().await;
}

#[tokio::test]
async fn a_100_mb_response_is_refused() {
    // Building 100 MB takes a while on a busy machine: a longer cap, so the
    // answer is about the size, not the time.
    let server = Server::start_with(&[("APPBOX_ACTION_TIMEOUT_MS", "20000")]);
    let app = app_with(
        server,
        "internal",
        &[
            (
                "bad",
                "def execute(ctx):\n    ctx.response.json('x' * 100_000_000)\n",
            ),
            ("ok", OK),
        ],
    )
    .await;
    let (status, out) = app.run("bad", json!({})).await;
    assert!(
        status == StatusCode::INSUFFICIENT_STORAGE || status == StatusCode::INTERNAL_SERVER_ERROR,
        "{status} {out}"
    );
    app.healthy().await;
}

#[tokio::test]
async fn a_table_without_a_reference_is_a_403_inside_python() {
    let (app, status, out) = hostile(
        "def execute(ctx):\n    try:\n        ctx.db.query('suppliers')\n    except ActionError as e:\n        ctx.response.json({'status': e.status, 'detail': e.detail})\n",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["data"]["status"], 403, "{out}");
    let (status, out) = app
        .admin
        .post(
            &format!("/api/v1/builder/apps/{}/actions/uncaught/run", app.id),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{out}");
    app.healthy().await;
}

#[tokio::test]
async fn concurrent_runs_do_not_see_each_others_globals() {
    let source = "import json\nSEEN = []\ndef execute(ctx):\n    SEEN.append(ctx.params['who'])\n    total = 0\n    for i in range(200_000):\n        total += i\n    import builtins if False else None\n";
    let _ = source;
    let source = "SEEN = []\ndef execute(ctx):\n    g = globals if False else None\n    SEEN.append(ctx.params['who'])\n    total = 0\n    for i in range(300_000):\n        total += i\n    ctx.response.json({'seen': SEEN})\n";
    let app = app_with(start(), "internal", &[("g", source), ("ok", OK)]).await;
    let (a, b) = tokio::join!(
        app.run("g", json!({"who": "a"})),
        app.run("g", json!({"who": "b"}))
    );
    assert_eq!(a.0, StatusCode::OK, "{}", a.1);
    assert_eq!(b.0, StatusCode::OK, "{}", b.1);
    assert_eq!(a.1["data"]["seen"], json!(["a"]));
    assert_eq!(b.1["data"]["seen"], json!(["b"]));
    let (_, again) = app.run("g", json!({"who": "c"})).await;
    assert_eq!(again["data"]["seen"], json!(["c"]));
    app.healthy().await;
}

/// Publish trial-loads every action: a syntax error, a missing file or a
/// forbidden import at the top level is a 422 naming file and line; the
/// compile API reports the same as warnings.
#[tokio::test]
async fn publish_refuses_actions_that_do_not_load_and_compile_warns() {
    let server = start();
    let admin = server.admin().await;
    let app = admin.create_app("Broken actions").await;
    let id = app["id"].as_str().expect("id").to_owned();
    let manifest = json!({"actions": [
        {"name": "syntax", "file": "syntax.py"},
        {"name": "missing", "file": "missing.py"},
        {"name": "imports", "file": "imports.py"},
    ]});
    let (status, out) = admin
        .patch(
            &crate::harness::files_path(&id),
            json!({"files": {
                "actions/manifest.json": manifest.to_string(),
                "actions/syntax.py": "def execute(ctx):\n    return (\n",
                "actions/imports.py": "import os\n\ndef execute(ctx):\n    pass\n",
            }, "expected_version": app["vfs_version"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let (status, out) = admin
        .post(&format!("/api/v1/builder/apps/{id}/publish"), json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    let text = detail(&out);
    assert!(text.contains("actions/syntax.py:2:"), "{text}");
    assert!(text.contains("missing.py does not exist"), "{text}");
    assert!(
        text.contains("actions/imports.py:1: import of module 'os'"),
        "{text}"
    );
    let (status, out) = admin
        .post(&format!("/api/v1/compile/compile/{id}?dev=true"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["success"], true, "{out}");
    let warned: Vec<&str> = out["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(|w| w["file"].as_str())
        .collect();
    assert!(warned.contains(&"actions/syntax.py"), "{out}");
    assert!(warned.contains(&"actions/imports.py"), "{out}");

    // Checks are kept by the actions' content, never past an edit: fixed,
    // the compile says nothing of them; broken again, the warning is back.
    let action_warnings = |out: &Value| -> Vec<String> {
        out["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .filter_map(|w| w["file"].as_str())
            .filter(|f| f.starts_with("actions/"))
            .map(str::to_owned)
            .collect()
    };
    let compile = |files: Value| {
        let (admin, id) = (admin.clone(), id.clone());
        async move {
            let (status, out) = admin
                .patch(&crate::harness::files_path(&id), json!({ "files": files }))
                .await;
            assert_eq!(status, StatusCode::OK, "{out}");
            let (status, out) = admin
                .post(&format!("/api/v1/compile/compile/{id}?dev=true"), json!({}))
                .await;
            assert_eq!(status, StatusCode::OK, "{out}");
            out
        }
    };
    let out = compile(
        json!({"actions/syntax.py": OK, "actions/imports.py": OK, "actions/missing.py": OK}),
    )
    .await;
    assert_eq!(action_warnings(&out), Vec::<String>::new(), "{out}");
    let out = compile(json!({"actions/syntax.py": "def execute(ctx):\n    return (\n"})).await;
    assert_eq!(action_warnings(&out), ["actions/syntax.py"], "{out}");
}

/// A tenant's concurrency cap: one run at a time here, so a second run
/// while the first loops is a 429; the next one after it runs.
#[tokio::test]
async fn a_tenant_over_its_concurrency_cap_gets_a_429() {
    let server = Server::start_with(&[
        ("APPBOX_ACTION_TIMEOUT_MS", TIMEOUT_MS),
        ("APPBOX_ACTIONS_PER_TENANT", "1"),
    ]);
    let app = app_with(
        server,
        "internal",
        &[
            ("spin", "def execute(ctx):\n    while True: pass\n"),
            ("ok", OK),
        ],
    )
    .await;
    let first = app.run("spin", json!({}));
    let second = async {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        app.run("ok", json!({})).await
    };
    let ((s1, o1), (s2, o2)) = tokio::join!(first, second);
    assert_eq!(s1, StatusCode::GATEWAY_TIMEOUT, "{o1}");
    assert_eq!(s2, StatusCode::TOO_MANY_REQUESTS, "{o2}");
    assert!(detail(&o2).contains("actions at once"), "{o2}");
    app.healthy().await;
    let runs = app.runs("?status=timeout").await;
    assert_eq!(runs.as_array().map(Vec::len), Some(1), "{runs}");
    assert_eq!(runs[0]["action"], "spin");
    assert_eq!(runs[0]["caller_kind"], "builder");
}

/// `/ext/actions`: an external app's user runs the published action (with
/// published references); a platform token there is a 401, and the
/// member route refuses an app that is not internal.
#[tokio::test]
async fn an_app_user_runs_an_action_through_ext() {
    let app = app_with(start(), "external", &[("spec", SPEC_ACTION)]).await;
    seed_customer(&app.server, "客戶 乙");
    let slug = app.admin.app(&app.id).await["slug"]
        .as_str()
        .expect("slug")
        .to_owned();
    let (status, out) = app
        .server
        .anonymous()
        .post(
            &format!("/api/v1/custom-app-auth/{slug}/register"),
            json!({"email": "ada@example.com", "password": "secret-1", "display_name": "Ada"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    let user = app
        .server
        .anonymous()
        .with_token(out["access_token"].as_str().expect("token"));
    let (status, out) = user
        .post("/api/v1/ext/actions/spec", json!({"params": {"key": "u"}}))
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["data"]["key"], "u");
    assert_eq!(out["data"]["result"][0]["name"], "客戶 乙", "{out}");
    let (status, _) = app.admin.post("/api/v1/ext/actions/spec", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, out) = app
        .admin
        .post(&format!("/api/v1/actions/{}/spec", app.id), json!({}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{out}");
    let runs = app.runs("?action=spec").await;
    assert_eq!(runs[0]["caller_kind"], "app_user", "{runs}");
}

/// An action's `timeout_s` in the manifest lowers the deployment's cap
/// (never raises it).
#[tokio::test]
async fn a_manifest_timeout_lowers_the_cap() {
    let server = Server::start_with(&[("APPBOX_ACTION_TIMEOUT_MS", "20000")]);
    let admin = server.admin().await;
    let app = admin.create_app("Timeouts").await;
    let id = app["id"].as_str().expect("id").to_owned();
    let manifest = json!({"actions": [{"name": "spin", "file": "spin.py", "timeout_s": 0.5}]});
    let (status, out) = admin
        .patch(
            &crate::harness::files_path(&id),
            json!({"files": {
                "actions/manifest.json": manifest.to_string(),
                "actions/spin.py": "def execute(ctx):\n    while True: pass\n",
            }, "expected_version": app["vfs_version"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let started = std::time::Instant::now();
    let (status, out) = admin
        .post(
            &format!("/api/v1/builder/apps/{id}/actions/spin/run"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{out}");
    assert!(detail(&out).contains("0.5 秒"), "{out}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

/// A run's queries read on one kept connection (`db::Lease`), and that
/// changes nothing an action sees: the query timeout still stops a slow
/// query, every later query gets the whole timeout again (the run's queries
/// together outlast it by far), and a write between two queries is seen by
/// the second.
#[tokio::test]
async fn every_query_of_a_run_gets_the_whole_query_timeout_and_sees_the_latest_writes() {
    let server = start_with(&[
        ("APPBOX_QUERY_TIMEOUT_MS", "300"),
        ("APPBOX_ACTION_TIMEOUT_MS", "30000"),
    ]);
    let source = r#"import datetime
def execute(ctx):
    out = {}
    try:
        ctx.db.query("customers", search="zz", search_columns=["name", "email", "phone", "note"], order_by="-email", limit=500)
        out["slow"] = "answered"
    except ActionError as e:
        out["slow"] = e.status
    started = datetime.datetime.now()
    out["queries"] = 0
    while (datetime.datetime.now() - started).total_seconds() < 1.0:
        ctx.db.query("customers", count_only=True)
        out["queries"] += 1
    before = ctx.db.query("customers", count_only=True)["total"]
    ctx.db.insert("customers", {"name": "Added", "email": "added@example.com"})
    out["added"] = ctx.db.query("customers", count_only=True)["total"] - before
    out["newest"] = [r["name"] for r in ctx.db.query("customers", limit=1)]
    ctx.response.json(out)
"#;
    let app = app_with(server, "internal", &[("many", source)]).await;
    let reference = customers_reference(&app).await;
    let (status, out) = app
        .admin
        .patch(
            &format!("/api/v1/refs/{reference}"),
            json!({"columns": ["name", "email", "phone", "note"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let tenant = app
        .server
        .sql("SELECT CAST(id AS TEXT) FROM tenants LIMIT 1")[0]
        .clone()
        .expect("tenant");
    // Enough rows that the slow query meets the timeout and every count
    // runs long enough for SQLite to check its deadline.
    crate::hardening::bulk_customers(&app.server, &tenant, 300_000).await;
    let (status, out) = app.run("many", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["data"]["slow"], 503, "{out}");
    assert!(out["data"]["queries"].as_u64().unwrap_or(0) >= 3, "{out}");
    assert_eq!(out["data"]["added"], 1, "{out}");
    assert_eq!(out["data"]["newest"], json!(["Added"]), "{out}");
}

/// The id of the app's `customers` reference.
async fn customers_reference(app: &ActionApp) -> String {
    let (status, refs) = app
        .admin
        .get(&format!("/api/v1/refs/apps/{}", app.id))
        .await;
    assert_eq!(status, StatusCode::OK, "{refs}");
    refs.as_array()
        .and_then(|r| r.first())
        .and_then(|r| r["id"].as_str())
        .expect("the customers reference")
        .to_owned()
}

/// References are checked on every query, never kept with the connection:
/// a reference that loses `read` after a run stops the next run's queries,
/// on the builder's route and the members' one.
#[tokio::test]
async fn a_revoked_reference_stops_the_next_run() {
    let source = "def execute(ctx):\n    try:\n        ctx.response.json(len(ctx.db.query('customers')))\n    except ActionError as e:\n        ctx.response.json({'status': e.status, 'detail': e.detail})\n";
    let app = app_with(start(), "internal", &[("read", source)]).await;
    seed_customer(&app.server, "Ada");
    let member_route = format!("/api/v1/actions/{}/read", app.id);
    let (status, out) = app.run("read", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["data"], 1, "{out}");
    let (status, out) = app.admin.post(&member_route, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["data"], 1, "{out}");

    let reference = customers_reference(&app).await;
    let (status, out) = app
        .admin
        .patch(
            &format!("/api/v1/refs/{reference}"),
            json!({"permissions": ["create"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    for (status, out) in [
        app.run("read", json!({})).await,
        app.admin.post(&member_route, json!({})).await,
    ] {
        assert_eq!(status, StatusCode::OK, "{out}");
        assert_eq!(out["data"]["status"], 403, "{out}");
        assert!(
            out["data"]["detail"]
                .as_str()
                .unwrap_or("")
                .contains("read"),
            "{out}"
        );
    }
}

/// More runs reading at once than there are kept connections: the runs
/// beyond them read on a connection per query, every run gets its answer,
/// and the proxy keeps answering requests meanwhile.
#[tokio::test]
async fn more_runs_than_kept_connections_all_answer() {
    let source = "def execute(ctx):\n    n = 0\n    for i in range(100):\n        n += len(ctx.db.query('customers', limit=5, offset=i % 2))\n    ctx.response.json(n)\n";
    let app = app_with(start(), "internal", &[("loop", source)]).await;
    seed_customer(&app.server, "Ada");
    seed_customer(&app.server, "Bob");
    let proxy = async {
        let mut answered = 0;
        for _ in 0..20 {
            let (status, out) = app
                .admin
                .post(
                    &format!("/api/v1/proxy/{}/customers/query", app.id),
                    json!({"limit": 5}),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{out}");
            answered += out["data"].as_array().map_or(0, Vec::len);
        }
        answered
    };
    let (a, b, c, d, answered) = tokio::join!(
        app.run("loop", json!({})),
        app.run("loop", json!({})),
        app.run("loop", json!({})),
        app.run("loop", json!({})),
        proxy
    );
    for (status, out) in [a, b, c, d] {
        assert_eq!(status, StatusCode::OK, "{out}");
        // 50 queries see both customers, 50 (offset 1) one of them.
        assert_eq!(out["data"], 150, "{out}");
    }
    assert_eq!(answered, 40);
}

/// `ctx.db.query(table, filters={column: value})`: a dict of equalities,
/// beside the proxy's own list of filters.
#[tokio::test]
async fn a_dict_of_filters_is_a_list_of_equalities() {
    let source = "def execute(ctx):\n    by_dict = ctx.db.query('customers', filters={'name': 'Bob'})\n    by_list = ctx.db.query('customers', filters=[{'column': 'name', 'op': 'ne', 'value': 'Bob'}])\n    ctx.response.json([[r['name'] for r in by_dict], [r['name'] for r in by_list]])\n";
    let app = app_with(start(), "internal", &[("filtered", source)]).await;
    seed_customer(&app.server, "Ada");
    seed_customer(&app.server, "Bob");
    let (status, out) = app.run("filtered", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["data"], json!([["Bob"], ["Ada"]]), "{out}");
}
