//! `/openapi.json` is the route list an agent builds from, so it must be
//! exact: every route the server has is in it (they are all registered
//! through `OpenApiRouter`; this file proves each documented one answers),
//! with its parameters where they really are, a body with an example where
//! a JSON body is required, and the errors the shared extractors give. An
//! unknown route's 404 names the request and points at `/docs`, so it is
//! never mistaken for a missing resource.
//!
//! A route added without these fails here, naming it.

use std::collections::BTreeSet;

use reqwest::header::ALLOW;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::harness::{detail, read, Server};

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// JSON bodies with an example an agent can send as it is: the README's
/// "build an app from zero" walk-through, and the data plane's common
/// calls. (Other routes' bodies are described by their schemas.)
const WITH_EXAMPLES: &[&str] = &[
    "POST /api/v1/auth/login",
    "POST /api/v1/auth/refresh",
    "POST /api/v1/builder/apps",
    "PUT /api/v1/builder/apps/{app}/source",
    "PATCH /api/v1/builder/apps/{app}/source/files",
    "DELETE /api/v1/builder/apps/{app}/source/files",
    "POST /api/v1/builder/apps/{app}/source/restore",
    "POST /api/v1/builder/apps/{app}/rollback",
    "POST /api/v1/builder/apps/{app}/publish-requests/{req_id}/reject",
    "POST /api/v1/builder/apps/{id}/actions/{name}/run",
    "POST /api/v1/actions/{app_id}/{name}",
    "POST /api/v1/open/actions/{name}",
    "POST /api/v1/ext/actions/{name}",
    "POST /api/v1/data/objects",
    "POST /api/v1/data/objects/batch",
    "POST /api/v1/data/objects/{obj}/records",
    "PATCH /api/v1/data/records/{id}",
    "POST /api/v1/open/data/objects/{obj}/records",
    "PATCH /api/v1/open/data/records/{id}",
    "POST /api/v1/ext/data/objects/{obj}/records",
    "PATCH /api/v1/ext/data/records/{id}",
    "POST /api/v1/proxy/{app_id}/{table}",
    "POST /api/v1/proxy/{app_id}/{table}/query",
    "PATCH /api/v1/proxy/{app_id}/{table}/{id}",
    "POST /api/v1/open/proxy/{table}",
    "POST /api/v1/open/proxy/{table}/query",
    "PATCH /api/v1/open/proxy/{table}/{id}",
    "POST /api/v1/ext/proxy/{table}",
    "POST /api/v1/ext/proxy/{table}/query",
    "PATCH /api/v1/ext/proxy/{table}/{id}",
];

/// The `{name}` segments of a route template.
fn template_parameters(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(str::to_owned)
        .collect()
}

/// Every operation of the document as (method, path, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let paths = doc["paths"].as_object().expect("paths");
    let mut found = Vec::new();
    for (path, item) in paths {
        let item = item.as_object().expect("path item");
        for key in item.keys() {
            assert!(
                METHODS.contains(&key.as_str()) || key == "parameters",
                "{path}: unexpected key {key}"
            );
        }
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                found.push((method.to_owned(), path.clone(), operation.clone()));
            }
        }
    }
    found
}

#[tokio::test]
async fn every_route_is_documented_with_its_real_parameters_and_answers() {
    let server = Server::start();
    let anonymous = server.anonymous();
    let (status, doc) = anonymous.get("/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let operations = operations(&doc);
    let mut problems = Vec::new();
    let mut with_example = BTreeSet::new();
    for (method, path, operation) in &operations {
        let name = format!("{} {path}", method.to_uppercase());
        let template: BTreeSet<String> = template_parameters(path).into_iter().collect();
        let parameters = operation["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut declared_in_path = BTreeSet::new();
        let mut seen = BTreeSet::new();
        for parameter in &parameters {
            let (p_name, place) = (
                parameter["name"].as_str().unwrap_or_default().to_owned(),
                parameter["in"].as_str().unwrap_or_default(),
            );
            if !["path", "query", "header", "cookie"].contains(&place) {
                problems.push(format!("{name}: parameter {p_name} is in {place:?}"));
            }
            if !seen.insert((p_name.clone(), place.to_owned())) {
                problems.push(format!("{name}: parameter {p_name} declared twice"));
            }
            if place == "path" {
                if parameter["required"] != true {
                    problems.push(format!("{name}: path parameter {p_name} not required"));
                }
                declared_in_path.insert(p_name);
            }
        }
        for extra in declared_in_path.difference(&template) {
            problems.push(format!(
                "{name}: `{extra}` is declared a path parameter but is not in the path (a query parameter? `#[into_params(parameter_in = Query)]`)"
            ));
        }
        for missing in template.difference(&declared_in_path) {
            problems.push(format!(
                "{name}: path parameter `{missing}` is not declared"
            ));
        }
        let responses = operation["responses"].as_object().expect("responses");
        if operation["security"]
            .as_array()
            .is_some_and(|s| !s.is_empty())
            && !responses.contains_key("401")
        {
            problems.push(format!("{name}: needs a token but documents no 401"));
        }
        if !responses.keys().any(|status| status.starts_with('4'))
            && !path.starts_with("/health")
            && path != "/metrics"
            && path != "/"
            && path != "/sign-out"
        {
            problems.push(format!("{name}: documents no error status"));
        }
        let body = &operation["requestBody"];
        // A required JSON body; another content type (a multipart upload)
        // names its own errors.
        if let (true, Some(json)) = (
            body["required"] == true,
            body["content"]["application/json"].as_object(),
        ) {
            for status in ["400", "413", "415", "422"] {
                if !responses.contains_key(status) {
                    problems.push(format!("{name}: reads JSON but documents no {status}"));
                }
            }
            if WITH_EXAMPLES.contains(&name.as_str()) {
                if json.contains_key("example") {
                    with_example.insert(name.clone());
                } else {
                    problems.push(format!("{name}: its JSON body has no example"));
                }
            }
        }
    }
    for name in WITH_EXAMPLES {
        if !with_example.contains(*name) {
            problems.push(format!(
                "{name}: listed in WITH_EXAMPLES but not a route with a JSON body"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "/openapi.json:\n{}",
        problems.join("\n")
    );

    // Every documented route exists: a request to it (any values in its
    // parameters, no token) is answered by the route, never by the
    // unknown-route fallback nor as a method the path does not have.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mut not_routed = Vec::new();
    let mut undocumented = Vec::new();
    for (method, path, operation) in &operations {
        let concrete = template_parameters(path)
            .iter()
            .fold(path.clone(), |p, name| {
                p.replace(&format!("{{{name}}}"), "probe")
            });
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
        let response = client
            .request(method.clone(), format!("{}{concrete}", anonymous.base))
            .send()
            .await
            .expect("send");
        let (status, body) = read(response).await;
        let unknown = body["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("No route"));
        if unknown || status == StatusCode::METHOD_NOT_ALLOWED {
            not_routed.push(format!("{method} {path}: {status} {body}"));
        }
        if !operation["responses"]
            .as_object()
            .expect("responses")
            .contains_key(status.as_str())
        {
            undocumented.push(format!(
                "{method} {path}: answered {status}, not documented ({body})"
            ));
        }
    }
    assert!(
        not_routed.is_empty(),
        "documented but not routed:\n{}",
        not_routed.join("\n")
    );
    assert!(
        undocumented.is_empty(),
        "statuses a request without a token gets that /openapi.json does not list:\n{}",
        undocumented.join("\n")
    );

    // Routes that were once outside the document (the pages) are in it; the
    // only undocumented routes are the documentation's own.
    let documented: BTreeSet<(String, String)> = operations
        .iter()
        .map(|(m, p, _)| (m.clone(), p.clone()))
        .collect();
    for (method, path) in [
        ("get", "/"),
        ("post", "/session"),
        ("post", "/sign-out"),
        ("get", "/runtime/{slug}"),
        ("get", "/externalAppRuntime/{slug}"),
        ("get", "/externalAppLogin/{slug}"),
        ("get", "/assets/runtime/{hash}/appbox-runtime.js"),
        ("get", "/assets/apps/{slug}/{file}"),
        ("post", "/api/v1/compile/compile/{slug}"),
    ] {
        assert!(
            documented.contains(&(method.to_owned(), path.to_owned())),
            "{method} {path} is missing from /openapi.json"
        );
    }
    let compile = &doc["paths"]["/api/v1/compile/compile/{slug}"]["post"];
    let dev = compile["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == "dev")
        .expect("dev documented");
    assert_eq!(dev["in"], "query", "{dev}");
    let publish = &doc["paths"]["/api/v1/builder/apps/{app}/publish"]["post"];
    assert_eq!(
        publish["requestBody"]["content"]["application/json"]["example"],
        serde_json::json!({"published_assets": {}}),
        "{publish}"
    );
    assert_ne!(publish["requestBody"]["required"], true, "{publish}");
    assert_eq!(
        doc["paths"]["/api/v1/proxy/{app_id}/{table}"]["get"]["parameters"][0]["name"],
        "app_id"
    );
}

#[tokio::test]
async fn an_unknown_route_is_named_and_points_at_the_docs() {
    let server = Server::start();
    let anonymous = server.anonymous();
    let admin = server.admin().await;
    for (method, path) in [
        (Method::GET, "/api/v1/builder/appz"),
        (Method::POST, "/api/v1/compile/my-app"),
        (Method::DELETE, "/nothing/here"),
    ] {
        let (status, body) = admin.call(method.clone(), path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
        let text = detail(&body);
        assert!(text.contains(&format!("{method} {path}")), "{text}");
        assert!(text.contains("/docs"), "{text}");
    }
    // A very long path is not echoed whole.
    let long = format!("/api/{}", "x".repeat(5000));
    let (status, body) = anonymous.get(&long).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(detail(&body).len() < 600, "{body}");

    // A missing resource on a real route says what is missing, not "no route".
    let (status, body) = admin.get("/api/v1/builder/apps/no-such-app").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!detail(&body).contains("No route"), "{body}");
    assert!(!detail(&body).contains("/docs"), "{body}");

    // A real path with a method it lacks: 405, its methods in `Allow`.
    let response = admin
        .request(Method::PUT, "/api/v1/auth/login")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let allow = response.headers().get(ALLOW).cloned();
    let (_, body) = read(response).await;
    assert_eq!(allow.as_ref().and_then(|v| v.to_str().ok()), Some("POST"));
    assert!(detail(&body).contains("PUT"), "{body}");
    assert!(detail(&body).contains("/docs"), "{body}");

    // And /docs is there: Swagger UI over /openapi.json.
    let docs = anonymous
        .request(Method::GET, "/docs/")
        .send()
        .await
        .expect("docs");
    assert_eq!(docs.status(), StatusCode::OK);
}
