//! The proxy engine (spec 000 §5, §9): the matrix of prefixes × reference
//! states × tenants, the query language, writes and their refusals.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{detail, Api, Server};

/// One tenant's setup: an admin, an app (internal proxy), its key (open proxy).
struct Tenant {
    admin: Api,
    app_id: String,
    key: String,
}

impl Tenant {
    async fn new(admin: Api) -> Tenant {
        let (status, app) = admin
            .post("/api/v1/integrations", json!({"name": "ERP link"}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{app}");
        let app_id = app["id"].as_str().expect("id").to_owned();
        let (_, key) = admin
            .post(
                &format!("/api/v1/integrations/{app_id}/api-keys"),
                json!({"name": "k"}),
            )
            .await;
        Tenant {
            admin,
            app_id,
            key: key["api_key"].as_str().expect("key").to_owned(),
        }
    }

    async fn reference(&self, table: &str, columns: Value, permissions: Value) -> String {
        let (status, out) = self
            .admin
            .post(
                &format!("/api/v1/refs/apps/{}", self.app_id),
                json!({"table_name": table, "columns": columns, "permissions": permissions}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{out}");
        out["id"].as_str().expect("id").to_owned()
    }

    async fn publish(&self) {
        let (status, out) = self
            .admin
            .post(
                &format!("/api/v1/integrations/{}/publish", self.app_id),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{out}");
        assert_eq!(out["status"], "approved");
    }

    /// Calls the internal proxy (`/proxy/{app_id}`) or the open one (X-API-Key).
    async fn call(
        &self,
        open: bool,
        method: Method,
        rest: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let path = if open {
            format!("/api/v1/open/proxy/{rest}")
        } else {
            format!("/api/v1/proxy/{}/{rest}", self.app_id)
        };
        // The open proxy takes the key and no platform token.
        let mut request = if open {
            self.admin
                .client
                .request(method, format!("{}{path}", self.admin.base))
                .header("X-API-Key", &self.key)
        } else {
            self.admin.request(method, &path)
        };
        if let Some(body) = body {
            request = request.json(&body);
        }
        crate::harness::read(request.send().await.expect("send")).await
    }
}

const CUSTOMER_COLUMNS: &str =
    r#"["name", "email", "phone", "status", "credit_limit", "custom_data"]"#;

fn columns() -> Value {
    serde_json::from_str(CUSTOMER_COLUMNS).expect("json")
}

#[tokio::test]
async fn the_access_matrix_gives_the_spec_status_and_message_in_every_cell() {
    let server = Server::start();
    let a = Tenant::new(server.admin().await).await;
    let b = Tenant::new(
        server
            .user("b-admin@test.local", "admin", Some("Tenant B"))
            .await,
    )
    .await;

    // Cell 1: no reference.
    for open in [false, true] {
        let (status, out) = a.call(open, Method::GET, "customers", None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "open={open}: {out}");
        assert_eq!(detail(&out), "App 未被授權存取表 'customers'");
    }
    // Core tables are never reachable.
    let (status, out) = a.call(true, Method::GET, "users", None).await;
    assert_eq!(
        (status, detail(&out)),
        (StatusCode::FORBIDDEN, "此表不可引用")
    );
    let (status, out) = a
        .admin
        .post(
            &format!("/api/v1/refs/apps/{}", a.app_id),
            json!({"table_name": "users", "columns": ["email"], "permissions": ["read"]}),
        )
        .await;
    assert_eq!(
        (status, detail(&out)),
        (StatusCode::FORBIDDEN, "此表不可引用")
    );

    // Cell 2: a reference that is not published: live for /proxy, refused for /open.
    let ref_id = a
        .reference(
            "customers",
            columns(),
            json!(["read", "create", "update", "delete"]),
        )
        .await;
    let (status, out) = a.call(false, Method::GET, "customers", None).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let (status, out) = a.call(true, Method::GET, "customers", None).await;
    assert_eq!(
        (status, detail(&out)),
        (StatusCode::FORBIDDEN, "表 'customers' 的引用尚未發布")
    );

    // Cell 4 (with the permission, published): rows come back, own tenant only.
    a.publish().await;
    b.reference(
        "customers",
        columns(),
        json!(["read", "create", "update", "delete"]),
    )
    .await;
    b.publish().await;
    let (status, created) = a.call(true, Method::POST, "customers", Some(json!({"data": {"name": "客戶 A", "email": "a@example.com", "tenant_id": b.app_id, "id": "00000000-0000-0000-0000-000000000001"}}))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(
        created["data"].get("tenant_id").is_none() && created["data"].get("id").is_none(),
        "system columns are dropped: {created}"
    );
    let a_row = created["id"].as_str().expect("id").to_owned();
    let (status, _) = b
        .call(
            false,
            Method::POST,
            "customers",
            Some(json!({"name": "客戶 B"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    for open in [false, true] {
        let (status, rows) = a.call(open, Method::GET, "customers", None).await;
        assert_eq!(status, StatusCode::OK);
        let names: Vec<&str> = rows
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|r| r["name"].as_str())
            .collect();
        assert_eq!(names, vec!["客戶 A"], "open={open}");
        let (_, rows) = b.call(open, Method::GET, "customers", None).await;
        let names: Vec<&str> = rows
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|r| r["name"].as_str())
            .collect();
        assert_eq!(names, vec!["客戶 B"], "open={open}");
    }
    // B can neither change nor delete A's row: 404, never 403.
    for open in [false, true] {
        let (status, out) = b
            .call(
                open,
                Method::PATCH,
                &format!("customers/{a_row}"),
                Some(json!({"name": "pwned"})),
            )
            .await;
        assert_eq!(
            (status, detail(&out)),
            (StatusCode::NOT_FOUND, "記錄不存在")
        );
        let (status, _) = b
            .call(open, Method::DELETE, &format!("customers/{a_row}"), None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    // Cell 3: a reference without the permission.
    let (status, _) = a
        .admin
        .patch(
            &format!("/api/v1/refs/{ref_id}"),
            json!({"permissions": ["create"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, out) = a.call(false, Method::GET, "customers", None).await;
    assert_eq!(
        (status, detail(&out)),
        (
            StatusCode::FORBIDDEN,
            "App 未被授權對表 'customers' 執行 'read' 操作"
        )
    );
    // /open still uses the published snapshot until the next publish.
    let (status, _) = a.call(true, Method::GET, "customers", None).await;
    assert_eq!(status, StatusCode::OK);
    a.publish().await;
    for (open, method, rest, body, op) in [
        (true, Method::GET, "customers".to_owned(), None, "read"),
        (
            true,
            Method::POST,
            "customers/query".to_owned(),
            Some(json!({})),
            "read",
        ),
        (
            false,
            Method::PATCH,
            format!("customers/{a_row}"),
            Some(json!({"name": "x"})),
            "update",
        ),
        (
            true,
            Method::DELETE,
            format!("customers/{a_row}"),
            None,
            "delete",
        ),
    ] {
        let (status, out) = a.call(open, method, &rest, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{rest}: {out}");
        assert_eq!(
            detail(&out),
            format!("App 未被授權對表 'customers' 執行 '{op}' 操作")
        );
    }
    let (_, rows) = b.call(true, Method::GET, "customers", None).await;
    assert_eq!(
        rows.as_array().map(Vec::len),
        Some(1),
        "B's rows are untouched"
    );
}

#[tokio::test]
async fn queries_filters_search_order_and_counts() {
    let server = Server::start();
    let a = Tenant::new(server.admin().await).await;
    a.reference(
        "customers",
        columns(),
        json!(["read", "create", "update", "delete"]),
    )
    .await;
    a.publish().await;
    for (name, email, limit, status) in [
        ("Alpha Trading", "alpha@example.com", 1000, "active"),
        ("Beta Foods", "beta@example.com", 5000, "active"),
        ("Gamma 100% Co", "gamma@example.com", 20000, "suspended"),
        ("delta_corp", "delta@shop.tw", 0, "active"),
    ] {
        let (status, out) = a.call(true, Method::POST, "customers", Some(json!({"name": name, "email": email, "credit_limit": limit, "status": status, "custom_data": {"tier": name.len()}}))).await;
        assert_eq!(status, StatusCode::CREATED, "{out}");
    }
    let query = |body: Value| a.call(true, Method::POST, "customers/query", Some(body));
    let names = |out: &Value| -> Vec<String> {
        out["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|r| r["name"].as_str().expect("name").to_owned())
            .collect()
    };

    let (status, out) = query(json!({"filters": [{"column": "credit_limit", "op": "gte", "value": 1000}, {"column": "status", "op": "eq", "value": "active"}], "order_by": [{"column": "credit_limit", "direction": "desc"}]})).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(names(&out), vec!["Beta Foods", "Alpha Trading"]);
    assert_eq!(
        (out["limit"].clone(), out["offset"].clone()),
        (json!(100), json!(0))
    );

    let (_, out) =
        query(json!({"filters": [{"column": "status", "op": "in", "value": ["suspended"]}]})).await;
    assert_eq!(names(&out), vec!["Gamma 100% Co"]);
    let (_, out) = query(json!({"search": "100%", "search_columns": ["name"]})).await;
    assert_eq!(
        names(&out),
        vec!["Gamma 100% Co"],
        "% in a search term matches itself"
    );
    let (_, out) = query(json!({"search": "SHOP.TW"})).await;
    assert_eq!(
        names(&out),
        vec!["delta_corp"],
        "search is case-insensitive over all columns"
    );
    let (_, out) =
        query(json!({"filters": [{"column": "name", "op": "like", "value": "%Foods"}]})).await;
    assert_eq!(names(&out), vec!["Beta Foods"]);
    let (_, out) =
        query(json!({"filters": [{"column": "name", "op": "like", "value": "%foods"}]})).await;
    assert_eq!(names(&out), Vec::<String>::new(), "like is case-sensitive");
    let (_, out) =
        query(json!({"filters": [{"column": "name", "op": "ilike", "value": "%FOODS"}]})).await;
    assert_eq!(names(&out), vec!["Beta Foods"]);
    let (_, out) =
        query(json!({"filters": [{"column": "phone", "op": "is_null"}], "count_only": true})).await;
    assert_eq!(out, json!({"total": 4}));
    let (_, out) =
        query(json!({"filters": [{"column": "email", "op": "is_not_null"}], "count_only": true}))
            .await;
    assert_eq!(out, json!({"total": 4}));
    let (_, out) = query(json!({"select_columns": ["name"], "order_by": [{"column": "nope", "direction": "asc"}, {"column": "name"}], "limit": 2, "offset": 1})).await;
    assert_eq!(
        out["data"],
        json!([{"name": "Beta Foods"}, {"name": "Gamma 100% Co"}]),
        "unknown order_by columns are ignored"
    );
    let (_, out) = query(json!({"select_columns": ["custom_data"], "filters": [{"column": "name", "op": "eq", "value": "delta_corp"}]})).await;
    assert_eq!(
        out["data"],
        json!([{"custom_data": {"tier": 10}}]),
        "JSON columns come back as JSON"
    );

    // Refusals, with the spec's words.
    for (body, status, message) in [
        (
            json!({"filters": [{"column": "vat", "op": "eq", "value": 1}]}),
            StatusCode::BAD_REQUEST,
            "未授權的篩選欄位: vat",
        ),
        (
            json!({"filters": [{"column": "name; drop", "op": "eq", "value": 1}]}),
            StatusCode::BAD_REQUEST,
            "不合法的欄位名稱: name; drop",
        ),
        (
            json!({"filters": [{"column": "name", "op": "between", "value": 1}]}),
            StatusCode::BAD_REQUEST,
            "不支援的運算子: between",
        ),
        (
            json!({"filters": [{"column": "name", "op": "in", "value": "a"}]}),
            StatusCode::BAD_REQUEST,
            "'in' 運算子的 value 必須是陣列",
        ),
        (
            json!({"select_columns": ["vat"]}),
            StatusCode::BAD_REQUEST,
            "未授權的欄位: vat",
        ),
    ] {
        let (got, out) = query(body.clone()).await;
        assert_eq!((got, detail(&out)), (status, message), "{body}");
    }
}

#[tokio::test]
async fn writes_coerce_values_and_refuse_bad_ones_with_400() {
    let server = Server::start();
    let a = Tenant::new(server.admin().await).await;
    a.reference(
        "customers",
        columns(),
        json!(["read", "create", "update", "delete"]),
    )
    .await;
    a.publish().await;

    let (status, out) = a
        .call(
            true,
            Method::POST,
            "customers",
            Some(json!({"data": {"vat": "12345678"}})),
        )
        .await;
    assert_eq!(
        (status, detail(&out)),
        (StatusCode::BAD_REQUEST, "無有效欄位資料"),
        "only unreferenced columns: nothing to write"
    );
    let (status, out) = a
        .call(
            true,
            Method::POST,
            "customers",
            Some(json!({"name": "Bad", "status": "deleted"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a CHECK violation is a 400: {out}"
    );
    assert!(detail(&out).contains("'status'"), "{out}");
    let (status, out) = a
        .call(
            true,
            Method::POST,
            "customers",
            Some(json!({"name": "Bad", "credit_limit": "lots"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");

    let (status, created) = a
        .call(
            true,
            Method::POST,
            "customers",
            Some(json!({"data": {"name": "Ok", "credit_limit": 10}})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().expect("id");
    let (status, out) = a
        .call(
            true,
            Method::PATCH,
            &format!("customers/{id}"),
            Some(json!({"data": {"credit_limit": 99.5, "status": "suspended"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out, json!({"id": id, "updated": true}));
    let (_, rows) = a.call(true, Method::GET, "customers", None).await;
    assert_eq!(rows[0]["credit_limit"], 99.5);
    assert_eq!(rows[0]["status"], "suspended");
    let (status, _) = a
        .call(
            true,
            Method::PATCH,
            "customers/not-a-uuid",
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = a
        .call(true, Method::DELETE, &format!("customers/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, rows) = a.call(true, Method::GET, "customers", None).await;
    assert_eq!(rows, json!([]));
}
