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

/// Every operator, search, order_by, select_columns, count_only and the
/// default order, each checked on the exact rows it returns: an engine that
/// drops a filter, flips a comparison or ignores it under `count_only` fails.
#[tokio::test]
async fn queries_return_exactly_the_rows_asked_for() {
    let server = Server::start();
    let a = Tenant::new(server.admin().await).await;
    a.reference(
        "customers",
        json!([
            "name",
            "email",
            "phone",
            "status",
            "credit_limit",
            "custom_data",
            "created_at"
        ]),
        json!(["read", "create", "update", "delete"]),
    )
    .await;
    a.publish().await;
    // Another tenant's rows match every filter below and must never show.
    let b = Tenant::new(
        server
            .user("b-admin@test.local", "admin", Some("Tenant B"))
            .await,
    )
    .await;
    b.reference("customers", columns(), json!(["read", "create"]))
        .await;
    b.publish().await;
    for (name, email, phone, limit, status) in [
        (
            "Alpha Trading",
            Some("alpha@example.com"),
            Some("02-1111"),
            Some(1000),
            "active",
        ),
        (
            "Beta Foods",
            Some("beta@example.com"),
            None,
            Some(5000),
            "active",
        ),
        (
            "Gamma 100% Co",
            Some("gamma@example.com"),
            Some("03-2222"),
            Some(20000),
            "suspended",
        ),
        ("Delta_corp", Some("delta@shop.tw"), None, Some(0), "active"),
        ("Epsilon", None, None, None, "suspended"),
    ] {
        let row = json!({"name": name, "email": email, "phone": phone, "credit_limit": limit, "status": status, "custom_data": {"tier": name.len()}});
        let (status, out) = a
            .call(true, Method::POST, "customers", Some(row.clone()))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{out}");
        let (status, out) = b.call(true, Method::POST, "customers", Some(row)).await;
        assert_eq!(status, StatusCode::CREATED, "{out}");
    }
    let query = |body: Value| a.call(true, Method::POST, "customers/query", Some(body));
    // Names in the order returned, from an answer that must be a 200.
    let names = |status: StatusCode, out: &Value| -> Vec<String> {
        assert_eq!(status, StatusCode::OK, "{out}");
        out["data"]
            .as_array()
            .unwrap_or_else(|| panic!("no data in {out}"))
            .iter()
            .map(|r| r["name"].as_str().expect("name").to_owned())
            .collect()
    };
    let by_name = json!([{"column": "name", "direction": "asc"}]);

    // Each operator alone, ordered by name so the list is exact.
    for (column, op, value, expected) in [
        (
            "status",
            "eq",
            json!("active"),
            vec!["Alpha Trading", "Beta Foods", "Delta_corp"],
        ),
        (
            "status",
            "ne",
            json!("active"),
            vec!["Epsilon", "Gamma 100% Co"],
        ),
        // NULL is neither equal nor unequal to 1000: Epsilon is not returned.
        (
            "credit_limit",
            "ne",
            json!(1000),
            vec!["Beta Foods", "Delta_corp", "Gamma 100% Co"],
        ),
        (
            "credit_limit",
            "gt",
            json!(1000),
            vec!["Beta Foods", "Gamma 100% Co"],
        ),
        (
            "credit_limit",
            "gte",
            json!(1000),
            vec!["Alpha Trading", "Beta Foods", "Gamma 100% Co"],
        ),
        (
            "credit_limit",
            "lt",
            json!(5000),
            vec!["Alpha Trading", "Delta_corp"],
        ),
        (
            "credit_limit",
            "lte",
            json!(5000),
            vec!["Alpha Trading", "Beta Foods", "Delta_corp"],
        ),
        // Numeric strings compare as numbers, not text ("900" > "5000" as text).
        (
            "credit_limit",
            "gt",
            json!("900"),
            vec!["Alpha Trading", "Beta Foods", "Gamma 100% Co"],
        ),
        ("name", "like", json!("%Foods"), vec!["Beta Foods"]),
        ("name", "like", json!("%foods"), vec![]),
        ("name", "ilike", json!("%FOODS"), vec!["Beta Foods"]),
        (
            "name",
            "ilike",
            json!("%A%"),
            vec!["Alpha Trading", "Beta Foods", "Delta_corp", "Gamma 100% Co"],
        ),
        (
            "status",
            "in",
            json!(["suspended"]),
            vec!["Epsilon", "Gamma 100% Co"],
        ),
        (
            "credit_limit",
            "in",
            json!([0, 20000]),
            vec!["Delta_corp", "Gamma 100% Co"],
        ),
        ("status", "in", json!([]), vec![]),
        (
            "phone",
            "is_null",
            Value::Null,
            vec!["Beta Foods", "Delta_corp", "Epsilon"],
        ),
        (
            "phone",
            "is_not_null",
            Value::Null,
            vec!["Alpha Trading", "Gamma 100% Co"],
        ),
        ("email", "eq", Value::Null, vec!["Epsilon"]),
        (
            "email",
            "ne",
            Value::Null,
            vec!["Alpha Trading", "Beta Foods", "Delta_corp", "Gamma 100% Co"],
        ),
    ] {
        let filter = json!([{"column": column, "op": op, "value": value}]);
        let (status, out) = query(json!({"filters": filter, "order_by": by_name})).await;
        assert_eq!(names(status, &out), expected, "{column} {op} {value}");
        // count_only counts the same rows, not the whole table.
        let (status, out) = query(json!({"filters": filter, "count_only": true})).await;
        assert_eq!(
            (status, out.clone()),
            (StatusCode::OK, json!({"total": expected.len()})),
            "count of {column} {op} {value}"
        );
    }
    let (status, out) = query(json!({"count_only": true})).await;
    assert_eq!((status, out), (StatusCode::OK, json!({"total": 5})));

    // Filters combine with AND.
    let (status, out) = query(json!({"filters": [{"column": "credit_limit", "op": "gte", "value": 1000}, {"column": "status", "op": "eq", "value": "active"}], "order_by": [{"column": "credit_limit", "direction": "desc"}]})).await;
    assert_eq!(names(status, &out), vec!["Beta Foods", "Alpha Trading"]);
    assert_eq!(
        (out["limit"].clone(), out["offset"].clone()),
        (json!(100), json!(0))
    );

    // Search: every referenced column or the given ones, case-insensitive,
    // its % and _ literal; combined with filters by AND.
    for (body, expected) in [
        (
            json!({"search": "100%", "search_columns": ["name"]}),
            vec!["Gamma 100% Co"],
        ),
        (json!({"search": "SHOP.TW"}), vec!["Delta_corp"]),
        (json!({"search": "a_c"}), vec!["Delta_corp"]),
        (
            json!({"search": "example", "search_columns": ["name"]}),
            vec![],
        ),
        (
            json!({"search": "example"}),
            vec!["Alpha Trading", "Beta Foods", "Gamma 100% Co"],
        ),
        (
            json!({"search": "03-2222", "search_columns": ["phone", "email"]}),
            vec!["Gamma 100% Co"],
        ),
        (
            json!({"search": "example", "filters": [{"column": "status", "op": "eq", "value": "active"}]}),
            vec!["Alpha Trading", "Beta Foods"],
        ),
        (
            json!({"search": ""}),
            vec![
                "Alpha Trading",
                "Beta Foods",
                "Delta_corp",
                "Epsilon",
                "Gamma 100% Co",
            ],
        ),
    ] {
        let mut body = body;
        body["order_by"] = by_name.clone();
        let (status, out) = query(body.clone()).await;
        assert_eq!(names(status, &out), expected, "{body}");
        body["count_only"] = json!(true);
        let (_, out) = query(body.clone()).await;
        assert_eq!(out, json!({"total": expected.len()}), "{body}");
    }

    // order_by: direction, several keys, unknown columns ignored; limit and offset page.
    let not_null = json!([{"column": "credit_limit", "op": "is_not_null"}]);
    for (order, expected) in [
        (
            json!([{"column": "credit_limit", "direction": "desc"}]),
            vec!["Gamma 100% Co", "Beta Foods", "Alpha Trading", "Delta_corp"],
        ),
        (
            json!([{"column": "credit_limit", "direction": "asc"}]),
            vec!["Delta_corp", "Alpha Trading", "Beta Foods", "Gamma 100% Co"],
        ),
        (
            json!([{"column": "credit_limit"}]),
            vec!["Delta_corp", "Alpha Trading", "Beta Foods", "Gamma 100% Co"],
        ),
        (
            json!([{"column": "status", "direction": "asc"}, {"column": "name", "direction": "desc"}]),
            vec!["Delta_corp", "Beta Foods", "Alpha Trading", "Gamma 100% Co"],
        ),
        (
            json!([{"column": "nope", "direction": "asc"}, {"column": "vat", "direction": "asc"}, {"column": "name", "direction": "desc"}]),
            vec!["Gamma 100% Co", "Delta_corp", "Beta Foods", "Alpha Trading"],
        ),
    ] {
        let (status, out) = query(json!({"filters": not_null, "order_by": order})).await;
        assert_eq!(names(status, &out), expected, "{order}");
    }
    let (status, out) = query(json!({"select_columns": ["name"], "order_by": [{"column": "nope", "direction": "asc"}, {"column": "name"}], "limit": 2, "offset": 1})).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(
        out,
        json!({"data": [{"name": "Beta Foods"}, {"name": "Delta_corp"}], "limit": 2, "offset": 1}),
        "unknown order_by columns are ignored; select_columns returns only those"
    );
    let (status, out) = query(json!({"select_columns": ["email", "credit_limit"], "filters": [{"column": "name", "op": "eq", "value": "Beta Foods"}]})).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(
        out["data"].as_array().map(|rows| rows.len()),
        Some(1),
        "{out}"
    );
    let row = out["data"][0].as_object().expect("row");
    assert_eq!(
        row.keys().map(String::as_str).collect::<Vec<_>>(),
        vec!["credit_limit", "email"],
        "exactly the selected columns: {out}"
    );
    assert_eq!(row["email"], "beta@example.com");
    assert_eq!(row["credit_limit"].as_f64(), Some(5000.0));
    let (_, out) = query(json!({"select_columns": ["custom_data"], "filters": [{"column": "name", "op": "eq", "value": "Delta_corp"}]})).await;
    assert_eq!(
        out["data"],
        json!([{"custom_data": {"tier": 10}}]),
        "JSON columns come back as JSON"
    );
    // Without select_columns: every referenced column and the id, no more.
    let (status, out) =
        query(json!({"filters": [{"column": "name", "op": "eq", "value": "Epsilon"}]})).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let mut keys: Vec<&str> = out["data"][0]
        .as_object()
        .expect("row")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        vec![
            "created_at",
            "credit_limit",
            "custom_data",
            "email",
            "id",
            "name",
            "phone",
            "status"
        ]
    );

    // The default order is created_at desc, then id desc (NOTES #8), for
    // /query and GET alike; a page is a slice of it.
    let (status, out) = query(json!({"select_columns": ["id", "created_at", "name"]})).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let rows = out["data"].as_array().expect("rows").clone();
    let mut expected = rows.clone();
    expected.sort_by(|x, y| {
        let at = |r: &Value| {
            chrono::DateTime::parse_from_rfc3339(r["created_at"].as_str().expect("created_at"))
                .unwrap_or_else(|e| panic!("created_at of {r}: {e}"))
        };
        at(y).cmp(&at(x)).then_with(|| {
            y["id"]
                .as_str()
                .expect("id")
                .cmp(x["id"].as_str().expect("id"))
        })
    });
    assert_eq!(rows.len(), 5);
    assert_eq!(rows, expected, "default order");
    let ids = |rows: &[Value]| -> Vec<String> {
        rows.iter()
            .map(|r| r["id"].as_str().expect("id").to_owned())
            .collect()
    };
    for open in [false, true] {
        let (status, listed) = a.call(open, Method::GET, "customers", None).await;
        assert_eq!(status, StatusCode::OK, "{listed}");
        assert_eq!(
            ids(listed.as_array().expect("list")),
            ids(&rows),
            "GET, open={open}"
        );
        let (_, page) = a
            .call(open, Method::GET, "customers?limit=2&offset=2", None)
            .await;
        assert_eq!(
            ids(page.as_array().expect("list")),
            ids(&rows[2..4]),
            "GET page, open={open}"
        );
    }
    let (_, page) = query(json!({"select_columns": ["id"], "limit": 3, "offset": 3})).await;
    assert_eq!(ids(page["data"].as_array().expect("rows")), ids(&rows[3..]));

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

/// Pages are capped at 500 rows for platform users and 1000 for API keys
/// (spec 000 §5.0), and the answer says which limit it used.
#[tokio::test]
async fn pages_are_capped_at_500_internal_and_1000_open() {
    let server = Server::start();
    let a = Tenant::new(server.admin().await).await;
    a.reference("suppliers", json!(["name"]), json!(["read", "create"]))
        .await;
    a.publish().await;
    let (status, out) = a
        .call(
            true,
            Method::POST,
            "suppliers",
            Some(json!({"name": "S-0"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    // 1,000 more rows straight into the table: a thousand POSTs would only
    // slow the suite down.
    server.sql(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) \
         INSERT INTO suppliers (tenant_id, name) \
         SELECT (SELECT tenant_id FROM suppliers LIMIT 1), 'S-' || CAST(i AS TEXT) FROM n",
    );
    let count = |out: &Value| out.as_array().map(Vec::len);
    for (open, cap) in [(false, 500), (true, 1000)] {
        let (status, out) = a
            .call(
                open,
                Method::POST,
                "suppliers/query",
                Some(json!({"limit": 5000, "select_columns": ["id"]})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{out}");
        assert_eq!(
            (count(&out["data"]), out["limit"].as_i64()),
            (Some(cap), Some(cap as i64)),
            "open={open}"
        );
        let (status, out) = a
            .call(open, Method::GET, "suppliers?limit=5000", None)
            .await;
        assert_eq!(
            (status, count(&out)),
            (StatusCode::OK, Some(cap)),
            "GET, open={open}"
        );
        // Without a limit: 100.
        let (_, out) = a.call(open, Method::GET, "suppliers", None).await;
        assert_eq!(count(&out), Some(100), "GET default, open={open}");
        // The cap is not a filter: the count and the last page see every row.
        let (_, out) = a
            .call(
                open,
                Method::POST,
                "suppliers/query",
                Some(json!({"count_only": true})),
            )
            .await;
        assert_eq!(out, json!({"total": 1001}));
        let (_, out) = a
            .call(
                open,
                Method::POST,
                "suppliers/query",
                Some(json!({"limit": 1000, "offset": 1000})),
            )
            .await;
        assert_eq!(count(&out["data"]), Some(1), "open={open}: {out}");
    }
}

/// The proxy's value rules (README "proxy values"): the same on both
/// backends, each refusal a 400 naming the column, a duplicate a 409.
#[tokio::test]
async fn values_follow_the_documented_rules() {
    let server = Server::start();
    let a = Tenant::new(server.admin().await).await;
    let all = json!(["read", "create", "update", "delete"]);
    for (table, columns) in [
        ("customers", json!(["name", "currency_id", "credit_limit"])),
        ("currencies", json!(["name"])),
        ("currency_rates", json!(["currency_id", "date", "rate"])),
        ("customer_tags", json!(["name"])),
        ("customer_tag_rel", json!(["customer_id", "tag_id"])),
        ("stock_scraps", json!(["name", "date_done"])),
    ] {
        a.reference(table, columns, all.clone()).await;
    }
    let post = |table: &'static str, row: Value| a.call(false, Method::POST, table, Some(row));
    let a = &a;
    let get_one = |table: &'static str, id: String| async move {
        let (status, out) = a
            .call(
                false,
                Method::POST,
                &format!("{table}/query"),
                Some(json!({"filters": [{"column": "id", "op": "eq", "value": id}]})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{out}");
        out["data"][0].clone()
    };
    let refused = |status: StatusCode, out: &Value, column: &str| {
        assert_eq!(status, StatusCode::BAD_REQUEST, "{column}: {out}");
        assert!(
            detail(out).contains(column),
            "the detail names {column}: {out}"
        );
    };

    // NOT NULL, foreign key, malformed UUID: 400 naming the column.
    let (status, out) = post("customers", json!({"credit_limit": 5})).await;
    refused(status, &out, "name");
    let missing = uuid::Uuid::new_v4().to_string();
    let (status, out) = post("customers", json!({"name": "FK", "currency_id": missing})).await;
    refused(status, &out, "currency_id");
    let (status, out) = post("customers", json!({"name": "FK", "currency_id": "TWD"})).await;
    refused(status, &out, "currency_id");
    let (status, out) = post("customers", json!({"name": "N", "credit_limit": "lots"})).await;
    refused(status, &out, "credit_limit");

    // "" in a UUID column is NULL; a numeric string is a number.
    let (status, out) = post(
        "customers",
        json!({"name": "Empty", "currency_id": "", "credit_limit": " 1234.5 "}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    let row = get_one("customers", out["id"].as_str().expect("id").to_owned()).await;
    assert_eq!(row["currency_id"], Value::Null, "{row}");
    assert_eq!(row["credit_limit"].as_f64(), Some(1234.5), "{row}");

    // A real foreign key is accepted.
    let (status, currency) = post("currencies", json!({"name": "TWD"})).await;
    assert_eq!(status, StatusCode::CREATED, "{currency}");
    let currency_id = currency["id"].as_str().expect("id").to_owned();
    let (status, out) = post(
        "customers",
        json!({"name": "FK ok", "currency_id": currency_id}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");

    // Dates: YYYY-MM-DD only.
    let (status, out) = post(
        "currency_rates",
        json!({"currency_id": currency_id, "date": "2026-03-24", "rate": "31.5"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    let row = get_one("currency_rates", out["id"].as_str().expect("id").to_owned()).await;
    assert_eq!(row["date"], "2026-03-24", "{row}");
    assert_eq!(row["rate"].as_f64(), Some(31.5), "{row}");
    for bad in [
        "2026/03/24",
        "24-03-2026",
        "2026-02-30",
        "2026-03-24T10:00:00Z",
        "today",
    ] {
        let (status, out) = post(
            "currency_rates",
            json!({"currency_id": currency_id, "date": bad}),
        )
        .await;
        refused(status, &out, "date");
    }

    // Date-times: ISO 8601 with an offset, or a bare date (midnight UTC).
    for (sent, instant) in [
        ("2026-03-24T12:00:00Z", "2026-03-24T12:00:00Z"),
        ("2026-03-24T12:00:00+08:00", "2026-03-24T04:00:00Z"),
        ("2026-03-24", "2026-03-24T00:00:00Z"),
    ] {
        let (status, out) = post("stock_scraps", json!({"name": sent, "date_done": sent})).await;
        assert_eq!(status, StatusCode::CREATED, "{sent}: {out}");
        let row = get_one("stock_scraps", out["id"].as_str().expect("id").to_owned()).await;
        let stored = row["date_done"].as_str().expect("date_done");
        assert_eq!(
            chrono::DateTime::parse_from_rfc3339(stored).map(|t| t.to_utc()),
            chrono::DateTime::parse_from_rfc3339(instant).map(|t| t.to_utc()),
            "{sent} stored as {stored}"
        );
    }
    for bad in ["2026-03-24 25:00", "yesterday", "1711281600"] {
        let (status, out) = post("stock_scraps", json!({"name": "x", "date_done": bad})).await;
        refused(status, &out, "date_done");
    }

    // A duplicate is a 409, and nothing is written.
    let (_, customer) = post("customers", json!({"name": "Tagged"})).await;
    let (_, tag) = post("customer_tags", json!({"name": "VIP"})).await;
    let link = json!({"customer_id": customer["id"], "tag_id": tag["id"]});
    let (status, out) = post("customer_tag_rel", link.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    let (status, out) = post("customer_tag_rel", link).await;
    assert_eq!(status, StatusCode::CONFLICT, "{out}");
    assert!(!detail(&out).is_empty());
    let (_, out) = a
        .call(
            false,
            Method::POST,
            "customer_tag_rel/query",
            Some(json!({"count_only": true})),
        )
        .await;
    assert_eq!(out, json!({"total": 1}));
}
