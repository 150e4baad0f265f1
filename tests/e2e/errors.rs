use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{detail, files_path, Server};

/// Malformed JSON, wrong content type, oversized bodies, wrong shapes and
/// unknown things get 400/415/413/422/404 with a `detail`, never a 500.
#[tokio::test]
async fn bad_requests_get_clear_errors() {
    let server = Server::start_with(&[("APPBOX_MAX_BODY_BYTES", "200000")]);
    let api = server.admin().await;
    let id = api.create_app("Errors").await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let path = files_path(&id);

    let send = |body: &'static str, content_type: Option<&'static str>| {
        let mut request = api.request(reqwest::Method::PATCH, &path).body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        async move { crate::harness::read(request.send().await.expect("send")).await }
    };
    let (status, out) = send("{\"files\": ", Some("application/json")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    assert!(!detail(&out).is_empty());
    let (status, out) = send("{\"files\": {}}", Some("text/plain")).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{out}");
    assert!(detail(&out).contains("application/json"));
    let (status, out) = send("{\"files\": {}}", None).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{out}");

    let (status, out) = api.patch(&path, json!({"files": {"src/a.ts": 5}})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    let (status, out) = api.patch(&path, json!({"files": {}})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    let (status, out) = api
        .patch(
            &path,
            json!({"files": {"a.ts": "x"}, "expected_version": "one"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    let (status, out) = api
        .post("/api/v1/builder/apps", json!({"name": "  "}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    let (status, out) = api
        .post(
            "/api/v1/builder/apps",
            json!({"name": "x", "access_mode": "everyone"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{out}");

    let big = "x".repeat(300_000);
    let (status, out) = api
        .patch(&path, json!({"files": {"src/big.ts": big}}))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{out}");
    assert!(!detail(&out).is_empty());
    // The unread rest of the body ends the connection, and the answer says so
    // (a client that reused it raced the server's close: seen in CI).
    let refused = api
        .request(reqwest::Method::PATCH, &path)
        .json(&json!({"files": {"src/big.ts": "x".repeat(300_000)}}))
        .send()
        .await
        .expect("send");
    assert_eq!(refused.headers()["connection"], "close");

    let (status, out) = api.get("/api/v1/builder/apps/000000000000").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{out}");
    assert_eq!(detail(&out), "App not found");
    let (status, out) = api
        .get(&format!("/api/v1/builder/apps/{id}/source/versions/99"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{out}");
    let (status, out) = api
        .get(&format!("/api/v1/builder/apps/{id}/source/versions/abc"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    let (status, out) = api
        .post(
            &format!("/api/v1/builder/apps/{id}/source/restore"),
            json!({"version": 42}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{out}");
    let (status, out) = api.get("/api/v1/no/such/route").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{out}");
    let (status, out) = api.call(reqwest::Method::PUT, "/health", None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{out}");
    assert!(!detail(&out).is_empty());

    // None of it wrote anything.
    assert_eq!(api.app(&id).await["vfs_version"], 1);
}
