//! README promises that no other test held: publishing a broken app,
//! concurrent unversioned writes, `X-App-Id`, `/health` without a database,
//! the panic guard, subdomain shapes.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{detail, files_path, Server};

/// Publishing an app whose current version does not compile is a 422 that
/// carries the errors (file, line, column); nothing is published.
#[tokio::test]
async fn publishing_an_app_that_does_not_compile_is_a_422_with_the_errors() {
    let server = Server::start();
    let api = server.admin().await;
    let id = api.create_app("Broken").await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (status, out) = api
        .patch(
            &files_path(&id),
            json!({"files": {"src/pages/NotFoundPage.tsx": "export default function NotFoundPage() {\n  const = 1;\n  return null;\n}\n"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let (status, out) = api
        .post(&format!("/api/v1/builder/apps/{id}/publish"), json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    let text = out.to_string();
    assert!(
        text.contains("src/pages/NotFoundPage.tsx:2:"),
        "the errors, with file and line: {out}"
    );
    let app = api.app(&id).await;
    assert_eq!(app["published_version"], Value::Null, "{app}");
    assert_ne!(app["status"], "published", "{app}");

    // Fixed, it publishes.
    let (status, _) = api
        .patch(
            &files_path(&id),
            json!({"files": {"src/pages/NotFoundPage.tsx": "export default function NotFoundPage() {\n  return <div />;\n}\n"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, out) = api
        .post(&format!("/api/v1/builder/apps/{id}/publish"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(api.app(&id).await["published_version"], 3);
}

/// Writes without `expected_version`, all at once: every one is accepted and
/// makes exactly one version; no file is lost.
#[tokio::test]
async fn concurrent_unversioned_patches_make_one_version_each_and_lose_nothing() {
    let server = Server::start();
    let api = server.admin().await;
    let id = api.create_app("Crowd").await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let writers = 12;
    let tasks: Vec<_> = (0..writers)
        .map(|i| {
            let (api, path) = (api.clone(), files_path(&id));
            tokio::spawn(async move {
                api.patch(
                    &path,
                    json!({"files": {format!("src/w{i}.ts"): format!("export const w = {i};\n")}}),
                )
                .await
            })
        })
        .collect();
    let mut versions = Vec::new();
    for task in tasks {
        let (status, out) = task.await.expect("writer");
        assert_eq!(status, StatusCode::OK, "{out}");
        versions.push(out["vfs_version"].as_i64().expect("vfs_version"));
    }
    versions.sort_unstable();
    assert_eq!(
        versions,
        (2..2 + writers).collect::<Vec<i64>>(),
        "one version each"
    );
    let app = api.app(&id).await;
    assert_eq!(app["vfs_version"], 1 + writers);
    for i in 0..writers {
        assert_eq!(
            app["vfs_state"][format!("src/w{i}.ts")],
            format!("export const w = {i};\n").as_str(),
            "src/w{i}.ts lost"
        );
    }
    let (_, listed) = api
        .get(&format!("/api/v1/builder/apps/{id}/source/versions"))
        .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1 + writers as usize));
}

/// Two apps of a tenant each have a table `notes`. The SDK names its app in
/// `X-App-Id` (sdk-js checks that it sends it); the server reads and writes
/// that app's table. Without it, the slug is ambiguous.
#[tokio::test]
async fn x_app_id_chooses_the_app_whose_table_a_slug_names() {
    let server = Server::start();
    let api = server.admin().await;
    let mut apps = Vec::new();
    for name in ["Left", "Right"] {
        let id = api.create_app(name).await["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let (status, out) = api
            .post(
                "/api/v1/data/objects/batch",
                json!({"app_id": id, "name": "Notes", "api_slug": "notes",
                    "fields": [{"name": "Text", "field_key": "text", "field_type": "text"}]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{out}");
        apps.push(id);
    }
    let as_app = |app: &str, method: Method, path: &str| {
        api.request(method, path).header("X-App-Id", app.to_owned())
    };
    for app in &apps {
        let response = as_app(app, Method::POST, "/api/v1/data/objects/notes/records")
            .json(&json!({"data": {"text": format!("note of {app}")}}))
            .send()
            .await
            .expect("send");
        let (status, out) = crate::harness::read(response).await;
        assert_eq!(status, StatusCode::CREATED, "{out}");
    }
    for app in &apps {
        let response = as_app(app, Method::GET, "/api/v1/data/objects/notes/records")
            .send()
            .await
            .expect("send");
        let (status, out) = crate::harness::read(response).await;
        assert_eq!(status, StatusCode::OK, "{out}");
        let texts: Vec<&str> = out
            .as_array()
            .or_else(|| out["data"].as_array())
            .expect("records")
            .iter()
            .filter_map(|r| r["data"]["text"].as_str())
            .collect();
        assert_eq!(texts, vec![format!("note of {app}")], "X-App-Id {app}");
    }
    let (status, out) = api.get("/api/v1/data/objects/notes/records").await;
    assert!(
        status.is_client_error() && detail(&out).contains("app_id"),
        "without X-App-Id the slug is ambiguous: {status} {out}"
    );
    let response = as_app(
        "not-a-uuid",
        Method::GET,
        "/api/v1/data/objects/notes/records",
    )
    .send()
    .await
    .expect("send");
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// `/health` answers 503 when the database is gone. On PostgreSQL the
/// running binary's database is dropped under it; on both backends the
/// router is also run in this process over a pool that has been closed.
#[tokio::test]
async fn health_is_503_when_the_database_is_gone() {
    let server = Server::start();
    let anonymous = server.anonymous();
    let (status, _) = anonymous.get("/health").await;
    assert_eq!(status, StatusCode::OK);

    let db = appbox_host::db::Db::connect(&server.database_url())
        .await
        .expect("connect");
    let app = appbox_host::api::app(appbox_host::state::AppState::new(
        db.clone(),
        b"test-secret",
        1 << 20,
    ));
    let health = || {
        axum::http::Request::builder()
            .uri("/health")
            .body(axum::body::Body::empty())
            .expect("request")
    };
    let (status, _) = in_process(app.clone(), health()).await;
    assert_eq!(status, StatusCode::OK);
    db.close().await;
    let (status, out) = in_process(app, health()).await;
    assert_eq!(
        (status, detail(&out)),
        (StatusCode::SERVICE_UNAVAILABLE, "Database unreachable")
    );

    if server.drop_database() {
        let (status, out) = anonymous.get("/health").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{out}");
        assert_eq!(detail(&out), "Database unreachable");
    }
}

/// Sends one request to a router in this process; returns status and JSON.
async fn in_process(
    app: axum::Router,
    request: axum::http::Request<axum::body::Body>,
) -> (StatusCode, Value) {
    use tower::ServiceExt;
    let response = app.oneshot(request).await.expect("infallible");
    let status = StatusCode::from_u16(response.status().as_u16()).expect("status");
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// A request body whose buffer panics when the handler lets go of it: the
/// only way to make a real handler panic from outside.
struct PanicsWhenDropped(Vec<u8>);

impl AsRef<[u8]> for PanicsWhenDropped {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for PanicsWhenDropped {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("secret panic text from the test");
        }
    }
}

/// A handler that panics answers 500 with a generic `detail` (no panic text),
/// and the server goes on serving.
#[tokio::test]
async fn a_panic_is_a_500_with_a_generic_detail() {
    let server = Server::start();
    let db = appbox_host::db::Db::connect(&server.database_url())
        .await
        .expect("connect");
    let app = appbox_host::api::app(appbox_host::state::AppState::new(
        db.clone(),
        b"test-secret",
        1 << 20,
    ));
    let body = axum::body::Bytes::from_owner(PanicsWhenDropped(
        br#"{"email": "nobody@test.local", "password": "whatever-1"}"#.to_vec(),
    ));
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/auth/login")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body))
        .expect("request");
    let (status, out) = in_process(app.clone(), request).await;
    assert_eq!(
        (status, out.clone()),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"detail": "Internal server error"})
        ),
        "{out}"
    );
    let request = axum::http::Request::builder()
        .uri("/health")
        .body(axum::body::Body::empty())
        .expect("request");
    assert_eq!(in_process(app, request).await.0, StatusCode::OK);
    db.close().await;
}

/// Subdomains: 2-63 of a-z, 0-9 and '-', and never shaped like a slug (12
/// hex) or a UUID, which would make `{app}` in a path ambiguous.
#[tokio::test]
async fn subdomains_shaped_like_a_slug_or_uuid_are_refused() {
    let server = Server::start();
    let api = server.admin().await;
    let id = api.create_app("Named").await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let path = format!("/api/v1/builder/apps/{id}");
    for bad in [
        "0123456789ab",
        "ABCDEF012345",
        "7f0c1d2e-aaaa-bbbb-cccc-000000000001",
        "7F0C1D2E-AAAA-BBBB-CCCC-000000000001",
        "a",
        "-ab",
        "ab-",
        "a_b",
        &"a".repeat(64),
    ] {
        let (status, out) = api.patch(&path, json!({"subdomain": bad})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {out}");
        let (status, out) = api
            .post(
                "/api/v1/builder/apps",
                json!({"name": "Other", "subdomain": bad}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "create {bad}: {out}"
        );
    }
    assert_eq!(api.app(&id).await["subdomain"], Value::Null);
    for good in ["ab", "0123456789abc", "shop-7", &"a".repeat(63)] {
        let (status, out) = api.patch(&path, json!({"subdomain": good})).await;
        assert_eq!(status, StatusCode::OK, "{good}: {out}");
        assert_eq!(api.app(good).await["id"], id.as_str());
    }
}
