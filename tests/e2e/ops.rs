use reqwest::StatusCode;

use crate::harness::Server;

#[tokio::test]
async fn health_metrics_and_openapi() {
    let server = Server::start();
    let anonymous = server.anonymous();
    let (status, health) = anonymous.get("/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(health["status"], "ok");
    let backend = if std::env::var("APPBOX_TEST_DATABASE_URL").is_ok() {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(health["database"], backend);

    let (status, metrics) = anonymous.get("/metrics").await;
    assert_eq!(status, StatusCode::OK);
    let metrics = metrics.as_str().expect("text");
    assert!(
        metrics
            .contains(r#"appbox_http_requests_total{method="GET",route="/health",status="200"} 1"#),
        "{metrics}"
    );

    let (status, doc) = anonymous.get("/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let paths = doc["paths"].as_object().expect("paths");
    for (path, method) in [
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/refresh", "post"),
        ("/api/v1/builder/apps", "post"),
        ("/api/v1/builder/apps", "get"),
        ("/api/v1/builder/apps/{app}", "get"),
        ("/api/v1/builder/apps/{app}", "patch"),
        ("/api/v1/builder/apps/{app}/source", "put"),
        ("/api/v1/builder/apps/{app}/source/files", "patch"),
        ("/api/v1/builder/apps/{app}/source/files", "delete"),
        ("/api/v1/builder/apps/{app}/source/versions", "get"),
        ("/api/v1/builder/apps/{app}/source/restore", "post"),
        ("/api/v1/builder/apps/public/{slug}", "get"),
        ("/api/v1/compile/compile/{slug}", "post"),
        ("/api/v1/integrations", "post"),
        ("/api/v1/integrations/{app_id}/api-keys", "post"),
        ("/api/v1/data/objects/batch", "post"),
        ("/api/v1/data/objects/{obj}/records", "get"),
        ("/api/v1/open/data/objects/{obj}/records", "post"),
        ("/api/v1/open/data/records/{id}", "patch"),
        ("/health", "get"),
        ("/metrics", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing from /openapi.json"
        );
    }
    let docs = anonymous
        .request(reqwest::Method::GET, "/docs/")
        .send()
        .await
        .expect("docs");
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(docs.text().await.expect("html").contains("swagger"));
}
