//! Approval workflows over proxy writes (spec 000 §5.7, spec 001 §7).

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{detail, Api, Server};

async fn proxy(
    api: &Api,
    app: &str,
    method: Method,
    rest: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    api.call(method, &format!("/api/v1/proxy/{app}/{rest}"), body)
        .await
}

#[tokio::test]
async fn insert_then_flag_pre_guard_callbacks_and_bypass() {
    let server = Server::start();
    let admin = server.admin().await;
    let second_approver = server.user("approver@test.local", "admin", None).await;
    let app = admin.create_app("Sales").await;
    let app_id = app["id"].as_str().expect("id").to_owned();
    let (status, _) = admin
        .post(&format!("/api/v1/refs/apps/{app_id}"), json!({"table_name": "sale_orders", "columns": ["name", "state", "amount_total"], "permissions": ["read", "create", "update", "delete"]}))
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // Workflows need builder.publish.
    let builder = server.user("builder@test.local", "builder", None).await;
    let (status, _) = builder
        .post(
            "/api/v1/approvals/workflows",
            json!({"table_name": "sale_orders", "operation": "insert"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for (operation, levels) in [("insert", 2), ("update", 1), ("delete", 1)] {
        let (status, out) = admin
            .post("/api/v1/approvals/workflows", json!({"table_name": "sale_orders", "operation": operation, "levels": levels,
                "approved_state_field": "state", "approved_state_value": "sale", "rejected_state_value": "cancel"}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{out}");
    }
    let (status, _) = admin
        .post(
            "/api/v1/approvals/workflows",
            json!({"table_name": "users", "operation": "insert"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Insert-then-flag: the row exists at once, in draft, with a pending request.
    let (status, held) = proxy(
        &builder,
        &app_id,
        Method::POST,
        "sale_orders",
        Some(json!({"data": {"name": "SO-1", "amount_total": 5000}})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{held}");
    assert_eq!(held["approval_status"], "pending");
    assert_eq!(
        held["approval_message"],
        "此操作需要簽核審批(2 層),已建立申請"
    );
    let row = held["id"].as_str().expect("id").to_owned();
    let request = held["approval_request_id"]
        .as_str()
        .expect("request")
        .to_owned();
    let (_, rows) = proxy(&builder, &app_id, Method::GET, "sale_orders", None).await;
    assert_eq!(rows[0]["state"], "draft");

    // Two levels, two different approvers; the last applies the approved state.
    let (status, out) = admin
        .post(
            &format!("/api/v1/approvals/requests/{request}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(
        (
            status,
            out["status"].clone(),
            out["approved_levels"].clone()
        ),
        (StatusCode::OK, json!("pending"), json!(1))
    );
    let (status, out) = admin
        .post(
            &format!("/api/v1/approvals/requests/{request}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "one approver cannot approve two levels: {out}"
    );
    let (status, out) = second_approver
        .post(
            &format!("/api/v1/approvals/requests/{request}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, out["status"].clone()),
        (StatusCode::OK, json!("approved")),
        "{out}"
    );
    let (_, rows) = proxy(&builder, &app_id, Method::GET, "sale_orders", None).await;
    assert_eq!(rows[0]["state"], "sale");
    let (status, _) = second_approver
        .post(
            &format!("/api/v1/approvals/requests/{request}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a decided request stays decided"
    );

    // Pre-guard update: nothing changes until approved; the payload is held.
    let (status, held) = proxy(
        &builder,
        &app_id,
        Method::PATCH,
        &format!("sale_orders/{row}"),
        Some(json!({"amount_total": 7000})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{held}");
    assert_eq!(
        (held["updated"].clone(), held["approval_status"].clone()),
        (json!(false), json!("pending"))
    );
    assert_eq!(
        held["approval_message"],
        "此更新需要簽核審批(1 層),已建立申請"
    );
    let (_, rows) = proxy(&builder, &app_id, Method::GET, "sale_orders", None).await;
    assert_eq!(
        rows[0]["amount_total"].as_f64(),
        Some(5000.0),
        "NUMERIC comes back as a number on both backends"
    );
    let update_request = held["approval_request_id"].as_str().expect("request");
    let (status, _) = admin
        .post(
            &format!("/api/v1/approvals/requests/{update_request}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, rows) = proxy(&builder, &app_id, Method::GET, "sale_orders", None).await;
    assert_eq!(rows[0]["amount_total"].as_f64(), Some(7000.0));

    // Pre-guard delete, rejected: the row stays as it was (a delete has no
    // rejected state to write).
    let (status, held) = proxy(
        &builder,
        &app_id,
        Method::DELETE,
        &format!("sale_orders/{row}"),
        None,
    )
    .await;
    assert_eq!(
        (status, held["approval_status"].clone()),
        (StatusCode::OK, json!("pending")),
        "{held}"
    );
    let delete_request = held["approval_request_id"].as_str().expect("request");
    let (_, rows) = proxy(&builder, &app_id, Method::GET, "sale_orders", None).await;
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "held, not deleted");
    let (status, out) = admin
        .post(
            &format!("/api/v1/approvals/requests/{delete_request}/reject"),
            json!({"reason": "keep it"}),
        )
        .await;
    assert_eq!(
        (status, out["status"].clone()),
        (StatusCode::OK, json!("rejected"))
    );
    let (_, rows) = proxy(&builder, &app_id, Method::GET, "sale_orders", None).await;
    assert_eq!(rows.as_array().map(Vec::len), Some(1));
    assert_eq!(
        (rows[0]["id"].as_str(), rows[0]["state"].as_str()),
        (Some(row.as_str()), Some("sale")),
        "{rows}"
    );
    assert_eq!(rows[0]["amount_total"].as_f64(), Some(7000.0));
    let (status, out) = second_approver
        .post(
            &format!("/api/v1/approvals/requests/{delete_request}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "a rejection is final: {out}");

    // Pre-guard update, rejected: the held payload is never applied; the
    // workflow's rejected state is written.
    let (status, held) = proxy(
        &builder,
        &app_id,
        Method::PATCH,
        &format!("sale_orders/{row}"),
        Some(json!({"amount_total": 1})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{held}");
    let update_request = held["approval_request_id"].as_str().expect("request");
    let (status, _) = admin
        .post(
            &format!("/api/v1/approvals/requests/{update_request}/reject"),
            json!({"reason": "too low"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, rows) = proxy(&builder, &app_id, Method::GET, "sale_orders", None).await;
    assert_eq!(rows[0]["amount_total"].as_f64(), Some(7000.0), "{rows}");
    assert_eq!(rows[0]["state"], "cancel", "{rows}");

    // Insert-then-flag, rejected: the row stays, in the rejected state, and
    // the request reads back as rejected with its reason.
    let (status, held) = proxy(
        &builder,
        &app_id,
        Method::POST,
        "sale_orders",
        Some(json!({"name": "SO-2", "amount_total": 10})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{held}");
    let rejected_row = held["id"].as_str().expect("id").to_owned();
    let insert_request = held["approval_request_id"]
        .as_str()
        .expect("request")
        .to_owned();
    let (status, out) = second_approver
        .post(
            &format!("/api/v1/approvals/requests/{insert_request}/reject"),
            json!({"reason": "no such customer"}),
        )
        .await;
    assert_eq!(
        (status, out["status"].clone()),
        (StatusCode::OK, json!("rejected")),
        "{out}"
    );
    let (status, one) = admin
        .get(&format!("/api/v1/approvals/requests/{insert_request}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(
        (one["id"].as_str(), one["status"].as_str()),
        (Some(insert_request.as_str()), Some("rejected")),
        "{one}"
    );
    assert!(
        one.to_string().contains("no such customer"),
        "the reason is kept: {one}"
    );
    let state_of = |rows: &Value, id: &str| {
        rows.as_array()
            .expect("rows")
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| r["state"].clone())
    };
    let (_, rows) = proxy(&builder, &app_id, Method::GET, "sale_orders", None).await;
    assert_eq!(
        state_of(&rows, &rejected_row),
        Some(json!("cancel")),
        "{rows}"
    );
    assert_eq!(state_of(&rows, &row), Some(json!("cancel")), "{rows}");

    // Pre-guard delete, approved: the row is gone.
    let (status, held) = proxy(
        &builder,
        &app_id,
        Method::DELETE,
        &format!("sale_orders/{rejected_row}"),
        None,
    )
    .await;
    assert_eq!(
        (status, held["approval_status"].clone()),
        (StatusCode::OK, json!("pending")),
        "{held}"
    );
    let delete_request = held["approval_request_id"].as_str().expect("request");
    let (status, out) = second_approver
        .post(
            &format!("/api/v1/approvals/requests/{delete_request}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, out["status"].clone()),
        (StatusCode::OK, json!("approved")),
        "{out}"
    );
    let (_, rows) = proxy(&builder, &app_id, Method::GET, "sale_orders", None).await;
    assert_eq!(state_of(&rows, &rejected_row), None, "deleted: {rows}");
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{rows}");
    let (status, _) = proxy(
        &builder,
        &app_id,
        Method::PATCH,
        &format!("sale_orders/{rejected_row}"),
        Some(json!({"name": "ghost"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // With allow_api_bypass, an API key writes at once and an audit row is kept.
    let (_, workflows) = admin.get("/api/v1/approvals/workflows").await;
    let insert_workflow = workflows
        .as_array()
        .expect("list")
        .iter()
        .find(|w| w["operation"] == "insert")
        .expect("insert")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (status, out) = admin
        .patch(
            &format!("/api/v1/approvals/workflows/{insert_workflow}"),
            json!({"allow_api_bypass": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    // Bypass is for API keys only: a platform user is still held. (The
    // writes come from a builder, so that the admins who decide never
    // decide on their own requests.)
    let (status, held) = proxy(
        &builder,
        &app_id,
        Method::POST,
        "sale_orders",
        Some(json!({"name": "SO-USER"})),
    )
    .await;
    assert_eq!(
        (status, held["approval_status"].clone()),
        (StatusCode::CREATED, json!("pending")),
        "a platform user is not bypassed: {held}"
    );
    let user_request = held["approval_request_id"]
        .as_str()
        .expect("request")
        .to_owned();
    let (_, rows) = proxy(&builder, &app_id, Method::GET, "sale_orders", None).await;
    assert_eq!(
        state_of(&rows, held["id"].as_str().expect("id")),
        Some(json!("draft"))
    );
    // API keys belong to integrations: one with the same table, published.
    let (status, integration) = admin
        .post("/api/v1/integrations", json!({"name": "Order feed"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{integration}");
    let integration = integration["id"].as_str().expect("id").to_owned();
    let (status, out) = admin
        .post(&format!("/api/v1/refs/apps/{integration}"), json!({"table_name": "sale_orders", "columns": ["name", "state", "amount_total"], "permissions": ["read", "create"]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    let (status, out) = admin
        .post(
            &format!("/api/v1/integrations/{integration}/publish"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let (status, key) = admin
        .post(
            &format!("/api/v1/integrations/{integration}/api-keys"),
            json!({"name": "k"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    let response = admin
        .client
        .post(format!("{}/api/v1/open/proxy/sale_orders", admin.base))
        .header("X-API-Key", key["api_key"].as_str().expect("key"))
        .json(&json!({"name": "SO-API"}))
        .send()
        .await
        .expect("send");
    let (status, created) = crate::harness::read(response).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(
        created.get("approval_status").is_none(),
        "bypassed: {created}"
    );
    let (_, rows) = proxy(&builder, &app_id, Method::GET, "sale_orders", None).await;
    assert_eq!(
        state_of(&rows, created["id"].as_str().expect("id")),
        Some(json!("draft")),
        "written at once, with no approved state: {rows}"
    );
    let (_, pending) = admin.get("/api/v1/approvals/requests?status=pending").await;
    let pending: Vec<&str> = pending
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(
        pending,
        vec![user_request.as_str()],
        "only the user's write waits"
    );
    let (_, audit) = admin.get("/api/v1/approvals/audit-logs").await;
    assert_eq!(audit[0]["action"], "approval_bypass", "{audit}");
    assert_eq!(audit[0]["row_id"], created["id"]);
    let (status, out) = builder.get("/api/v1/approvals/audit-logs").await;
    assert_eq!(
        (status, detail(&out)),
        (StatusCode::FORBIDDEN, "Missing permission: builder.publish")
    );
}
