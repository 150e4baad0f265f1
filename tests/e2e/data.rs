use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{detail, Api, Server};

/// An integration with a key, as spec 000 §3 makes one.
async fn integration_with_key(admin: &Api, name: &str) -> (String, String) {
    let (status, integration) = admin
        .post("/api/v1/integrations", json!({"name": name}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{integration}");
    let id = integration["id"].as_str().expect("id").to_owned();
    let (status, key) = admin
        .post(
            &format!("/api/v1/integrations/{id}/api-keys"),
            json!({"name": "Production Key"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    (id, key["api_key"].as_str().expect("api_key").to_owned())
}

fn with_key(server: &Server, key: &str) -> KeyApi {
    KeyApi {
        api: server.anonymous(),
        key: key.to_owned(),
    }
}

/// A client that sends `X-API-Key`.
struct KeyApi {
    api: Api,
    key: String,
}

impl KeyApi {
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self
            .api
            .request(method, path)
            .header("X-API-Key", &self.key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        crate::harness::read(request.send().await.expect("send")).await
    }
}

#[tokio::test]
async fn integrations_and_api_keys() {
    let server = Server::start();
    let admin = server.admin().await;
    let (id, key) = integration_with_key(&admin, "My ERP").await;
    assert!(
        key.starts_with("sk_live_")
            && key.len() == 72
            && key[8..].chars().all(|c| c.is_ascii_hexdigit()),
        "{key}"
    );

    let (_, detail_body) = admin.get(&format!("/api/v1/integrations/{id}")).await;
    assert_eq!(detail_body["access_mode"], "self_built");
    assert_eq!(detail_body["slug"].as_str().map(str::len), Some(12));
    assert_eq!(detail_body["api_key_count"], 1);
    assert_eq!(detail_body["allowed_origins"], json!([]));

    let (status, renamed) = admin
        .patch(
            &format!("/api/v1/integrations/{id}/name"),
            json!({"name": "ERP"}),
        )
        .await;
    assert_eq!(
        (status, renamed["name"].clone()),
        (StatusCode::OK, json!("ERP"))
    );
    let (status, settings) = admin
        .patch(&format!("/api/v1/integrations/{id}/settings"), json!({"live_url": "https://erp.example.com", "allowed_origins": ["https://erp.example.com"]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    assert_eq!(
        settings["allowed_origins"],
        json!(["https://erp.example.com"])
    );
    let (status, _) = admin
        .patch(
            &format!("/api/v1/integrations/{id}/settings"),
            json!({"allowed_origins": ["erp.example.com/path"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Listed by prefix, never in full; last_used_at is set by use.
    let caller = with_key(&server, &key);
    let (status, _) = caller
        .call(Method::GET, "/api/v1/open/data/objects", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, keys) = admin
        .get(&format!("/api/v1/integrations/{id}/api-keys"))
        .await;
    assert_eq!(keys[0]["key_prefix"], &key[..12]);
    assert!(keys[0].get("api_key").is_none() && !keys.to_string().contains(&key));
    assert!(keys[0]["last_used_at"].is_string(), "{keys}");

    // Revoked: 401 at once, with the spec's message.
    let key_id = keys[0]["id"].as_str().expect("id");
    let (status, _) = admin
        .call(
            Method::DELETE,
            &format!("/api/v1/integrations/{id}/api-keys/{key_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, out) = caller
        .call(Method::GET, "/api/v1/open/data/objects", None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail(&out), "API Key 無效或已撤銷");
    let (status, out) = server.anonymous().get("/api/v1/open/data/objects").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{out}");
    let (status, _) = with_key(&server, &format!("sk_live_{}", "0".repeat(64)))
        .call(Method::GET, "/api/v1/open/data/objects", None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // An expired key does not work either.
    let (_, expiring) = admin
        .post(
            &format!("/api/v1/integrations/{id}/api-keys"),
            json!({"name": "short", "expires_at": "2020-01-01T00:00:00Z"}),
        )
        .await;
    assert!(detail(&expiring).contains("future"));

    let (status, _) = admin
        .call(Method::DELETE, &format!("/api/v1/integrations/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = admin.get(&format!("/api/v1/integrations/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn custom_tables_schema_records_and_validation() {
    let server = Server::start();
    let admin = server.admin().await;
    let (app_id, key) = integration_with_key(&admin, "Travel").await;

    let (status, object) = admin
        .post(
            "/api/v1/data/objects/batch",
            json!({"app_id": app_id, "name": "訂單管理", "api_slug": "orders", "fields": [
                {"name": "訂單號", "field_key": "order_no", "field_type": "text", "is_required": true, "sequence": 1},
                {"name": "金額", "field_key": "amount", "field_type": "number", "sequence": 2},
                {"name": "日期", "field_key": "order_date", "field_type": "date", "sequence": 3},
                {"name": "客戶", "field_key": "customer", "field_type": "relation", "sequence": 4}
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{object}");
    assert_eq!(object["fields"].as_array().map(Vec::len), Some(4));
    let object_id = object["id"].as_str().expect("id").to_owned();

    // The api_slug rule and the limits.
    for bad in ["Orders", "my-table", "_start"] {
        let (status, out) = admin
            .post(
                "/api/v1/data/objects",
                json!({"app_id": app_id, "name": "x", "api_slug": bad}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {out}");
    }
    let (status, _) = admin
        .post(
            "/api/v1/data/objects",
            json!({"app_id": app_id, "name": "again", "api_slug": "orders"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    for i in 1..20 {
        let (status, out) = admin
            .post(
                "/api/v1/data/objects",
                json!({"app_id": app_id, "name": format!("t{i}"), "api_slug": format!("t{i}")}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{out}");
    }
    let (status, out) = admin
        .post(
            "/api/v1/data/objects",
            json!({"app_id": app_id, "name": "t20", "api_slug": "t20"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{out}");
    for i in 0..46 {
        let (status, out) = admin
            .post(&format!("/api/v1/data/objects/{object_id}/fields"), json!({"name": format!("f{i}"), "field_key": format!("f{i}"), "field_type": "text"}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{out}");
    }
    let (status, _) = admin
        .post(
            &format!("/api/v1/data/objects/{object_id}/fields"),
            json!({"name": "x", "field_key": "x", "field_type": "text"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "the 51st field");

    // Records through the API key, by api_slug.
    let caller = with_key(&server, &key);
    let (status, out) = caller
        .call(
            Method::POST,
            "/api/v1/open/data/objects/orders/records",
            Some(
                json!({"data": {"amount": "lots", "order_date": "tomorrow", "customer": "nobody"}}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    let fields: Vec<&str> = out["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| d["field"].as_str().expect("field"))
        .collect();
    assert_eq!(
        fields,
        vec!["order_no", "amount", "order_date", "customer"],
        "{out}"
    );

    let (status, first) = caller
        .call(Method::POST, "/api/v1/open/data/objects/orders/records", Some(json!({"data": {"order_no": "A-1", "amount": 500, "order_date": "2026-05-01", "tags": ["x"]}})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["object_id"], object_id.as_str());
    assert!(first["updated_at"].is_null());
    let first_id = first["id"].as_str().expect("id").to_owned();
    let (status, second) = caller
        .call(
            Method::POST,
            "/api/v1/open/data/objects/orders/records",
            Some(json!({"order_no": "A-2", "amount": 1500, "customer": first_id})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "a bare field object is accepted: {second}"
    );

    // Lists: newest first, filters on data keys, sort, paging.
    let list = |query: &'static str| {
        let path = format!("/api/v1/open/data/objects/orders/records{query}");
        let caller = &caller;
        async move { caller.call(Method::GET, &path, None).await }
    };
    let (_, all) = list("").await;
    assert_eq!(all.as_array().map(Vec::len), Some(2));
    assert_eq!(all[0]["data"]["order_no"], "A-2");
    let (_, filtered) = list("?amount=500").await;
    assert_eq!(filtered.as_array().map(Vec::len), Some(1), "{filtered}");
    assert_eq!(filtered[0]["data"]["order_no"], "A-1");
    let (_, filtered) = list("?order_no=A-2").await;
    assert_eq!(filtered[0]["data"]["amount"], 1500);
    let (_, sorted) = list("?sort=amount").await;
    assert_eq!(sorted[0]["data"]["amount"], 500);
    let (_, sorted) = list("?sort=-amount&limit=1").await;
    assert_eq!(sorted.as_array().map(Vec::len), Some(1));
    assert_eq!(sorted[0]["data"]["amount"], 1500);
    let (_, paged) = list("?sort=amount&limit=1&offset=1").await;
    assert_eq!(paged[0]["data"]["amount"], 1500);
    let (status, _) = list("?limit=5000").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = list("?sort=data;drop").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Merge update; the required field cannot be emptied.
    let (status, updated) = caller
        .call(
            Method::PATCH,
            &format!("/api/v1/open/data/records/{first_id}"),
            Some(json!({"data": {"amount": 700, "status": "confirmed"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(
        updated["data"],
        json!({"order_no": "A-1", "amount": 700, "order_date": "2026-05-01", "tags": ["x"], "status": "confirmed"})
    );
    assert!(updated["updated_at"].is_string());
    let (status, out) = caller
        .call(
            Method::PATCH,
            &format!("/api/v1/open/data/records/{first_id}"),
            Some(json!({"data": {"order_no": ""}})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{out}");

    // Platform users reach the same records under /data.
    let (status, record) = admin
        .get(&format!(
            "/api/v1/data/objects/{object_id}/records/{first_id}"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{record}");
    assert_eq!(record["data"]["amount"], 700);

    // Delete; then it is gone.
    let (status, out) = caller
        .call(
            Method::DELETE,
            &format!("/api/v1/open/data/records/{first_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(out, json!({"message": "已刪除", "id": first_id}));
    let (status, out) = caller
        .call(
            Method::PATCH,
            &format!("/api/v1/open/data/records/{first_id}"),
            Some(json!({"data": {}})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(detail(&out), "記錄不存在");
    let (status, out) = caller
        .call(Method::GET, "/api/v1/open/data/objects/nope/records", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(detail(&out), "資料表不存在");

    // Deleting the table removes its records.
    let (status, _) = admin
        .call(
            Method::DELETE,
            &format!("/api/v1/data/objects/{object_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = caller
        .call(
            Method::GET,
            "/api/v1/open/data/objects/orders/records",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Keys and users of one tenant or app never reach another's tables or
/// records; a foreign record id is a 404, never a 403.
#[tokio::test]
async fn data_never_crosses_apps_or_tenants() {
    let server = Server::start();
    let admin = server.admin().await;
    let (app_a, key_a) = integration_with_key(&admin, "A").await;
    let (app_b, key_b) = integration_with_key(&admin, "B").await;
    let rival = server
        .user("rival@test.local", "admin", Some("Rival"))
        .await;
    let (_, key_r) = integration_with_key(&rival, "R").await;
    for app in [&app_a, &app_b] {
        let (status, _) = admin
            .post(
                "/api/v1/data/objects/batch",
                json!({"app_id": app, "name": "Notes", "api_slug": "notes"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, _) = rival
        .post(
            "/api/v1/data/objects/batch",
            json!({"app_id": app_a, "name": "x", "api_slug": "x"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a rival cannot add tables to our app"
    );

    let (a, b, r) = (
        with_key(&server, &key_a),
        with_key(&server, &key_b),
        with_key(&server, &key_r),
    );
    let (_, note) = a
        .call(
            Method::POST,
            "/api/v1/open/data/objects/notes/records",
            Some(json!({"data": {"text": "secret of A"}})),
        )
        .await;
    let note_id = note["id"].as_str().expect("id");
    let (_, listed) = b
        .call(Method::GET, "/api/v1/open/data/objects/notes/records", None)
        .await;
    assert_eq!(listed, json!([]), "B has its own notes table");
    let (status, _) = r
        .call(Method::GET, "/api/v1/open/data/objects/notes/records", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for caller in [&b, &r] {
        let (status, _) = caller
            .call(
                Method::PATCH,
                &format!("/api/v1/open/data/records/{note_id}"),
                Some(json!({"data": {"text": "pwned"}})),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = caller
            .call(
                Method::DELETE,
                &format!("/api/v1/open/data/records/{note_id}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, _) = rival
        .get(&format!("/api/v1/data/objects/notes/records/{note_id}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, objects) = rival.get("/api/v1/data/objects").await;
    assert_eq!(objects, json!([]));

    // A platform user with two apps' "notes" must say which app.
    let (status, out) = admin.get("/api/v1/data/objects/notes/records").await;
    assert_eq!(status, StatusCode::CONFLICT, "{out}");
    let (status, listed) = admin
        .get(&format!(
            "/api/v1/data/objects/notes/records?app_id={app_a}"
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed[0]["data"]["text"], "secret of A");
    let (_, after) = a
        .call(Method::GET, "/api/v1/open/data/objects/notes/records", None)
        .await;
    assert_eq!(after[0]["data"]["text"], "secret of A");
}

/// src/data.json of an app lists its Custom Tables (spec NOTES #10), and
/// an agent can still PUT back exactly what it read.
#[tokio::test]
async fn data_json_describes_the_apps_tables() {
    let server = Server::start();
    let admin = server.admin().await;
    let app = admin.create_app("With tables").await;
    let id = app["id"].as_str().expect("id");
    let (status, _) = admin
        .post("/api/v1/data/objects/batch", json!({"app_id": id, "name": "Venues", "api_slug": "venues", "fields": [{"name": "Name", "field_key": "name", "field_type": "text"}]}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let read = admin.app(id).await;
    let data: Value = serde_json::from_str(
        read["vfs_state"]["src/data.json"]
            .as_str()
            .expect("data.json"),
    )
    .expect("json");
    assert_eq!(data[0]["api_slug"], "venues");
    assert_eq!(data[0]["fields"][0]["field_key"], "name");
    let (status, out) = admin
        .put(
            &format!("/api/v1/builder/apps/{id}/source"),
            json!({"files": read["vfs_state"], "expected_version": read["vfs_version"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
}

/// Browsers may call the API-key routes from the integration's allowed
/// origins only (spec NOTES #13); an empty list allows every origin.
#[tokio::test]
async fn allowed_origins_gate_browser_calls() {
    let server = Server::start();
    let admin = server.admin().await;
    let (id, key) = integration_with_key(&admin, "Browser app").await;
    let url = format!("{}/api/v1/open/data/objects", server.base);
    let client = reqwest::Client::new();
    let call = |origin: &'static str| {
        client
            .get(&url)
            .header("X-API-Key", &key)
            .header("Origin", origin)
            .send()
    };

    let response = call("https://anywhere.example").await.expect("send");
    assert_eq!(response.status(), StatusCode::OK, "no list: every origin");
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://anywhere.example"
    );

    let (status, _) = admin
        .patch(
            &format!("/api/v1/integrations/{id}/settings"),
            json!({"allowed_origins": ["https://shop.example.com"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let response = call("https://shop.example.com").await.expect("send");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://shop.example.com"
    );
    let response = call("https://evil.example").await.expect("send");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    let (_, body) = crate::harness::read(response).await;
    assert!(detail(&body).contains("https://evil.example"), "{body}");
    // Server-to-server calls send no Origin and are not affected.
    let response = client
        .get(&url)
        .header("X-API-Key", &key)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::OK);

    // The preflight carries no key and is answered for the browser to go on.
    let preflight = client
        .request(
            Method::OPTIONS,
            format!("{}/api/v1/open/proxy/customers/query", server.base),
        )
        .header("Origin", "https://shop.example.com")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "x-api-key, content-type")
        .send()
        .await
        .expect("send");
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert!(preflight.headers()["access-control-allow-headers"]
        .to_str()
        .expect("text")
        .contains("X-API-Key"));
}
