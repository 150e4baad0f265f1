//! Publishing apps and integrations (spec 001 §9, §10, §12; spec 000 §3.8):
//! publish requests that publish exactly what they proposed, the 423 lock
//! on an app's files while one is pending, the publish history, rollback.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{detail, files_path, Api, Server};

fn apps(id: &str) -> String {
    format!("/api/v1/builder/apps/{id}")
}

/// Adds a reference to `customers` with `columns`, readable.
async fn reference(api: &Api, app: &str, columns: &[&str]) -> String {
    let (status, created) = api
        .post(
            &format!("/api/v1/refs/apps/{app}"),
            json!({"table_name": "customers", "columns": columns, "permissions": ["read"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["id"].as_str().expect("id").to_owned()
}

async fn published_refs(api: &Api, app: &str) -> Vec<(Value, Value)> {
    let (status, refs) = api.get(&format!("/api/v1/refs/apps/{app}")).await;
    assert_eq!(status, StatusCode::OK, "{refs}");
    refs.as_array()
        .expect("list")
        .iter()
        .map(|r| {
            (
                r["published_columns"].clone(),
                r["published_permissions"].clone(),
            )
        })
        .collect()
}

/// Issue 8 point 3: an integration's publish request stores the reference
/// snapshot it proposes, and approving it publishes exactly that, not the
/// references as they are at approval time.
#[tokio::test]
async fn an_approved_integration_request_publishes_its_proposal() {
    let server = Server::start();
    let admin = server.admin().await;
    let builder = server.user("builder@test.local", "builder", None).await;
    let (_, app) = builder
        .post("/api/v1/integrations", json!({"name": "Proposal"}))
        .await;
    let id = app["id"].as_str().expect("id");
    let ref_id = reference(&builder, id, &["name"]).await;

    let (status, request) = builder
        .post(&format!("/api/v1/integrations/{id}/publish"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{request}");
    assert_eq!(request["status"], "pending");
    assert_eq!(
        request["references"],
        json!([{"table_name": "customers", "columns": ["name"], "permissions": ["read"], "is_public_readable": false}]),
        "the request shows what it proposes"
    );

    // References change after the request was filed (they are not locked).
    let (status, out) = builder
        .patch(
            &format!("/api/v1/refs/{ref_id}"),
            json!({"columns": ["name", "email"], "permissions": ["read", "create"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");

    let request_id = request["id"].as_str().expect("id");
    let (status, approved) = admin
        .post(
            &format!("/api/v1/integrations/{id}/publish-requests/{request_id}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(
        published_refs(&admin, id).await,
        vec![(json!(["name"]), json!(["read"]))],
        "approval publishes the proposal, not the live references"
    );
    // The live reference keeps its newer settings for the next publish.
    let (_, live) = admin.get(&format!("/api/v1/refs/apps/{id}")).await;
    assert_eq!(live[0]["columns"], json!(["name", "email"]));

    // And the key's proxy reads the proposal: `email` is not published.
    let (status, key) = admin
        .post(
            &format!("/api/v1/integrations/{id}/api-keys"),
            json!({"name": "k"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    let query = |column: &'static str| {
        admin
            .client
            .post(format!("{}/api/v1/open/proxy/customers/query", admin.base))
            .header("X-API-Key", key["api_key"].as_str().expect("key"))
            .json(&json!({"filters": [{"column": column, "op": "eq", "value": "x"}]}))
            .send()
    };
    let (status, out) = crate::harness::read(query("name").await.expect("send")).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let (status, out) = crate::harness::read(query("email").await.expect("send")).await;
    assert_eq!(
        (status, detail(&out)),
        (StatusCode::BAD_REQUEST, "未授權的篩選欄位: email")
    );
}

/// Many requests filed at once: exactly one is pending, the others are
/// told the app is locked.
#[tokio::test]
async fn one_pending_request_per_app_under_concurrency() {
    let server = Server::start();
    let builder = server.user("builder@test.local", "builder", None).await;
    let app = builder.create_app("Race").await;
    let id = app["id"].as_str().expect("id").to_owned();
    let path = format!("{}/publish", apps(&id));
    let calls = (0..8).map(|_| {
        let builder = builder.clone();
        let path = path.clone();
        tokio::spawn(async move { builder.post(&path, json!({})).await })
    });
    let mut statuses = Vec::new();
    for call in calls.collect::<Vec<_>>() {
        let (status, out) = call.await.expect("task");
        assert!(
            status == StatusCode::ACCEPTED || status == StatusCode::LOCKED,
            "{status}: {out}"
        );
        statuses.push(status);
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::ACCEPTED)
            .count(),
        1,
        "{statuses:?}"
    );
    let (_, listed) = builder
        .get(&format!("{}/publish-requests", apps(&id)))
        .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
}

/// Issue 9: a builder without builder.publish gets a pending request; the
/// app's files answer 423 until it is decided; approval publishes the
/// proposed VFS version and reference snapshot.
#[tokio::test]
async fn app_publish_requests_lock_the_files_until_decided() {
    let server = Server::start();
    let admin = server.admin().await;
    let builder = server.user("builder@test.local", "builder", None).await;
    let app = builder.create_app("Requests").await;
    let id = app["id"].as_str().expect("id").to_owned();
    let ref_id = reference(&builder, &id, &["name"]).await;
    let (status, out) = builder
        .patch(
            &files_path(&id),
            json!({"files": {"src/pages/Extra.tsx": "export default () => <p>v2</p>;\n"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["vfs_version"], 2);

    // Without builder.publish: 202 and a pending request for version 2.
    let (status, request) = builder
        .post(
            &format!("{}/publish?note=ready", apps(&id)),
            json!({"published_assets": {}}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{request}");
    assert_eq!(request["status"], "pending");
    assert_eq!(request["note"], "ready");
    assert_eq!(request["vfs_version"], 2);
    assert_eq!(
        request["references"],
        json!([{"table_name": "customers", "columns": ["name"], "permissions": ["read"], "is_public_readable": false}])
    );
    let request_id = request["id"].as_str().expect("id").to_owned();
    let (_, state) = builder.get(&format!("{}/publish-status", apps(&id))).await;
    assert_eq!(state["is_locked"], true, "{state}");
    assert_eq!(state["can_publish"], false);
    assert_eq!(state["pending_request"]["id"], request_id.as_str());
    assert!(state["published_version"].is_null());

    // Every VFS write and every publish answers 423, saying what to do.
    let cancel_path = format!("{}/publish-requests/{request_id}/cancel", apps(&id));
    let locked = [
        builder
            .patch(
                &files_path(&id),
                json!({"files": {"src/pages/Extra.tsx": "export default () => <p>v3</p>;\n"}}),
            )
            .await,
        builder
            .put(
                &format!("{}/source", apps(&id)),
                json!({"files": {"src/main.tsx": "export {};\n"}}),
            )
            .await,
        builder
            .delete(&files_path(&id), json!({"paths": ["src/pages/Extra.tsx"]}))
            .await,
        builder
            .post(
                &format!("{}/source/restore", apps(&id)),
                json!({"version": 1}),
            )
            .await,
        builder
            .post(&format!("{}/publish", apps(&id)), json!({}))
            .await,
        admin
            .post(&format!("{}/publish", apps(&id)), json!({}))
            .await,
        admin
            .post(&format!("{}/rollback", apps(&id)), json!({"version": 1}))
            .await,
    ];
    for (status, out) in &locked {
        assert_eq!(*status, StatusCode::LOCKED, "{out}");
        let text = detail(out);
        assert!(
            text.contains(&cancel_path) && text.contains("wait"),
            "the detail names the way out: {text}"
        );
    }
    assert_eq!(
        admin.app(&id).await["vfs_version"],
        2,
        "nothing was written"
    );

    // References may change while the request is pending…
    let (status, out) = builder
        .patch(
            &format!("/api/v1/refs/{ref_id}"),
            json!({"columns": ["name", "email"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");

    // The builder can neither approve nor reject; a publisher may.
    let approve_path = format!("{}/publish-requests/{request_id}/approve", apps(&id));
    let (status, out) = builder.post(&approve_path, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{out}");
    assert!(detail(&out).contains("builder.publish"));
    let (status, approved) = admin.post(&approve_path, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(approved["status"], "approved");

    // …and the approval published the proposal: version 2, refs as proposed.
    let published = admin.app(&id).await;
    assert_eq!(published["status"], "published");
    assert_eq!(published["published_version"], 2);
    assert_eq!(
        published_refs(&admin, &id).await,
        vec![(json!(["name"]), json!(["read"]))]
    );
    let (status, history) = admin.get(&format!("{}/publishes", apps(&id))).await;
    assert_eq!(status, StatusCode::OK, "{history}");
    assert_eq!(history.as_array().map(Vec::len), Some(1), "{history}");
    assert_eq!(history[0]["vfs_version"], 2);
    assert_eq!(history[0]["published_by_email"], "admin@test.local");
    assert_eq!(history[0]["requested_by_email"], "builder@test.local");
    assert_eq!(history[0]["request_id"], request_id.as_str());
    assert_eq!(history[0]["is_current"], true);
    assert_eq!(
        history[0]["references"],
        json!([{"table_name": "customers", "columns": ["name"], "permissions": ["read"], "is_public_readable": false}])
    );

    // The files are open again.
    let (status, out) = builder
        .patch(
            &files_path(&id),
            json!({"files": {"src/pages/Extra.tsx": "export default () => <p>v3</p>;\n"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["vfs_version"], 3);

    // Rejected: a reason is required; the published version stays.
    let (status, second) = builder
        .post(&format!("{}/publish", apps(&id)), json!({}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{second}");
    assert_eq!(second["vfs_version"], 3);
    let second_id = second["id"].as_str().expect("id");
    let reject_path = format!("{}/publish-requests/{second_id}/reject", apps(&id));
    let (status, out) = admin.post(&reject_path, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    assert!(detail(&out).contains("reject_reason"));
    let (status, rejected) = admin
        .post(
            &reject_path,
            json!({"reject_reason": "the footer is wrong"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rejected}");
    assert_eq!(
        (
            rejected["status"].clone(),
            rejected["reject_reason"].clone()
        ),
        (json!("rejected"), json!("the footer is wrong"))
    );
    assert_eq!(admin.app(&id).await["published_version"], 2);
    let (status, _) = builder
        .patch(
            &files_path(&id),
            json!({"files": {"src/pages/Extra.tsx": "export default () => <p>v4</p>;\n"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "a rejection unlocks the files");

    // Cancelled: only by the requester; the files unlock; nothing published.
    let (_, third) = builder
        .post(&format!("{}/publish", apps(&id)), json!({}))
        .await;
    let third_id = third["id"].as_str().expect("id");
    let cancel = format!("{}/publish-requests/{third_id}/cancel", apps(&id));
    let (status, _) = admin.post(&cancel, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only the requester cancels");
    let (status, cancelled) = builder.post(&cancel, json!({})).await;
    assert_eq!(
        (status, cancelled["status"].clone()),
        (StatusCode::OK, json!("cancelled"))
    );
    let (status, _) = admin
        .post(
            &format!("{}/publish-requests/{third_id}/approve", apps(&id)),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a cancelled request is over");
    assert_eq!(admin.app(&id).await["published_version"], 2);
    let (status, _) = builder
        .delete(&files_path(&id), json!({"paths": ["src/pages/Extra.tsx"]}))
        .await;
    assert_eq!(status, StatusCode::OK, "a cancellation unlocks the files");

    let (_, listed) = admin.get(&format!("{}/publish-requests", apps(&id))).await;
    let statuses: Vec<&str> = listed
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|r| r["status"].as_str())
        .collect();
    assert_eq!(statuses, vec!["cancelled", "rejected", "approved"]);
}

/// The requester never approves their own request, even with
/// builder.publish (they may ask for a review with `?review=true`).
#[tokio::test]
async fn nobody_approves_their_own_request() {
    let server = Server::start();
    let admin = server.admin().await;
    let other = server.user("second@test.local", "admin", None).await;
    let app = admin.create_app("Four eyes").await;
    let id = app["id"].as_str().expect("id");
    let (status, request) = admin
        .post(&format!("{}/publish?review=true", apps(id)), json!({}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{request}");
    let approve = format!(
        "{}/publish-requests/{}/approve",
        apps(id),
        request["id"].as_str().expect("id")
    );
    let (status, out) = admin.post(&approve, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{out}");
    assert!(
        detail(&out).contains("another publisher"),
        "{}",
        detail(&out)
    );
    let (status, out) = other.post(&approve, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(admin.app(id).await["published_version"], 1);
}

/// Issue 9: a published app keeps its published version after a broken
/// push; publishing the broken version is refused with 422 and files no
/// request.
#[tokio::test]
async fn a_broken_push_never_replaces_the_published_version() {
    let server = Server::start();
    let admin = server.admin().await;
    let builder = server.user("builder@test.local", "builder", None).await;
    let app = admin.create_app("Sturdy").await;
    let id = app["id"].as_str().expect("id");
    let (status, out) = admin
        .post(
            &format!("{}/publish", apps(id)),
            json!({"published_assets": {}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["published_version"], 1);

    let (status, out) = builder
        .patch(
            &files_path(id),
            json!({"files": {"src/App.tsx": "export default function App( {\n"}}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "pushing a broken file is allowed: {out}"
    );
    for caller in [&admin, &builder] {
        let (status, out) = caller
            .post(&format!("{}/publish", apps(id)), json!({}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
        assert!(detail(&out).contains("src/App.tsx"), "{}", detail(&out));
    }
    let current = admin.app(id).await;
    assert_eq!(
        (
            current["published_version"].clone(),
            current["vfs_version"].clone()
        ),
        (json!(1), json!(2))
    );
    let (_, state) = builder.get(&format!("{}/publish-status", apps(id))).await;
    assert_eq!(
        state["is_locked"], false,
        "a refused publish files no request"
    );
}

/// Rollback republishes a version that was published before, with the
/// references it was published with.
#[tokio::test]
async fn rollback_republishes_an_older_version() {
    let server = Server::start();
    let admin = server.admin().await;
    let builder = server.user("builder@test.local", "builder", None).await;
    let app = admin.create_app("Rollback").await;
    let id = app["id"].as_str().expect("id");
    let ref_id = reference(&admin, id, &["name"]).await;
    let (status, _) = admin
        .post(&format!("{}/publish", apps(id)), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    admin
        .patch(
            &format!("/api/v1/refs/{ref_id}"),
            json!({"columns": ["name", "email"]}),
        )
        .await;
    let (status, _) = admin
        .patch(
            &files_path(id),
            json!({"files": {"src/pages/New.tsx": "export default () => <p>new</p>;\n"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, out) = admin
        .post(&format!("{}/publish", apps(id)), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["published_version"], 2);
    assert_eq!(
        published_refs(&admin, id).await,
        vec![(json!(["name", "email"]), json!(["read"]))]
    );

    let rollback = format!("{}/rollback", apps(id));
    let (status, out) = builder.post(&rollback, json!({"version": 1})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{out}");
    assert!(detail(&out).contains("builder.publish"));
    for version in [99, 3] {
        if version == 3 {
            // Version 3 exists but was never published.
            admin
                .patch(
                    &files_path(id),
                    json!({"files": {"src/pages/New.tsx": "export default () => <p>3</p>;\n"}}),
                )
                .await;
        }
        let (status, out) = admin.post(&rollback, json!({"version": version})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{out}");
        assert!(
            detail(&out).contains("publishes"),
            "names where to look: {}",
            detail(&out)
        );
    }
    let (status, out) = admin.post(&rollback, json!({"version": "one"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{out}");

    let (status, out) = admin.post(&rollback, json!({"version": 1})).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["published_version"], 1);
    assert_eq!(out["vfs_version"], 3, "the working copy is untouched");
    assert_eq!(
        published_refs(&admin, id).await,
        vec![(json!(["name"]), json!(["read"]))],
        "the references go back with the version"
    );
    let (_, history) = admin.get(&format!("{}/publishes", apps(id))).await;
    let summary: Vec<(Value, Value, Value)> = history
        .as_array()
        .expect("list")
        .iter()
        .map(|p| {
            (
                p["vfs_version"].clone(),
                p["action"].clone(),
                p["is_current"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (json!(1), json!("rollback"), json!(true)),
            (json!(2), json!("publish"), json!(false)),
            (json!(1), json!("publish"), json!(false)),
        ]
    );

    // An app with a publish history is deleted with it.
    let (status, out) = admin.call(reqwest::Method::DELETE, &apps(id), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{out}");
    let (status, _) = admin.get(&format!("{}/publishes", apps(id))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Another tenant's apps and requests are 404s, whatever the route.
#[tokio::test]
async fn another_tenants_publishing_is_not_found() {
    let server = Server::start();
    let builder = server.user("builder@test.local", "builder", None).await;
    let rival = server
        .user("rival@test.local", "admin", Some("Rival"))
        .await;
    let app = builder.create_app("Mine").await;
    let id = app["id"].as_str().expect("id");
    let (status, request) = builder
        .post(&format!("{}/publish", apps(id)), json!({}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{request}");
    let request_id = request["id"].as_str().expect("id");

    for (status, out) in [
        rival.get(&format!("{}/publish-status", apps(id))).await,
        rival.get(&format!("{}/publish-requests", apps(id))).await,
        rival.get(&format!("{}/publishes", apps(id))).await,
        rival
            .post(&format!("{}/publish", apps(id)), json!({}))
            .await,
        rival
            .post(&format!("{}/rollback", apps(id)), json!({"version": 1}))
            .await,
        rival
            .post(
                &format!("{}/publish-requests/{request_id}/approve", apps(id)),
                json!({}),
            )
            .await,
    ] {
        assert_eq!(status, StatusCode::NOT_FOUND, "{out}");
    }
    // Their own app with this tenant's request id: still not found.
    let own = rival.create_app("Theirs").await;
    let own_id = own["id"].as_str().expect("id");
    for action in ["approve", "cancel"] {
        let (status, out) = rival
            .post(
                &format!("{}/publish-requests/{request_id}/{action}", apps(own_id)),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{out}");
    }
    let (status, out) = rival
        .post(
            &format!("{}/publish-requests/{request_id}/reject", apps(own_id)),
            json!({"reject_reason": "no"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{out}");
    let (_, state) = builder.get(&format!("{}/publish-status", apps(id))).await;
    assert_eq!(state["pending_request"]["status"], "pending");
}

/// The publish routes are in the OpenAPI document with their answers.
#[tokio::test]
async fn the_publish_routes_are_documented() {
    let server = Server::start();
    let (status, doc) = server.anonymous().get("/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let base = "/api/v1/builder/apps/{app}";
    for (method, path, codes) in [
        ("post", "/publish", &["200", "202", "422", "423"][..]),
        ("get", "/publish-requests", &["200"][..]),
        (
            "post",
            "/publish-requests/{req_id}/approve",
            &["200", "403", "404"][..],
        ),
        (
            "post",
            "/publish-requests/{req_id}/reject",
            &["200", "422"][..],
        ),
        ("post", "/publish-requests/{req_id}/cancel", &["200"][..]),
        ("get", "/publish-status", &["200"][..]),
        ("get", "/publishes", &["200"][..]),
        ("post", "/rollback", &["200", "403", "404", "423"][..]),
    ] {
        let operation = &doc["paths"][format!("{base}{path}")][method];
        assert!(operation.is_object(), "{method} {path} is not documented");
        for code in codes {
            assert!(
                operation["responses"][code].is_object(),
                "{method} {path} does not document {code}"
            );
        }
    }
    let request = &doc["components"]["schemas"]["PublishRequest"]["properties"];
    assert!(request["vfs_version"].is_object() && request["references"].is_object());
}

/// The bundle `/runtime/{slug}` serves to a signed-in member, as text.
async fn served_bundle(server: &Server, api: &Api, slug: &str) -> String {
    let client = reqwest::Client::new();
    let token = api.token.as_deref().expect("token");
    let response = client
        .get(format!("{}/runtime/{slug}", server.base))
        .header(reqwest::header::COOKIE, format!("appbox_token={token}"))
        .send()
        .await
        .expect("page");
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.expect("html");
    let start = html.find("bundle-src=\"").expect("bundle-src") + "bundle-src=\"".len();
    let src = &html[start..start + html[start..].find('"').expect("quote")];
    let response = client
        .get(format!("{}{src}", server.base))
        .send()
        .await
        .expect("bundle");
    assert_eq!(response.status(), StatusCode::OK, "{src}");
    response.text().await.expect("bundle text")
}

/// Issue 9, through the runtime: end users get what publishing chose — the
/// proposal once approved, the old build after a broken push, the older
/// build after a rollback.
#[tokio::test]
async fn the_runtime_serves_what_publishing_chose() {
    let server = Server::start();
    let admin = server.admin().await;
    let builder = server.user("builder@test.local", "builder", None).await;
    let app = admin.create_app("Served").await;
    let (id, slug) = (
        app["id"].as_str().expect("id").to_owned(),
        app["slug"].as_str().expect("slug").to_owned(),
    );
    let page = |marker: &str| {
        json!({"files": {"src/pages/NotFoundPage.tsx":
            format!("export default function NotFoundPage() {{ return <h1>{marker}</h1>; }}\n")}})
    };
    admin.patch(&files_path(&id), page("FIRST-MARK")).await;
    let (status, _) = admin
        .post(&format!("{}/publish", apps(&id)), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(served_bundle(&server, &admin, &slug)
        .await
        .contains("FIRST-MARK"));

    // A builder proposes version 3; until it is approved, version 2 is served.
    let (status, _) = builder.patch(&files_path(&id), page("SECOND-MARK")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, request) = builder
        .post(&format!("{}/publish", apps(&id)), json!({}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{request}");
    assert!(served_bundle(&server, &admin, &slug)
        .await
        .contains("FIRST-MARK"));
    let (status, _) = admin
        .post(
            &format!(
                "{}/publish-requests/{}/approve",
                apps(&id),
                request["id"].as_str().expect("id")
            ),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let served = served_bundle(&server, &admin, &slug).await;
    assert!(served.contains("SECOND-MARK") && !served.contains("FIRST-MARK"));

    // A broken push changes nothing for end users; publishing it is a 422.
    let (status, _) = builder
        .patch(
            &files_path(&id),
            json!({"files": {"src/pages/NotFoundPage.tsx": "export default function ( {\n"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = admin
        .post(&format!("{}/publish", apps(&id)), json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(served_bundle(&server, &admin, &slug)
        .await
        .contains("SECOND-MARK"));

    // Rollback to version 2 serves its build again.
    let (status, out) = admin
        .post(&format!("{}/rollback", apps(&id)), json!({"version": 2}))
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let served = served_bundle(&server, &admin, &slug).await;
    assert!(served.contains("FIRST-MARK") && !served.contains("SECOND-MARK"));
}
