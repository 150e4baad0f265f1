//! Every route in `/openapi.json` is called at least once, with the status
//! a user would expect; a few that no topic file calls also get their effect
//! checked here (PATCH/DELETE of fields, PATCH of objects, DELETE of
//! workflows, one approval request, the integration list).
//!
//! Adding a route? The test fails naming it until a call is added below
//! (`hit(…)` with the route's template as `/openapi.json` spells it).

use std::collections::BTreeSet;

use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{json, Value};

use crate::harness::{read, Api, Server};

/// The routes called so far, as (METHOD, template).
#[derive(Default)]
struct Coverage {
    seen: BTreeSet<(String, String)>,
}

impl Coverage {
    /// Sends `request` for the route `method template`, asserts `expected`
    /// and returns the body.
    async fn hit(
        &mut self,
        method: Method,
        template: &str,
        request: RequestBuilder,
        expected: StatusCode,
    ) -> Value {
        let (status, body) = read(request.send().await.expect("send")).await;
        assert_eq!(status, expected, "{method} {template}: {body}");
        self.seen.insert((method.to_string(), template.to_owned()));
        body
    }

    /// A call with a platform token (or none) and an optional JSON body.
    async fn call(
        &mut self,
        api: &Api,
        method: Method,
        template: &str,
        path: &str,
        body: Option<Value>,
        expected: StatusCode,
    ) -> Value {
        let mut request = api.request(method.clone(), path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.hit(method, template, request, expected).await
    }
}

fn id(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_owned()
}

#[tokio::test]
async fn every_route_in_openapi_json_is_exercised() {
    use Method as M;
    use StatusCode as S;
    let server = Server::start();
    let anonymous = server.anonymous();
    let mut c = Coverage::default();

    // ---- auth
    let login = c
        .call(
            &anonymous,
            M::POST,
            "/api/v1/auth/login",
            "/api/v1/auth/login",
            Some(json!({"email": crate::harness::ADMIN_EMAIL, "password": crate::harness::ADMIN_PASSWORD})),
            S::OK,
        )
        .await;
    let admin = anonymous.with_token(login["access_token"].as_str().expect("token"));
    let refreshed = c
        .call(
            &anonymous,
            M::POST,
            "/api/v1/auth/refresh",
            "/api/v1/auth/refresh",
            Some(json!({"refresh_token": login["refresh_token"]})),
            S::OK,
        )
        .await;
    assert!(refreshed["access_token"].is_string(), "{refreshed}");
    let me = c
        .call(
            &admin,
            M::GET,
            "/api/v1/auth/me",
            "/api/v1/auth/me",
            None,
            S::OK,
        )
        .await;
    assert_eq!(me["email"], crate::harness::ADMIN_EMAIL);
    let builder = server.user("builder@test.local", "builder", None).await;

    // ---- apps and their VFS
    let app = c
        .call(
            &admin,
            M::POST,
            "/api/v1/builder/apps",
            "/api/v1/builder/apps",
            Some(json!({"name": "Routes"})),
            S::CREATED,
        )
        .await;
    let (app_id, slug) = (id(&app), app["slug"].as_str().expect("slug").to_owned());
    let a = format!("/api/v1/builder/apps/{app_id}");
    let listed = c
        .call(
            &admin,
            M::GET,
            "/api/v1/builder/apps",
            "/api/v1/builder/apps",
            None,
            S::OK,
        )
        .await;
    assert!(listed
        .as_array()
        .expect("apps")
        .iter()
        .any(|x| x["id"] == app_id.as_str()));
    let detail = c
        .call(
            &admin,
            M::GET,
            "/api/v1/builder/apps/{app}",
            &a,
            None,
            S::OK,
        )
        .await;
    c.call(
        &admin,
        M::PATCH,
        "/api/v1/builder/apps/{app}",
        &a,
        Some(json!({"subdomain": "routes-app", "allow_anonymous_access": true})),
        S::OK,
    )
    .await;
    c.call(
        &admin,
        M::PUT,
        "/api/v1/builder/apps/{app}/source",
        &format!("{a}/source"),
        Some(json!({"vfs_state": detail["vfs_state"]})),
        S::OK,
    )
    .await;
    c.call(
        &admin,
        M::PATCH,
        "/api/v1/builder/apps/{app}/source/files",
        &format!("{a}/source/files"),
        Some(json!({"files": {"src/extra.ts": "export const x = 1;\n"}})),
        S::OK,
    )
    .await;
    c.call(
        &admin,
        M::DELETE,
        "/api/v1/builder/apps/{app}/source/files",
        &format!("{a}/source/files"),
        Some(json!({"paths": ["src/extra.ts"]})),
        S::OK,
    )
    .await;
    let versions = c
        .call(
            &admin,
            M::GET,
            "/api/v1/builder/apps/{app}/source/versions",
            &format!("{a}/source/versions"),
            None,
            S::OK,
        )
        .await;
    assert_eq!(versions.as_array().map(Vec::len), Some(4), "{versions}");
    c.call(
        &admin,
        M::GET,
        "/api/v1/builder/apps/{app}/source/versions/{version}",
        &format!("{a}/source/versions/1"),
        None,
        S::OK,
    )
    .await;
    c.call(
        &admin,
        M::POST,
        "/api/v1/builder/apps/{app}/source/restore",
        &format!("{a}/source/restore"),
        Some(json!({"version": 1})),
        S::OK,
    )
    .await;
    let compiled = c
        .call(
            &admin,
            M::POST,
            "/api/v1/compile/compile/{slug}",
            &format!("/api/v1/compile/compile/{slug}"),
            None,
            S::OK,
        )
        .await;
    assert_eq!(compiled["success"], true, "{compiled}");
    c.call(
        &admin,
        M::POST,
        "/api/v1/builder/apps/{app}/publish",
        &format!("{a}/publish"),
        Some(json!({})),
        S::OK,
    )
    .await;
    c.call(
        &anonymous,
        M::GET,
        "/api/v1/builder/apps/public/{slug}",
        &format!("/api/v1/builder/apps/public/{slug}"),
        None,
        S::OK,
    )
    .await;
    c.call(
        &admin,
        M::GET,
        "/api/v1/builder/apps/check-access/{slug}",
        &format!("/api/v1/builder/apps/check-access/{slug}"),
        None,
        S::OK,
    )
    .await;
    member_routes(&mut c, &anonymous, &admin, &app_id, &slug).await;
    let history = c
        .call(
            &admin,
            M::GET,
            "/api/v1/builder/apps/{app}/publishes",
            &format!("{a}/publishes"),
            None,
            S::OK,
        )
        .await;
    let published = history[0]["vfs_version"].clone();
    c.call(
        &admin,
        M::POST,
        "/api/v1/builder/apps/{app}/rollback",
        &format!("{a}/rollback"),
        Some(json!({"version": published})),
        S::OK,
    )
    .await;
    c.call(
        &admin,
        M::GET,
        "/api/v1/builder/apps/{app}/publish-status",
        &format!("{a}/publish-status"),
        None,
        S::OK,
    )
    .await;
    // Publish requests: filed by a builder, decided by the admin.
    for (action, body, decider) in [
        ("reject", json!({"reject_reason": "not yet"}), &admin),
        ("approve", json!({}), &admin),
        ("cancel", json!({}), &builder),
    ] {
        let request = c
            .call(
                &builder,
                M::POST,
                "/api/v1/builder/apps/{app}/publish",
                &format!("{a}/publish"),
                Some(json!({})),
                S::ACCEPTED,
            )
            .await;
        let template = format!("/api/v1/builder/apps/{{app}}/publish-requests/{{req_id}}/{action}");
        let out = c
            .call(
                decider,
                M::POST,
                &template,
                &format!("{a}/publish-requests/{}/{action}", id(&request)),
                Some(body),
                S::OK,
            )
            .await;
        assert_ne!(out["status"], "pending", "{action}: {out}");
    }
    let requests = c
        .call(
            &admin,
            M::GET,
            "/api/v1/builder/apps/{app}/publish-requests",
            &format!("{a}/publish-requests"),
            None,
            S::OK,
        )
        .await;
    let statuses: BTreeSet<&str> = requests
        .as_array()
        .expect("requests")
        .iter()
        .filter_map(|r| r["status"].as_str())
        .collect();
    assert!(
        ["rejected", "approved", "cancelled"]
            .iter()
            .all(|s| statuses.contains(s)),
        "{requests}"
    );

    // ---- integrations and keys
    let integration = c
        .call(
            &admin,
            M::POST,
            "/api/v1/integrations",
            "/api/v1/integrations",
            Some(json!({"name": "Feed"})),
            S::CREATED,
        )
        .await;
    let int_id = id(&integration);
    let i = format!("/api/v1/integrations/{int_id}");
    let listed = c
        .call(
            &admin,
            M::GET,
            "/api/v1/integrations",
            "/api/v1/integrations",
            None,
            S::OK,
        )
        .await;
    let names: Vec<&str> = listed
        .as_array()
        .expect("integrations")
        .iter()
        .filter_map(|x| x["name"].as_str())
        .collect();
    assert_eq!(names, vec!["Feed"], "integrations only, not apps: {listed}");
    c.call(
        &admin,
        M::PATCH,
        "/api/v1/integrations/{app_id}/name",
        &format!("{i}/name"),
        Some(json!({"name": "Order feed"})),
        S::OK,
    )
    .await;
    c.call(
        &admin,
        M::PATCH,
        "/api/v1/integrations/{app_id}/settings",
        &format!("{i}/settings"),
        Some(json!({"allowed_origins": []})),
        S::OK,
    )
    .await;
    let one = c
        .call(
            &admin,
            M::GET,
            "/api/v1/integrations/{app_id}",
            &i,
            None,
            S::OK,
        )
        .await;
    assert_eq!(one["name"], "Order feed", "{one}");
    let key = c
        .call(
            &admin,
            M::POST,
            "/api/v1/integrations/{app_id}/api-keys",
            &format!("{i}/api-keys"),
            Some(json!({"name": "main"})),
            S::CREATED,
        )
        .await;
    let key = key["api_key"].as_str().expect("key").to_owned();
    let spare = admin
        .post(&format!("{i}/api-keys"), json!({"name": "spare"}))
        .await
        .1;
    c.call(
        &admin,
        M::DELETE,
        "/api/v1/integrations/{app_id}/api-keys/{key_id}",
        &format!("{i}/api-keys/{}", id(&spare)),
        None,
        S::NO_CONTENT,
    )
    .await;
    let keys = c
        .call(
            &admin,
            M::GET,
            "/api/v1/integrations/{app_id}/api-keys",
            &format!("{i}/api-keys"),
            None,
            S::OK,
        )
        .await;
    assert_eq!(keys.as_array().map(Vec::len), Some(2), "{keys}");

    // ---- references, then publishing the integration
    let tables = c
        .call(
            &admin,
            M::GET,
            "/api/v1/refs/available-tables",
            "/api/v1/refs/available-tables",
            None,
            S::OK,
        )
        .await;
    assert!(tables.to_string().contains("customers"));
    let columns = c
        .call(
            &admin,
            M::GET,
            "/api/v1/refs/tables/{table_name}/columns",
            "/api/v1/refs/tables/customers/columns",
            None,
            S::OK,
        )
        .await;
    assert!(columns.to_string().contains("credit_limit"));
    let reference = c
        .call(
            &admin,
            M::POST,
            "/api/v1/refs/apps/{app_id}",
            &format!("/api/v1/refs/apps/{int_id}"),
            Some(json!({"table_name": "customers", "columns": ["name"], "permissions": ["read"]})),
            S::CREATED,
        )
        .await;
    c.call(
        &admin,
        M::PATCH,
        "/api/v1/refs/{ref_id}",
        &format!("/api/v1/refs/{}", id(&reference)),
        Some(json!({"permissions": ["read", "create", "update", "delete"]})),
        S::OK,
    )
    .await;
    let doomed = admin
        .post(
            &format!("/api/v1/refs/apps/{int_id}"),
            json!({"table_name": "suppliers", "columns": ["name"], "permissions": ["read"]}),
        )
        .await
        .1;
    c.call(
        &admin,
        M::DELETE,
        "/api/v1/refs/{ref_id}",
        &format!("/api/v1/refs/{}", id(&doomed)),
        None,
        S::NO_CONTENT,
    )
    .await;
    let refs = c
        .call(
            &admin,
            M::GET,
            "/api/v1/refs/apps/{app_id}",
            &format!("/api/v1/refs/apps/{int_id}"),
            None,
            S::OK,
        )
        .await;
    assert_eq!(refs.as_array().map(Vec::len), Some(1), "{refs}");
    let out = c
        .call(
            &admin,
            M::POST,
            "/api/v1/integrations/{app_id}/publish",
            &format!("{i}/publish"),
            Some(json!({})),
            S::OK,
        )
        .await;
    assert_eq!(out["status"], "approved", "{out}");
    for (action, body, decider) in [
        ("reject", json!({"reject_reason": "not yet"}), &admin),
        ("approve", json!({}), &admin),
        ("cancel", json!({}), &builder),
    ] {
        let (status, request) = builder.post(&format!("{i}/publish"), json!({})).await;
        assert_eq!(
            (status, request["status"].as_str()),
            (S::OK, Some("pending")),
            "{request}"
        );
        let template =
            format!("/api/v1/integrations/{{app_id}}/publish-requests/{{req_id}}/{action}");
        c.call(
            decider,
            M::POST,
            &template,
            &format!("{i}/publish-requests/{}/{action}", id(&request)),
            Some(body),
            S::OK,
        )
        .await;
    }
    c.call(
        &admin,
        M::GET,
        "/api/v1/integrations/{app_id}/publish-requests",
        &format!("{i}/publish-requests"),
        None,
        S::OK,
    )
    .await;
    c.call(
        &admin,
        M::GET,
        "/api/v1/integrations/{app_id}/publish-status",
        &format!("{i}/publish-status"),
        None,
        S::OK,
    )
    .await;

    // ---- the proxy, both prefixes
    for open in [false, true] {
        let (t, prefix) = if open {
            ("/api/v1/open/proxy", "/api/v1/open/proxy".to_owned())
        } else {
            ("/api/v1/proxy/{app_id}", format!("/api/v1/proxy/{int_id}"))
        };
        let caller = Caller {
            admin: &admin,
            key: open.then_some(key.as_str()),
        };
        let created = caller
            .send(
                &mut c,
                M::POST,
                &format!("{t}/{{table}}"),
                &format!("{prefix}/customers"),
                Some(json!({"name": "Row"})),
                S::CREATED,
            )
            .await;
        let row = id(&created);
        let rows = caller
            .send(
                &mut c,
                M::GET,
                &format!("{t}/{{table}}"),
                &format!("{prefix}/customers"),
                None,
                S::OK,
            )
            .await;
        assert_eq!(rows[0]["name"], "Row");
        let out = caller
            .send(
                &mut c,
                M::POST,
                &format!("{t}/{{table}}/query"),
                &format!("{prefix}/customers/query"),
                Some(json!({"count_only": true})),
                S::OK,
            )
            .await;
        assert_eq!(out, json!({"total": 1}));
        caller
            .send(
                &mut c,
                M::PATCH,
                &format!("{t}/{{table}}/{{id}}"),
                &format!("{prefix}/customers/{row}"),
                Some(json!({"name": "Renamed"})),
                S::OK,
            )
            .await;
        caller
            .send(
                &mut c,
                M::DELETE,
                &format!("{t}/{{table}}/{{id}}"),
                &format!("{prefix}/customers/{row}"),
                None,
                S::NO_CONTENT,
            )
            .await;
    }

    // ---- Custom Tables, platform side (the integration's tables, so its
    // key reaches them on /open/data)
    let object = c
        .call(
            &admin,
            M::POST,
            "/api/v1/data/objects",
            "/api/v1/data/objects",
            Some(json!({"app_id": int_id, "name": "Tasks", "api_slug": "tasks"})),
            S::CREATED,
        )
        .await;
    let obj = id(&object);
    let o = format!("/api/v1/data/objects/{obj}");
    let batch = c
        .call(&admin, M::POST, "/api/v1/data/objects/batch", "/api/v1/data/objects/batch", Some(json!({"app_id": int_id, "name": "Notes", "api_slug": "notes", "fields": [{"name": "Text", "field_key": "text", "field_type": "text"}]})), S::CREATED)
        .await;
    let field = c
        .call(
            &admin,
            M::POST,
            "/api/v1/data/objects/{obj}/fields",
            &format!("{o}/fields"),
            Some(json!({"name": "Title", "field_key": "title", "field_type": "text"})),
            S::CREATED,
        )
        .await;
    let spare_field = admin
        .post(
            &format!("{o}/fields"),
            json!({"name": "Spare", "field_key": "spare", "field_type": "number"}),
        )
        .await
        .1;
    c.call(
        &admin,
        M::PATCH,
        "/api/v1/data/fields/{field_id}",
        &format!("/api/v1/data/fields/{}", id(&field)),
        Some(json!({"name": "Task title", "is_required": true})),
        S::OK,
    )
    .await;
    c.call(
        &admin,
        M::DELETE,
        "/api/v1/data/fields/{field_id}",
        &format!("/api/v1/data/fields/{}", id(&spare_field)),
        None,
        S::NO_CONTENT,
    )
    .await;
    let fields = c
        .call(
            &admin,
            M::GET,
            "/api/v1/data/objects/{obj}/fields",
            &format!("{o}/fields"),
            None,
            S::OK,
        )
        .await;
    let fields: Vec<(String, String, bool)> = fields
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| {
            (
                f["field_key"].as_str().unwrap_or_default().to_owned(),
                f["name"].as_str().unwrap_or_default().to_owned(),
                f["is_required"] == true,
            )
        })
        .collect();
    assert_eq!(
        fields,
        vec![("title".to_owned(), "Task title".to_owned(), true)],
        "PATCH and DELETE of fields"
    );
    c.call(
        &admin,
        M::PATCH,
        "/api/v1/data/objects/{obj}",
        &o,
        Some(json!({"name": "To do", "is_public_readable": true})),
        S::OK,
    )
    .await;
    let renamed = c
        .call(
            &admin,
            M::GET,
            "/api/v1/data/objects/{obj}",
            &o,
            None,
            S::OK,
        )
        .await;
    assert_eq!(
        (
            renamed["name"].as_str(),
            renamed["is_public_readable"].as_bool()
        ),
        (Some("To do"), Some(true)),
        "{renamed}"
    );
    let objects = c
        .call(
            &admin,
            M::GET,
            "/api/v1/data/objects",
            &format!("/api/v1/data/objects?app_id={int_id}"),
            None,
            S::OK,
        )
        .await;
    assert_eq!(objects.as_array().map(Vec::len), Some(2), "{objects}");
    let missing_title = admin
        .post(&format!("{o}/records"), json!({"data": {}}))
        .await
        .0;
    assert_eq!(
        missing_title,
        S::UNPROCESSABLE_ENTITY,
        "the field is required now"
    );
    let record = c
        .call(
            &admin,
            M::POST,
            "/api/v1/data/objects/{obj}/records",
            &format!("{o}/records"),
            Some(json!({"data": {"title": "one"}})),
            S::CREATED,
        )
        .await;
    let rec = id(&record);
    c.call(
        &admin,
        M::GET,
        "/api/v1/data/objects/{obj}/records",
        &format!("{o}/records"),
        None,
        S::OK,
    )
    .await;
    c.call(
        &admin,
        M::GET,
        "/api/v1/data/objects/{obj}/records/{id}",
        &format!("{o}/records/{rec}"),
        None,
        S::OK,
    )
    .await;
    c.call(
        &admin,
        M::PATCH,
        "/api/v1/data/records/{id}",
        &format!("/api/v1/data/records/{rec}"),
        Some(json!({"data": {"title": "uno"}})),
        S::OK,
    )
    .await;
    c.call(
        &admin,
        M::DELETE,
        "/api/v1/data/records/{id}",
        &format!("/api/v1/data/records/{rec}"),
        None,
        S::OK,
    )
    .await;

    // ---- Custom Tables with the key
    let caller = Caller {
        admin: &admin,
        key: Some(key.as_str()),
    };
    let objects = caller
        .send(
            &mut c,
            M::GET,
            "/api/v1/open/data/objects",
            "/api/v1/open/data/objects",
            None,
            S::OK,
        )
        .await;
    assert_eq!(objects.as_array().map(Vec::len), Some(2), "{objects}");
    caller
        .send(
            &mut c,
            M::GET,
            "/api/v1/open/data/objects/{obj}",
            "/api/v1/open/data/objects/tasks",
            None,
            S::OK,
        )
        .await;
    let record = caller
        .send(
            &mut c,
            M::POST,
            "/api/v1/open/data/objects/{obj}/records",
            "/api/v1/open/data/objects/tasks/records",
            Some(json!({"data": {"title": "two"}})),
            S::CREATED,
        )
        .await;
    let rec = id(&record);
    caller
        .send(
            &mut c,
            M::GET,
            "/api/v1/open/data/objects/{obj}/records",
            "/api/v1/open/data/objects/tasks/records",
            None,
            S::OK,
        )
        .await;
    caller
        .send(
            &mut c,
            M::GET,
            "/api/v1/open/data/objects/{obj}/records/{id}",
            &format!("/api/v1/open/data/objects/tasks/records/{rec}"),
            None,
            S::OK,
        )
        .await;
    caller
        .send(
            &mut c,
            M::PATCH,
            "/api/v1/open/data/records/{id}",
            &format!("/api/v1/open/data/records/{rec}"),
            Some(json!({"data": {"title": "dos"}})),
            S::OK,
        )
        .await;
    caller
        .send(
            &mut c,
            M::DELETE,
            "/api/v1/open/data/records/{id}",
            &format!("/api/v1/open/data/records/{rec}"),
            None,
            S::OK,
        )
        .await;
    c.call(
        &admin,
        M::DELETE,
        "/api/v1/data/objects/{obj}",
        &format!("/api/v1/data/objects/{}", id(&batch)),
        None,
        S::NO_CONTENT,
    )
    .await;

    // ---- approvals
    let (status, _) = admin
        .post(&format!("/api/v1/refs/apps/{app_id}"), json!({"table_name": "sale_orders", "columns": ["name"], "permissions": ["read", "create", "delete"]}))
        .await;
    assert_eq!(status, S::CREATED);
    let workflow = c
        .call(
            &admin,
            M::POST,
            "/api/v1/approvals/workflows",
            "/api/v1/approvals/workflows",
            Some(json!({"table_name": "sale_orders", "operation": "delete", "levels": 2})),
            S::CREATED,
        )
        .await;
    let w = format!("/api/v1/approvals/workflows/{}", id(&workflow));
    c.call(
        &admin,
        M::PATCH,
        "/api/v1/approvals/workflows/{id}",
        &w,
        Some(json!({"levels": 1})),
        S::OK,
    )
    .await;
    let workflows = c
        .call(
            &admin,
            M::GET,
            "/api/v1/approvals/workflows",
            "/api/v1/approvals/workflows",
            None,
            S::OK,
        )
        .await;
    assert_eq!(workflows[0]["levels"], 1, "{workflows}");
    let mut requests = Vec::new();
    for name in ["SO-1", "SO-2"] {
        let (status, row) = builder
            .post(
                &format!("/api/v1/proxy/{app_id}/sale_orders"),
                json!({"name": name}),
            )
            .await;
        assert_eq!(status, S::CREATED, "{row}");
        let (status, held) = builder
            .call(
                M::DELETE,
                &format!("/api/v1/proxy/{app_id}/sale_orders/{}", id(&row)),
                None,
            )
            .await;
        assert_eq!(
            (status, held["approval_status"].as_str()),
            (S::OK, Some("pending")),
            "{held}"
        );
        requests.push(
            held["approval_request_id"]
                .as_str()
                .expect("request")
                .to_owned(),
        );
    }
    let listed = c
        .call(
            &admin,
            M::GET,
            "/api/v1/approvals/requests",
            "/api/v1/approvals/requests?status=pending",
            None,
            S::OK,
        )
        .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");
    let one = c
        .call(
            &admin,
            M::GET,
            "/api/v1/approvals/requests/{id}",
            &format!("/api/v1/approvals/requests/{}", requests[0]),
            None,
            S::OK,
        )
        .await;
    assert_eq!(
        (
            one["id"].as_str(),
            one["status"].as_str(),
            one["operation"].as_str()
        ),
        (Some(requests[0].as_str()), Some("pending"), Some("delete")),
        "{one}"
    );
    c.call(
        &admin,
        M::POST,
        "/api/v1/approvals/requests/{id}/approve",
        &format!("/api/v1/approvals/requests/{}/approve", requests[0]),
        Some(json!({})),
        S::OK,
    )
    .await;
    c.call(
        &admin,
        M::POST,
        "/api/v1/approvals/requests/{id}/reject",
        &format!("/api/v1/approvals/requests/{}/reject", requests[1]),
        Some(json!({"reason": "keep"})),
        S::OK,
    )
    .await;
    c.call(
        &admin,
        M::GET,
        "/api/v1/approvals/audit-logs",
        "/api/v1/approvals/audit-logs",
        None,
        S::OK,
    )
    .await;
    c.call(
        &admin,
        M::DELETE,
        "/api/v1/approvals/workflows/{id}",
        &w,
        None,
        S::NO_CONTENT,
    )
    .await;
    let workflows = admin.get("/api/v1/approvals/workflows").await.1;
    assert_eq!(workflows, json!([]), "deleted");
    let (status, row) = builder
        .post(
            &format!("/api/v1/proxy/{app_id}/sale_orders"),
            json!({"name": "SO-3"}),
        )
        .await;
    assert_eq!(status, S::CREATED, "{row}");
    let (status, _) = builder
        .call(
            M::DELETE,
            &format!("/api/v1/proxy/{app_id}/sale_orders/{}", id(&row)),
            None,
        )
        .await;
    assert_eq!(status, S::NO_CONTENT, "no workflow, no approval");

    // ---- actions (issue 10): an app without actions/manifest.json has
    // none (404 before any sandbox); the run log is empty. Running real
    // actions: tests/e2e/actions.rs.
    c.call(
        &admin,
        M::POST,
        "/api/v1/builder/apps/{id}/actions/{name}/run",
        &format!("/api/v1/builder/apps/{app_id}/actions/hello/run"),
        Some(json!({"params": {}})),
        S::NOT_FOUND,
    )
    .await;
    c.call(
        &admin,
        M::POST,
        "/api/v1/actions/{app_id}/{name}",
        &format!("/api/v1/actions/{app_id}/hello"),
        Some(json!({"params": {}})),
        S::NOT_FOUND,
    )
    .await;
    let runs = c
        .call(
            &admin,
            M::GET,
            "/api/v1/builder/apps/{id}/actions/runs",
            &format!("/api/v1/builder/apps/{app_id}/actions/runs?limit=10"),
            None,
            S::OK,
        )
        .await;
    assert_eq!(runs, json!([]));
    // Actions' secrets and services (their use: tests/e2e/action_services.rs).
    let secrets = format!("/api/v1/builder/apps/{app_id}/secrets");
    let services = format!("/api/v1/builder/apps/{app_id}/services");
    for (method, template, path, body, expected) in [
        (
            M::PUT,
            "/api/v1/builder/apps/{id}/secrets/{name}",
            format!("{secrets}/API_KEY"),
            Some(json!({"value": "k"})),
            S::OK,
        ),
        (
            M::GET,
            "/api/v1/builder/apps/{id}/secrets",
            secrets.clone(),
            None,
            S::OK,
        ),
        (
            M::DELETE,
            "/api/v1/builder/apps/{id}/secrets/{name}",
            format!("{secrets}/API_KEY"),
            None,
            S::NO_CONTENT,
        ),
        (
            M::PUT,
            "/api/v1/builder/apps/{id}/services/{name}",
            format!("{services}/crm"),
            Some(json!({"base_url": "https://crm.example.com/api"})),
            S::OK,
        ),
        (
            M::GET,
            "/api/v1/builder/apps/{id}/services",
            services.clone(),
            None,
            S::OK,
        ),
        (
            M::DELETE,
            "/api/v1/builder/apps/{id}/services/{name}",
            format!("{services}/crm"),
            None,
            S::NO_CONTENT,
        ),
    ] {
        c.call(&admin, method, template, &path, body, expected)
            .await;
    }
    Caller {
        admin: &admin,
        key: Some(key.as_str()),
    }
    .send(
        &mut c,
        M::POST,
        "/api/v1/open/actions/{name}",
        "/api/v1/open/actions/hello",
        Some(json!({"params": {}})),
        S::NOT_FOUND,
    )
    .await;

    // ---- app users and /ext (issue 11), on the integration
    app_user_routes(&mut c, &anonymous, &admin, &int_id).await;

    // ---- file storage (issue 12 §4), a builder on the integration's files
    storage_routes(&mut c, &admin, &int_id).await;

    // ---- pages (their successful answers are in runtime.rs); a missing
    // app or asset is the route's own 404
    c.call(&anonymous, M::GET, "/", "/", None, S::OK).await;
    for (template, path) in [
        ("/runtime/{slug}", "/runtime/no-such-app"),
        (
            "/externalAppRuntime/{slug}",
            "/externalAppRuntime/no-such-app",
        ),
        ("/externalAppLogin/{slug}", "/externalAppLogin/no-such-app"),
        (
            "/assets/runtime/{hash}/appbox-runtime.js",
            "/assets/runtime/0000/appbox-runtime.js",
        ),
        (
            "/assets/apps/{slug}/{file}",
            "/assets/apps/no-such-app/0000.js",
        ),
    ] {
        c.call(&anonymous, M::GET, template, path, None, S::NOT_FOUND)
            .await;
    }
    // Dev mode (dev.rs): a builder's session cookie first.
    for (template, path) in [
        ("/dev/{slug}", "/dev/no-such-app"),
        ("/dev/{slug}/events", "/dev/no-such-app/events?ticket=00"),
    ] {
        c.call(&anonymous, M::GET, template, path, None, S::UNAUTHORIZED)
            .await;
    }
    c.call(
        &anonymous,
        M::POST,
        "/session",
        "/session",
        Some(json!({"access_token": admin.token})),
        S::NO_CONTENT,
    )
    .await;
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    c.hit(
        M::POST,
        "/sign-out",
        no_redirects.post(format!("{}/sign-out", anonymous.base)),
        S::SEE_OTHER,
    )
    .await;

    // ---- operations, then deletes
    c.call(&anonymous, M::GET, "/health", "/health", None, S::OK)
        .await;
    c.call(&anonymous, M::GET, "/metrics", "/metrics", None, S::OK)
        .await;
    c.call(
        &admin,
        M::DELETE,
        "/api/v1/integrations/{app_id}",
        &i,
        None,
        S::NO_CONTENT,
    )
    .await;
    c.call(
        &admin,
        M::DELETE,
        "/api/v1/builder/apps/{app}",
        &a,
        None,
        S::NO_CONTENT,
    )
    .await;

    // ---- the public edge (pub_edge.rs has the rules): an external app open
    // to anonymous visitors, with a public table and a public reference.
    let (_, public) = admin
        .post(
            "/api/v1/builder/apps",
            json!({"name": "Public", "access_mode": "external"}),
        )
        .await;
    let (public_id, public_slug) = (
        id(&public),
        public["slug"].as_str().expect("slug").to_owned(),
    );
    let (status, _) = admin
        .post(
            "/api/v1/data/objects",
            json!({"app_id": public_id, "name": "Venues", "api_slug": "venues", "is_public_readable": true,
                   "fields": [{"name": "Name", "field_key": "name", "field_type": "text"}]}),
        )
        .await;
    assert_eq!(status, S::CREATED);
    let (_, venue) = admin
        .post(
            &format!("/api/v1/data/objects/venues/records?app_id={public_id}"),
            json!({"data": {"name": "Hall"}}),
        )
        .await;
    let (status, _) = admin
        .post(
            &format!("/api/v1/refs/apps/{public_id}"),
            json!({"table_name": "customers", "columns": ["name"], "permissions": ["read"], "is_public_readable": true}),
        )
        .await;
    assert_eq!(status, S::CREATED);
    admin
        .patch(
            &format!("/api/v1/builder/apps/{public_id}"),
            json!({"allow_anonymous_access": true}),
        )
        .await;
    let (status, _) = admin
        .post(
            &format!("/api/v1/builder/apps/{public_id}/publish"),
            json!({"published_assets": {}}),
        )
        .await;
    assert_eq!(status, S::OK);
    let pd = format!("/api/v1/pub/data/{public_slug}");
    let pp = format!("/api/v1/pub/proxy/{public_slug}");
    for (template, path) in [
        ("/api/v1/pub/data/{slug}/objects", format!("{pd}/objects")),
        (
            "/api/v1/pub/data/{slug}/objects/{obj}",
            format!("{pd}/objects/venues"),
        ),
        (
            "/api/v1/pub/data/{slug}/objects/{obj}/records",
            format!("{pd}/objects/venues/records"),
        ),
        (
            "/api/v1/pub/data/{slug}/objects/{obj}/records/{id}",
            format!("{pd}/objects/venues/records/{}", id(&venue)),
        ),
        (
            "/api/v1/pub/proxy/{slug}/{table}",
            format!("{pp}/customers"),
        ),
    ] {
        c.call(&anonymous, M::GET, template, &path, None, S::OK)
            .await;
    }
    c.call(
        &anonymous,
        M::POST,
        "/api/v1/pub/proxy/{slug}/{table}/query",
        &format!("{pp}/customers/query"),
        Some(json!({"limit": 500})),
        S::OK,
    )
    .await;
    c.call(
        &anonymous,
        M::POST,
        "/api/v1/pub/actions/{slug}/{name}",
        &format!("/api/v1/pub/actions/{public_slug}/no_such_action"),
        Some(json!({"params": {}})),
        S::NOT_FOUND,
    )
    .await;
    let usage = c
        .call(
            &admin,
            M::GET,
            "/api/v1/builder/usage",
            "/api/v1/builder/usage",
            None,
            S::OK,
        )
        .await;
    assert_eq!(usage["pub"]["total"], 7, "{usage}");

    // Every documented route was called.
    let (status, doc) = anonymous.get("/openapi.json").await;
    assert_eq!(status, S::OK);
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .expect("path item")
                .keys()
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect();
    let missing: Vec<String> = documented
        .difference(&c.seen)
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        missing.is_empty(),
        "routes in /openapi.json that tests/e2e/routes.rs never calls (add a call there):\n  {}",
        missing.join("\n  ")
    );
    let unknown: Vec<String> = c
        .seen
        .difference(&documented)
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        unknown.is_empty(),
        "called but not in /openapi.json: {unknown:?}"
    );
}

/// Who calls a route that both prefixes serve: the platform user, or the key.
struct Caller<'a> {
    admin: &'a Api,
    key: Option<&'a str>,
}

impl Caller<'_> {
    async fn send(
        &self,
        c: &mut Coverage,
        method: Method,
        template: &str,
        path: &str,
        body: Option<Value>,
        expected: StatusCode,
    ) -> Value {
        let Some(key) = self.key else {
            return c
                .call(self.admin, method, template, path, body, expected)
                .await;
        };
        let mut request = self
            .admin
            .client
            .request(method.clone(), format!("{}{path}", self.admin.base))
            .header("X-API-Key", key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        c.hit(method, template, request, expected).await
    }
}

/// The app-user routes (spec 000 §2.3-§2.4) and `/ext` with an app user's
/// token, on the integration `int_id` (its `customers` reference is
/// published and it has a `tasks` table).
async fn app_user_routes(c: &mut Coverage, anonymous: &Api, admin: &Api, int_id: &str) {
    use Method as M;
    use StatusCode as S;
    let slug = admin.get(&format!("/api/v1/integrations/{int_id}")).await.1["slug"]
        .as_str()
        .expect("slug")
        .to_owned();
    let auth = |rest: &str| format!("/api/v1/custom-app-auth/{slug}/{rest}");
    let t = |rest: &str| format!("/api/v1/custom-app-auth/{{app_slug}}/{rest}");
    let signed = c
        .call(
            anonymous,
            M::POST,
            &t("register"),
            &auth("register"),
            Some(
                json!({"email": "ada@example.com", "password": "secret-1", "display_name": "Ada"}),
            ),
            S::CREATED,
        )
        .await;
    let user_id = signed["user"]["id"].as_str().expect("id").to_owned();
    let signed = c
        .call(
            anonymous,
            M::POST,
            &t("login"),
            &auth("login"),
            Some(json!({"email": "ada@example.com", "password": "secret-1"})),
            S::OK,
        )
        .await;
    let signed = c
        .call(
            anonymous,
            M::POST,
            &t("refresh"),
            &auth("refresh"),
            Some(json!({"refresh_token": signed["refresh_token"]})),
            S::OK,
        )
        .await;
    let user = anonymous.with_token(signed["access_token"].as_str().expect("token"));
    c.call(&user, M::GET, &t("me"), &auth("me"), None, S::OK)
        .await;

    // /ext/actions: the integration has no published actions (404).
    c.call(
        &user,
        M::POST,
        "/api/v1/ext/actions/{name}",
        "/api/v1/ext/actions/hello",
        Some(json!({"params": {}})),
        S::NOT_FOUND,
    )
    .await;

    // /ext: the same engines as /open, with the app user's token.
    let p = "/api/v1/ext/proxy";
    let row = c
        .call(
            &user,
            M::POST,
            &format!("{p}/{{table}}"),
            &format!("{p}/customers"),
            Some(json!({"name": "By Ada"})),
            S::CREATED,
        )
        .await;
    let row = id(&row);
    c.call(
        &user,
        M::GET,
        &format!("{p}/{{table}}"),
        &format!("{p}/customers"),
        None,
        S::OK,
    )
    .await;
    c.call(
        &user,
        M::POST,
        &format!("{p}/{{table}}/query"),
        &format!("{p}/customers/query"),
        Some(json!({"count_only": true})),
        S::OK,
    )
    .await;
    c.call(
        &user,
        M::PATCH,
        &format!("{p}/{{table}}/{{id}}"),
        &format!("{p}/customers/{row}"),
        Some(json!({"name": "Renamed"})),
        S::OK,
    )
    .await;
    c.call(
        &user,
        M::DELETE,
        &format!("{p}/{{table}}/{{id}}"),
        &format!("{p}/customers/{row}"),
        None,
        S::NO_CONTENT,
    )
    .await;
    let d = "/api/v1/ext/data";
    c.call(
        &user,
        M::GET,
        &format!("{d}/objects"),
        &format!("{d}/objects"),
        None,
        S::OK,
    )
    .await;
    c.call(
        &user,
        M::GET,
        &format!("{d}/objects/{{obj}}"),
        &format!("{d}/objects/tasks"),
        None,
        S::OK,
    )
    .await;
    let record = c
        .call(
            &user,
            M::POST,
            &format!("{d}/objects/{{obj}}/records"),
            &format!("{d}/objects/tasks/records"),
            Some(json!({"data": {"title": "ext"}})),
            S::CREATED,
        )
        .await;
    let rec = id(&record);
    c.call(
        &user,
        M::GET,
        &format!("{d}/objects/{{obj}}/records"),
        &format!("{d}/objects/tasks/records"),
        None,
        S::OK,
    )
    .await;
    c.call(
        &user,
        M::GET,
        &format!("{d}/objects/{{obj}}/records/{{id}}"),
        &format!("{d}/objects/tasks/records/{rec}"),
        None,
        S::OK,
    )
    .await;
    c.call(
        &user,
        M::PATCH,
        &format!("{d}/records/{{id}}"),
        &format!("{d}/records/{rec}"),
        Some(json!({"data": {"title": "ext 2"}})),
        S::OK,
    )
    .await;
    c.call(
        &user,
        M::DELETE,
        &format!("{d}/records/{{id}}"),
        &format!("{d}/records/{rec}"),
        None,
        S::OK,
    )
    .await;

    // OAuth: providers set by the builder; the flow's routes (the provider
    // itself is exercised in oauth.rs).
    let m = format!("/api/v1/custom-app-auth/manage/{int_id}");
    let mt = "/api/v1/custom-app-auth/manage/{app_id}";
    c.call(
        admin,
        M::PUT,
        &format!("{mt}/oauth-providers/{{provider}}"),
        &format!("{m}/oauth-providers/google"),
        Some(json!({"client_id": "cid", "client_secret": "csecret"})),
        S::OK,
    )
    .await;
    c.call(
        admin,
        M::GET,
        &format!("{mt}/oauth-providers"),
        &format!("{m}/oauth-providers"),
        None,
        S::OK,
    )
    .await;
    let o = format!("/api/v1/custom-app-oauth/{slug}");
    let ot = "/api/v1/custom-app-oauth/{app_slug}";
    let providers = c
        .call(
            anonymous,
            M::GET,
            &format!("{ot}/auth-providers"),
            &format!("{o}/auth-providers"),
            None,
            S::OK,
        )
        .await;
    assert_eq!(providers, json!([{"provider": "google", "enabled": true}]));
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    c.hit(
        M::GET,
        &format!("{ot}/{{provider}}/authorize"),
        no_redirects.get(format!(
            "{}{o}/google/authorize?return_path=%23%2Fhome",
            anonymous.base
        )),
        S::FOUND,
    )
    .await;
    c.call(
        anonymous,
        M::GET,
        &format!("{ot}/{{provider}}/callback"),
        &format!("{o}/google/callback?code=x&state={}", "0".repeat(64)),
        None,
        S::BAD_REQUEST,
    )
    .await;
    c.call(
        anonymous,
        M::POST,
        &format!("{ot}/oauth/complete-email"),
        &format!("{o}/oauth/complete-email"),
        Some(json!({"pending_token": "0".repeat(64), "email": "x@y.io"})),
        S::BAD_REQUEST,
    )
    .await;
    c.call(
        anonymous,
        M::POST,
        &format!("{ot}/liff-swap"),
        &format!("{o}/liff-swap"),
        Some(json!({"liff_access_token": "t"})),
        S::NOT_FOUND,
    )
    .await;
    c.call(
        admin,
        M::DELETE,
        &format!("{mt}/oauth-providers/{{provider}}"),
        &format!("{m}/oauth-providers/google"),
        None,
        S::NO_CONTENT,
    )
    .await;

    // Builder management, then logout.
    c.call(
        admin,
        M::GET,
        &format!("{mt}/users"),
        &format!("{m}/users"),
        None,
        S::OK,
    )
    .await;
    c.call(
        admin,
        M::PATCH,
        &format!("{mt}/users/{{user_id}}"),
        &format!("{m}/users/{user_id}"),
        Some(json!({"is_active": true})),
        S::OK,
    )
    .await;
    c.call(
        &user,
        M::POST,
        &t("logout"),
        &auth("logout"),
        Some(json!({"refresh_token": signed["refresh_token"]})),
        S::OK,
    )
    .await;
    c.call(
        admin,
        M::DELETE,
        &format!("{mt}/users/{{user_id}}"),
        &format!("{m}/users/{user_id}"),
        None,
        S::NO_CONTENT,
    )
    .await;
}

/// The storage routes (spec 001 §15) with a builder's token and `X-App-Id`.
async fn storage_routes(c: &mut Coverage, admin: &Api, app_id: &str) {
    use Method as M;
    use StatusCode as S;
    let form = "--b0\r\nContent-Disposition: form-data; name=\"file\"; filename=\"note.txt\"\r\n\
                Content-Type: text/plain\r\n\r\nhello\r\n--b0--\r\n";
    let on_app = |method: M, path: &str| admin.request(method, path).header("X-App-Id", app_id);
    let uploaded = c
        .hit(
            M::POST,
            "/api/v1/ext/storage/upload",
            on_app(M::POST, "/api/v1/ext/storage/upload")
                .header("content-type", "multipart/form-data; boundary=b0")
                .body(form),
            S::OK,
        )
        .await;
    assert_eq!(uploaded["size"], 5, "{uploaded}");
    let path = uploaded["path"].as_str().expect("path").to_owned();
    let query = format!("path={}", path.replace('/', "%2F"));
    let listed = c
        .hit(
            M::GET,
            "/api/v1/ext/storage/list",
            on_app(M::GET, "/api/v1/ext/storage/list"),
            S::OK,
        )
        .await;
    assert_eq!(listed["files"][0]["name"], "note.txt", "{listed}");
    let url = c
        .hit(
            M::GET,
            "/api/v1/ext/storage/url",
            on_app(M::GET, &format!("/api/v1/ext/storage/url?{query}")),
            S::OK,
        )
        .await;
    let url = url["url"].as_str().expect("url").to_owned();
    let served = admin.client.get(&url).send().await.expect("GET");
    assert_eq!(served.status(), S::OK);
    assert_eq!(served.text().await.expect("text"), "hello");
    c.seen
        .insert(("GET".to_owned(), "/api/v1/storage/object".to_owned()));
    let usage = c
        .call(
            admin,
            M::GET,
            "/api/v1/builder/storage/usage",
            "/api/v1/builder/storage/usage",
            None,
            S::OK,
        )
        .await;
    assert_eq!(usage["total_bytes"], 5, "{usage}");
    c.hit(
        M::DELETE,
        "/api/v1/ext/storage/file",
        on_app(M::DELETE, &format!("/api/v1/ext/storage/file?{query}")),
        S::NO_CONTENT,
    )
    .await;
}

/// Members of internal apps (spec 001 §17): the allow-list, an invitation
/// accepted on the app's login page, a reset request. Effects: `members.rs`.
async fn member_routes(c: &mut Coverage, anonymous: &Api, admin: &Api, app_id: &str, slug: &str) {
    use Method as M;
    use StatusCode as S;
    let roles = format!("/api/v1/builder/apps/{app_id}/allowed-roles");
    let template = "/api/v1/builder/apps/{app}/allowed-roles";
    c.call(
        admin,
        M::PUT,
        template,
        &roles,
        Some(json!({"role_ids": ["member"]})),
        S::OK,
    )
    .await;
    let listed = c.call(admin, M::GET, template, &roles, None, S::OK).await;
    assert_eq!(listed["role_ids"], json!(["member"]));
    c.call(
        admin,
        M::PUT,
        template,
        &roles,
        Some(json!({"role_ids": null})),
        S::OK,
    )
    .await;
    let invitation = c
        .call(
            admin,
            M::POST,
            "/api/v1/invitations",
            "/api/v1/invitations",
            Some(json!({"email": "invited@test.local", "redirect_url": format!("/app-login/{slug}")})),
            S::CREATED,
        )
        .await;
    let token = invitation["token"].as_str().expect("token");
    let page = c
        .call(
            anonymous,
            M::GET,
            "/app-login/{slug}",
            &format!("/app-login/{slug}?token={token}"),
            None,
            S::OK,
        )
        .await;
    assert!(
        page.as_str()
            .is_some_and(|html| html.contains("invited@test.local")),
        "{page}"
    );
    let signed_in = c
        .call(
            anonymous,
            M::POST,
            "/api/v1/invitations/accept",
            "/api/v1/invitations/accept",
            Some(json!({"token": token, "name": "Invited", "password": "invited-pass-1"})),
            S::CREATED,
        )
        .await;
    assert!(signed_in["access_token"].is_string(), "{signed_in}");
    c.call(
        anonymous,
        M::POST,
        "/api/v1/auth/forgot-password",
        "/api/v1/auth/forgot-password",
        Some(json!({"email": "invited@test.local", "slug": slug})),
        S::ACCEPTED,
    )
    .await;
    c.call(
        anonymous,
        M::POST,
        "/api/v1/auth/reset-password",
        "/api/v1/auth/reset-password",
        Some(json!({"token": "not-a-reset-token", "password": "whatever-pass-1"})),
        S::NOT_FOUND,
    )
    .await;
}
