use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{detail, files_path, Api, Server};

/// A new app compiles as it is; an edit that breaks it gets every error with
/// file, line and column, as HTTP 200 with `success: false`.
#[tokio::test]
async fn compile_api_builds_the_template_and_reports_errors() {
    let server = Server::start();
    let api = server.admin().await;
    let app = api.create_app("Compiled").await;
    let (id, slug) = (
        app["id"].as_str().expect("id"),
        app["slug"].as_str().expect("slug"),
    );

    let (status, out) = api
        .post(
            &format!("/api/v1/compile/compile/{slug}?dev=false"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["success"], true, "{}", out["error"]);
    let bundle = out["bundle_js"].as_str().expect("bundle_js");
    assert!(bundle.contains("__APPBOX_EXTERNALS__") && !bundle.contains("sourceMappingURL"));
    assert!(out["css"].as_str().expect("css").contains(":host"));
    assert_eq!(out["warnings"], json!([]));
    assert_eq!(out["cached"], false);
    let html = out["html"].as_str().expect("html");
    assert!(
        html.starts_with("<!DOCTYPE html>")
            && html.contains("appbox-runtime.js")
            && html.contains("data-appbox-app-bundle")
    );

    // The same content again comes from the cache, identical.
    let (_, again) = api
        .post(&format!("/api/v1/compile/compile/{slug}"), json!({}))
        .await;
    assert_eq!(again["cached"], true);
    assert_eq!(again["bundle_js"], out["bundle_js"]);
    // An edit is compiled; putting the file back (a new version with the
    // first one's content) is the first result again.
    let page = "src/pages/NotFoundPage.tsx";
    let edit = |text: &Value| json!({"files": {page: text}});
    let edited =
        json!("export default function NotFoundPage() {\n  return <p>Edited away</p>;\n}\n");
    let (status, _) = api.patch(&files_path(id), edit(&edited)).await;
    assert_eq!(status, StatusCode::OK);
    let (_, changed) = api
        .post(&format!("/api/v1/compile/compile/{slug}"), json!({}))
        .await;
    assert_eq!(changed["cached"], false, "{changed}");
    assert!(changed["bundle_js"]
        .as_str()
        .is_some_and(|js| js.contains("Edited away")));
    let (status, _) = api
        .patch(&files_path(id), edit(&app["vfs_state"][page]))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, back) = api
        .post(&format!("/api/v1/compile/compile/{slug}"), json!({}))
        .await;
    assert_eq!(back["cached"], true, "{back}");
    assert_eq!(back["bundle_js"], out["bundle_js"]);

    // A fresh compile says where its time went: the handler's steps, then
    // the compiler's.
    let response = api
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/compile/compile/{id}?dev=true"),
        )
        .json(&json!({}))
        .send()
        .await
        .expect("compile");
    let timing = response
        .headers()
        .get("server-timing")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    for step in [
        "vfs;dur=",
        "sdk;dur=",
        "actions-and-compile;dur=",
        "hash;dur=",
        "scan-all-cores;dur=",
        "modules-and-CSS-all-cores;dur=",
        "link;dur=",
        "answer;dur=",
    ] {
        assert!(timing.contains(step), "{step} in {timing}");
    }
    // The answer is sent with its length (its buffers are not chunked), and
    // the page holds the same bundle.
    let length = response.content_length();
    assert!(response.headers().get("transfer-encoding").is_none());
    let body = response.bytes().await.expect("body");
    assert_eq!(length, Some(body.len() as u64));
    let dev: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(dev["success"], true);
    assert!(dev["html"]
        .as_str()
        .expect("html")
        .contains(dev["bundle_js"].as_str().expect("js")));
    assert!(dev["bundle_js"]
        .as_str()
        .expect("js")
        .contains("sourceMappingURL=data:application/json;base64,"));

    // Break two files: both errors come back, esbuild-style.
    let (status, _) = api
        .patch(
            &files_path(id),
            json!({"files": {
                "src/pages/NotFoundPage.tsx": "export default function NotFoundPage() {\n  return <div><span></div>;\n}\n",
                "src/routes.ts": "import Missing from './pages/Missing';\nexport const routes = [Missing];\n"
            }}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, out) = api
        .post(
            &format!("/api/v1/compile/compile/{slug}?dev=true"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["success"], false);
    let error = out["error"].as_str().expect("error");
    assert!(error.starts_with("✘ [ERROR] "), "{error}");
    assert!(
        error.contains("Could not resolve \"./pages/Missing\""),
        "{error}"
    );
    let errors = out["errors"].as_array().expect("errors");
    assert!(
        errors
            .iter()
            .any(|e| e["file"] == "src/routes.ts" && e["line"] == 1 && e["column"] == 20),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e["file"] == "src/pages/NotFoundPage.tsx" && e["line"] == 2),
        "{errors:?}"
    );

    // Pitfalls are warnings with places, and the compile still succeeds.
    let (status, _) = api
        .patch(
            &files_path(id),
            json!({"files": {
                "src/pages/NotFoundPage.tsx": "export default function NotFoundPage() {\n  if (confirm('leave?')) return null;\n  return <div style={{ minHeight: '100vh' }}>gone</div>;\n}\n",
                "src/routes.ts": app["vfs_state"]["src/routes.ts"]
            }}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, out) = api
        .post(&format!("/api/v1/compile/compile/{slug}"), json!({}))
        .await;
    assert_eq!(out["success"], true, "{}", out["error"]);
    let warnings = out["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings
        .iter()
        .all(|w| w["file"] == "src/pages/NotFoundPage.tsx"));
}

/// A builder's file nested deeper than the compiler's stack holds is a
/// compile error with its place, and the server goes on serving (a stack
/// overflow would abort it, and every tenant's apps with it).
#[tokio::test]
async fn a_file_nested_too_deeply_is_an_error_and_the_server_lives_on() {
    let server = Server::start();
    let api = server.admin().await;
    let app = api.create_app("Deep").await;
    let id = app["id"].as_str().expect("id");
    let n = 150_000;
    let page = format!(
        "export const deep = {}1{};\nexport default function Deep() {{ return <p>{{deep}}</p>; }}\n",
        "(".repeat(n),
        ")".repeat(n)
    );
    let (status, out) = api
        .patch(
            &files_path(id),
            json!({"files": {"src/pages/NotFoundPage.tsx": page}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    for dev in [false, true] {
        let (status, out) = api
            .post(
                &format!("/api/v1/compile/compile/{id}?dev={dev}"),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{out}");
        assert_eq!(out["success"], false);
        assert_eq!(
            out["errors"][0]["file"], "src/pages/NotFoundPage.tsx",
            "{out}"
        );
        assert_eq!(out["errors"][0]["line"], 1, "{out}");
        assert!(out["error"]
            .as_str()
            .expect("error")
            .contains("nests too deeply to compile"));
    }
    let (status, out) = api.get(&format!("/api/v1/builder/apps/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{out}");
}

#[tokio::test]
async fn compile_api_checks_the_caller() {
    let server = Server::start();
    let admin = server.admin().await;
    let slug = admin.create_app("Private").await["slug"]
        .as_str()
        .expect("slug")
        .to_owned();
    let (status, _) = server
        .anonymous()
        .post(&format!("/api/v1/compile/compile/{slug}"), json!({}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let stranger = server
        .user("stranger@test.local", "admin", Some("Other org"))
        .await;
    let (status, out) = stranger
        .post(&format!("/api/v1/compile/compile/{slug}"), json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(detail(&out), "App not found");
    let (status, _) = admin
        .post(
            &format!("/api/v1/compile/compile/{slug}?dev=maybe"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// The compile API keeps the last compiled version's files of an app and
/// reads only changed blobs after it: every edit is still seen by the very
/// next compile (one written by another process too, and a restore of an
/// older version), and another tenant's app stays a 404 while its files are
/// kept.
#[tokio::test]
async fn compile_api_sees_every_edit_through_its_kept_files() {
    let server = Server::start();
    let admin = server.admin().await;
    let app = admin.create_app("Kept").await;
    let id = app["id"].as_str().expect("id");
    let page = "src/pages/NotFoundPage.tsx";
    let compile_path = format!("/api/v1/compile/compile/{id}");
    let with = |mark: &str| {
        format!("console.log(\"{mark}\");\nexport default function NotFoundPage() {{\n  return <div>gone</div>;\n}}\n")
    };
    let bundle = |out: &serde_json::Value| {
        assert_eq!(out["success"], true, "{}", out["error"]);
        let js = out["bundle_js"].as_str().expect("bundle_js").to_owned();
        // The page carries the same bundle.
        assert!(out["html"].as_str().expect("html").contains(&js));
        js
    };

    let (status, out) = admin.post(&compile_path, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert!(!bundle(&out).contains("edit-one"));

    let (status, written) = admin
        .patch(&files_path(id), json!({"files": {page: with("edit-one")}}))
        .await;
    assert_eq!(status, StatusCode::OK, "{written}");
    let first_edit = written["vfs_version"].as_i64().expect("version");
    let (_, out) = admin.post(&compile_path, json!({})).await;
    let js = bundle(&out);
    assert!(js.contains("edit-one"), "the edit is in the next compile");

    // Written through another process: this one's kept files are older.
    let second = server.second_process();
    let other = Api {
        token: admin.token.clone(),
        ..second.anonymous()
    };
    let (status, written) = other
        .patch(&files_path(id), json!({"files": {page: with("edit-two")}}))
        .await;
    assert_eq!(status, StatusCode::OK, "{written}");
    let (_, out) = admin.post(&compile_path, json!({})).await;
    let js = bundle(&out);
    assert!(js.contains("edit-two") && !js.contains("edit-one"));

    // A restore brings back a blob the kept version does not hold.
    let (status, restored) = admin
        .post(
            &format!("/api/v1/builder/apps/{id}/source/restore"),
            json!({"version": first_edit}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    let (_, out) = admin.post(&compile_path, json!({})).await;
    let js = bundle(&out);
    assert!(js.contains("edit-one") && !js.contains("edit-two"));

    // Another tenant's caller cannot reach the kept files by the app's id.
    let stranger = server
        .user("stranger@test.local", "admin", Some("Other org"))
        .await;
    let (status, out) = stranger.post(&compile_path, json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{out}");
    assert_eq!(detail(&out), "App not found");
}
