//! What actions reach beyond the app's data (issue 10): per-app secrets
//! (`ctx.secrets.get`) and outbound services (`ctx.http.call`) against a
//! service this test starts on loopback. Attacks first: another app's or
//! tenant's secrets, values in any read, endpoints that leave the base URL,
//! redirects to another host, oversize answers, and the SSRF rule.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode as AxStatus, Uri};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{any, get};
use axum::Router;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::actions::{app_with, start_with, ActionApp};
use crate::harness::detail;

/// Reads a secret; a refusal comes back as data (status and detail).
const READ_SECRET: &str = r#"def execute(ctx):
    try:
        return {"value": ctx.secrets.get(ctx.params["key"])}
    except ActionError as e:
        return {"status": e.status, "detail": e.detail}
"#;

/// Calls a service with the params; a refusal comes back as data.
const CALL: &str = r#"def execute(ctx):
    p = ctx.params
    try:
        r = ctx.http.call(p["service"], p["endpoint"], method=p.get("method", "GET"),
                          json=p.get("json"), headers=p.get("headers"))
        return {"ok": True, "status": r["status"], "json": r["json"], "size": len(r["text"])}
    except ActionError as e:
        return {"ok": False, "status": e.status, "detail": e.detail}
"#;

/// An action that does not catch: the host's message reaches the caller.
const CALL_UNCAUGHT: &str = r#"def execute(ctx):
    return ctx.http.call(ctx.params["service"], ctx.params["endpoint"])["status"]
"#;

const SECRET: &str = "sk_live_0123456789abcdefWXYZ";

fn secrets_path(app: &str) -> String {
    format!("/api/v1/builder/apps/{app}/secrets")
}

fn services_path(app: &str) -> String {
    format!("/api/v1/builder/apps/{app}/services")
}

/// A service on loopback: `/api/echo…` answers what it received,
/// `/api/big` 6 MB, `/api/slow` never in time, `/api/out` redirects to
/// another host, `/api/in` within; `/admin` is outside the base URL and
/// counts its hits.
struct Upstream {
    base: String,
    port: u16,
    admin_hits: Arc<AtomicUsize>,
    hits: Arc<AtomicUsize>,
}

async fn upstream() -> Upstream {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let admin_hits = Arc::new(AtomicUsize::new(0));
    let hits = Arc::new(AtomicUsize::new(0));
    let (admin, all) = (admin_hits.clone(), hits.clone());
    let echo = |method: axum::http::Method, uri: Uri, headers: HeaderMap, body: String| async move {
        let header = |n: &str| {
            headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        axum::Json(json!({
            "method": method.as_str(),
            "path": uri.path(),
            "query": uri.query(),
            "authorization": header("authorization"),
            "x_client": header("x-client"),
            "x_extra": header("x-extra"),
            "body": body,
        }))
    };
    let app = Router::new()
        .route("/api/v1/echo", any(echo))
        .route("/api/big", get(|| async { "x".repeat(6 << 20) }))
        .route(
            "/api/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                "late"
            }),
        )
        .route(
            "/api/out",
            get(move || async move {
                Redirect::temporary(&format!("http://localhost:{port}/api/v1/echo"))
            }),
        )
        .route(
            "/api/in",
            get(|| async { Redirect::temporary("/api/v1/echo?from=in") }),
        )
        .route(
            "/admin",
            get(move || async move {
                admin.fetch_add(1, Ordering::SeqCst);
                (AxStatus::OK, "the admin page").into_response()
            }),
        )
        .layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                all.fetch_add(1, Ordering::SeqCst);
                next.run(req)
            },
        ));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Upstream {
        base: format!("http://127.0.0.1:{port}/api"),
        port,
        admin_hits,
        hits,
    }
}

async fn put_secret(app: &ActionApp, name: &str, value: &str) -> (StatusCode, Value) {
    app.admin
        .put(
            &format!("{}/{name}", secrets_path(&app.id)),
            json!({"value": value}),
        )
        .await
}

#[tokio::test]
async fn secrets_are_masked_encrypted_and_read_only_by_their_own_app() {
    let app = app_with(start_with(&[]), "internal", &[("read", READ_SECRET)]).await;
    let (status, out) = put_secret(&app, "STRIPE_KEY", SECRET).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["hint"], "…WXYZ", "{out}");
    assert!(!out.to_string().contains(SECRET), "{out}");
    let (status, out) = put_secret(&app, "SHORT", "tiny-value").await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["hint"], "", "a short value shows nothing: {out}");

    // Listed by name and hint, never the value.
    let (status, list) = app.admin.get(&secrets_path(&app.id)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list[0]["name"], "SHORT");
    assert_eq!(list[1]["name"], "STRIPE_KEY");
    assert!(!list.to_string().contains(SECRET), "{list}");
    assert!(!list.to_string().contains("tiny-value"), "{list}");
    // Encrypted at rest: the database holds neither the text nor its hex.
    let stored = app.server.sql("SELECT value_encrypted FROM app_secrets");
    assert_eq!(stored.len(), 2);
    for row in &stored {
        let row = row.as_deref().expect("value");
        assert!(
            !row.contains(SECRET) && !row.contains("tiny-value"),
            "{row}"
        );
        assert!(!row.contains(&hex_of(SECRET)), "{row}");
    }

    // The action reads it: a builder's run and a member's run of the
    // published app alike.
    let (status, out) = app.run("read", json!({"key": "STRIPE_KEY"})).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["data"]["value"], SECRET);
    let (status, out) = app
        .admin
        .post(
            &format!("/api/v1/actions/{}/read", app.id),
            json!({"params": {"key": "STRIPE_KEY"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["data"]["value"], SECRET);

    // Another app of the same tenant, same action, same key: not its secret.
    let server = app.server;
    let other = app_with(server, "internal", &[("read", READ_SECRET)]).await;
    let (status, out) = other.run("read", json!({"key": "STRIPE_KEY"})).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["data"]["status"], 404, "{out}");
    assert!(
        out["data"]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("No secret named \"STRIPE_KEY\"")),
        "{out}"
    );

    // Another tenant's builder: the first app's secrets do not exist.
    let first = app.id;
    let stranger = other
        .server
        .user("stranger@example.com", "admin", Some("Other org"))
        .await;
    for (status, out) in [
        stranger.get(&secrets_path(&first)).await,
        stranger
            .put(
                &format!("{}/STRIPE_KEY", secrets_path(&first)),
                json!({"value": "mine now"}),
            )
            .await,
        stranger
            .delete(&format!("{}/STRIPE_KEY", secrets_path(&first)), json!({}))
            .await,
    ] {
        assert_eq!(status, StatusCode::NOT_FOUND, "{out}");
    }
    let (_, list) = other.admin.get(&secrets_path(&first)).await;
    assert_eq!(list.as_array().map(Vec::len), Some(2), "unchanged: {list}");

    // Deleted, the action no longer reads it; deleting again is a 404.
    let path = format!("{}/STRIPE_KEY", secrets_path(&first));
    let (status, _) = other.admin.delete(&path, json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, out) = other.admin.delete(&path, json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{out}");
    let (status, out) = other
        .admin
        .post(
            &format!("/api/v1/builder/apps/{first}/actions/read/run"),
            json!({"params": {"key": "STRIPE_KEY"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["data"]["status"], 404, "{out}");
}

fn hex_of(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn secret_names_sizes_and_counts_are_bounded() {
    let app = app_with(start_with(&[]), "internal", &[("read", READ_SECRET)]).await;
    for (name, value) in [
        ("bad-name", "v"),
        ("1ABC", "v"),
        ("EMPTY", ""),
        ("BIG", &"v".repeat(8 * 1024 + 1)),
    ] {
        let (status, out) = put_secret(&app, name, value).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {out}");
        assert!(!detail(&out).is_empty());
    }
    let (status, out) = put_secret(&app, "MAX", &"v".repeat(8 * 1024)).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    for i in 1..100 {
        let (status, out) = put_secret(&app, &format!("S{i}"), "v").await;
        assert_eq!(status, StatusCode::OK, "{i}: {out}");
    }
    let (status, out) = put_secret(&app, "ONE_TOO_MANY", "v").await;
    assert_eq!(status, StatusCode::CONFLICT, "{out}");
    assert!(detail(&out).contains("100 secrets"), "{out}");
    // Replacing one at the cap is fine.
    let (status, out) = put_secret(&app, "S1", "new").await;
    assert_eq!(status, StatusCode::OK, "{out}");
}

async fn put_service(app: &ActionApp, name: &str, spec: Value) -> (StatusCode, Value) {
    app.admin
        .put(&format!("{}/{name}", services_path(&app.id)), spec)
        .await
}

#[tokio::test]
async fn a_service_call_carries_its_secret_header_and_stays_under_its_base_url() {
    let up = upstream().await;
    let app = app_with(
        start_with(&[("APPBOX_ACTIONS_ALLOW_PRIVATE_HOSTS", "1")]),
        "internal",
        &[("call", CALL), ("uncaught", CALL_UNCAUGHT)],
    )
    .await;
    let (status, out) = put_secret(&app, "TOKEN", SECRET).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let (status, out) = put_service(
        &app,
        "crm",
        json!({"base_url": up.base, "headers": {
            "Authorization": {"secret": "TOKEN", "prefix": "Bearer "},
            "X-Client": "appbox"}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let (status, list) = app.admin.get(&services_path(&app.id)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list[0]["headers"]["Authorization"]["secret"], "TOKEN");
    assert!(!list.to_string().contains(SECRET), "{list}");

    let call = |params: Value| {
        let app = &app;
        async move {
            let (status, out) = app.run("call", params).await;
            assert_eq!(status, StatusCode::OK, "{out}");
            out["data"].clone()
        }
    };
    // GET with a query; the host adds the service's headers, the action's
    // own header passes, and cannot replace the credential.
    let out = call(json!({"service": "crm", "endpoint": "/v1/echo?page=2",
        "headers": {"X-Extra": "1", "Authorization": "Bearer forged"}}))
    .await;
    assert_eq!(out["ok"], true, "{out}");
    assert_eq!(out["status"], 200);
    assert_eq!(out["json"]["path"], "/api/v1/echo");
    assert_eq!(out["json"]["query"], "page=2");
    assert_eq!(out["json"]["authorization"], format!("Bearer {SECRET}"));
    assert_eq!(out["json"]["x_client"], "appbox");
    assert_eq!(out["json"]["x_extra"], "1");
    // POST with JSON.
    let out = call(
        json!({"service": "crm", "endpoint": "v1/echo", "method": "post",
        "json": {"a": [1, 2]}}),
    )
    .await;
    assert_eq!(out["json"]["method"], "POST", "{out}");
    assert_eq!(out["json"]["body"], r#"{"a":[1,2]}"#);
    // A redirect within the service is followed.
    let out = call(json!({"service": "crm", "endpoint": "/in"})).await;
    assert_eq!(out["json"]["query"], "from=in", "{out}");

    // Nothing outside the base URL: absolute URLs, .. (plain and
    // encoded), an encoded slash, a header the connection owns.
    let before = up.hits.load(Ordering::SeqCst);
    for endpoint in [
        format!("http://127.0.0.1:{}/admin", up.port),
        format!("//127.0.0.1:{}/admin", up.port),
        "/../admin".to_owned(),
        "/v1/%2e%2e/%2E%2e/admin".to_owned(),
        "/..%2fadmin".to_owned(),
        "\\..\\admin".to_owned(),
    ] {
        let out = call(json!({"service": "crm", "endpoint": endpoint})).await;
        assert_eq!(out["ok"], false, "{endpoint}: {out}");
        assert_eq!(out["status"], 400, "{endpoint}: {out}");
        assert!(
            out["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("endpoint"),
            "{out}"
        );
    }
    let out =
        call(json!({"service": "crm", "endpoint": "/v1/echo", "headers": {"Host": "evil"}})).await;
    assert_eq!(out["status"], 400, "{out}");
    assert_eq!(
        up.hits.load(Ordering::SeqCst),
        before,
        "none reached the service"
    );
    // A redirect to another host is not followed.
    let out = call(json!({"service": "crm", "endpoint": "/out"})).await;
    assert_eq!(out["ok"], false, "{out}");
    assert_eq!(out["status"], 502, "{out}");
    assert!(
        out["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("another host"),
        "{out}"
    );
    assert_eq!(up.admin_hits.load(Ordering::SeqCst), 0);

    // A service that never answers cannot hold the run past its cap.
    let started = Instant::now();
    let (status, out) = app
        .run("call", json!({"service": "crm", "endpoint": "/slow"}))
        .await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{out}");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );

    // An answer over the cap, an unknown service, a missing secret.
    let out = call(json!({"service": "crm", "endpoint": "/big"})).await;
    assert_eq!(out["status"], 413, "{out}");
    let out = call(json!({"service": "nope", "endpoint": "/"})).await;
    assert_eq!(out["status"], 404, "{out}");
    let (status, _) = app
        .admin
        .delete(&format!("{}/TOKEN", secrets_path(&app.id)), json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let out = call(json!({"service": "crm", "endpoint": "/v1/echo"})).await;
    assert_eq!(out["status"], 404, "{out}");
    assert!(
        out["detail"].as_str().unwrap_or_default().contains("TOKEN"),
        "{out}"
    );

    // Uncaught, the host's message is the action's error.
    let (status, out) = app
        .run("uncaught", json!({"service": "nope", "endpoint": "/"}))
        .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{out}");
    assert!(detail(&out).contains("No service named \"nope\""), "{out}");
}

#[tokio::test]
async fn by_default_services_on_private_addresses_are_refused() {
    let up = upstream().await;
    let app = app_with(start_with(&[]), "internal", &[("call", CALL)]).await;
    for (name, base) in [
        ("loopback", up.base.clone()),
        ("metadata", "http://169.254.169.254/latest".to_owned()),
        ("ten", "http://10.0.0.1".to_owned()),
        ("v6", format!("http://[::1]:{}/api", up.port)),
        (
            "mapped",
            format!("http://[::ffff:127.0.0.1]:{}/api", up.port),
        ),
        ("localhost", format!("http://localhost:{}/api", up.port)),
    ] {
        let (status, out) = put_service(&app, name, json!({"base_url": base})).await;
        assert_eq!(status, StatusCode::OK, "{out}");
        let (status, out) = app
            .run("call", json!({"service": name, "endpoint": "/v1/echo"}))
            .await;
        assert_eq!(status, StatusCode::OK, "{out}");
        assert_eq!(out["data"]["ok"], false, "{name}: {out}");
        assert_eq!(out["data"]["status"], 403, "{name}: {out}");
        assert!(
            out["data"]["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("APPBOX_ACTIONS_ALLOW_PRIVATE_HOSTS"),
            "{out}"
        );
    }
    assert_eq!(
        up.hits.load(Ordering::SeqCst),
        0,
        "nothing reached loopback"
    );
}

#[tokio::test]
async fn service_settings_are_checked_and_bounded() {
    let app = app_with(start_with(&[]), "internal", &[("call", CALL)]).await;
    for spec in [
        json!({"base_url": "ftp://example.com"}),
        json!({"base_url": "https://user:pw@example.com"}),
        json!({"base_url": "https://example.com/?q=1"}),
        json!({"base_url": "not a url"}),
        json!({"base_url": "https://example.com", "headers": {"Host": "x"}}),
        json!({"base_url": "https://example.com", "headers": {"X": {"secret": "no-such name"}}}),
        json!({"base_url": "https://example.com", "headers": {"X": "a\nb"}}),
        json!({"base_url": "https://example.com", "extra": 1}),
    ] {
        let (status, out) = put_service(&app, "svc", spec.clone()).await;
        assert!(
            status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::BAD_REQUEST,
            "{spec}: {status} {out}"
        );
    }
    let (status, out) =
        put_service(&app, "bad/name", json!({"base_url": "https://example.com"})).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a slash is another route: {out}"
    );
    let (status, out) =
        put_service(&app, "bad-name", json!({"base_url": "https://example.com"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    for i in 0..20 {
        let (status, out) = put_service(
            &app,
            &format!("s{i}"),
            json!({"base_url": "https://example.com"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{i}: {out}");
    }
    let (status, out) = put_service(&app, "s20", json!({"base_url": "https://example.com"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{out}");

    // Another tenant's builder sees no such app.
    let stranger = app
        .server
        .user("stranger@example.com", "admin", Some("Other org"))
        .await;
    let (status, _) = stranger.get(&services_path(&app.id)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = stranger
        .put(
            &format!("{}/s1", services_path(&app.id)),
            json!({"base_url": "https://evil.example"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = stranger
        .delete(&format!("{}/s1", services_path(&app.id)), json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = app.admin.get(&services_path(&app.id)).await;
    assert_eq!(list.as_array().map(Vec::len), Some(20));
    assert!(!list.to_string().contains("evil"), "{list}");
    let (status, _) = app
        .admin
        .delete(&format!("{}/s1", services_path(&app.id)), json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}
