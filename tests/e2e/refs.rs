//! References and publishing (spec 000 §3.8, §4).

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{detail, Server};

#[tokio::test]
async fn tables_columns_and_references() {
    let server = Server::start();
    let admin = server.admin().await;
    let (_, tables) = admin.get("/api/v1/refs/available-tables").await;
    let names: Vec<&str> = tables
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(
        names.len() >= 100 && names.contains(&"customers") && names.contains(&"sale_orders"),
        "{names:?}"
    );
    for core in [
        "users",
        "tenants",
        "roles",
        "api_keys",
        "audit_logs",
        "custom_apps",
    ] {
        assert!(!names.contains(&core), "{core} must never be listed");
    }
    assert_eq!(
        tables
            .as_array()
            .expect("list")
            .iter()
            .find(|t| t["name"] == "customers")
            .expect("customers")["comment"],
        "客戶"
    );

    let (status, columns) = admin.get("/api/v1/refs/tables/sale_orders/columns").await;
    assert_eq!(status, StatusCode::OK);
    let column = |name: &str| -> Value {
        columns
            .as_array()
            .expect("list")
            .iter()
            .find(|c| c["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name}"))
    };
    assert_eq!(column("id")["type"], "UUID");
    assert_eq!(column("id")["is_system"], true);
    assert_eq!(column("customer_id")["is_fk"], true);
    assert_eq!(column("customer_id")["fk_target"], "customers.id");
    assert_eq!(column("custom_data")["type"], "JSONB");
    assert_eq!(column("state")["is_system"], false);
    // The 14 core tables are refused, for columns and references alike.
    for core in [
        "tenants",
        "users",
        "roles",
        "role_permissions",
        "user_roles",
        "refresh_tokens",
        "api_keys",
        "custom_apps",
        "app_data_references",
        "publish_requests",
        "approval_workflows",
        "approval_requests",
        "audit_logs",
        "vfs_versions",
    ] {
        let (status, out) = admin
            .get(&format!("/api/v1/refs/tables/{core}/columns"))
            .await;
        assert_eq!(
            (status, detail(&out)),
            (StatusCode::FORBIDDEN, "此表不可引用"),
            "{core}"
        );
    }
    let (status, _) = admin.get("/api/v1/refs/tables/no_such_table/columns").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let app = admin.create_app("Shop").await;
    let id = app["id"].as_str().expect("id");
    let refs_path = format!("/api/v1/refs/apps/{id}");
    for (body, status, text) in [
        (
            json!({"table_name": "customers", "columns": ["name"], "permissions": ["read", "purge"]}),
            StatusCode::BAD_REQUEST,
            "無效的權限值",
        ),
        (
            json!({"table_name": "customers", "columns": ["name", "shoe_size"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
        ),
        (
            json!({"table_name": "customers", "columns": ["name", "shoe_size"], "permissions": ["read"]}),
            StatusCode::BAD_REQUEST,
            "shoe_size",
        ),
        (
            json!({"table_name": "nothing_here", "columns": [], "permissions": ["read"]}),
            StatusCode::NOT_FOUND,
            "資料表不存在",
        ),
    ] {
        let (got, out) = admin.post(&refs_path, body.clone()).await;
        assert_eq!(got, status, "{body}: {out}");
        assert!(detail(&out).contains(text), "{out}");
    }
    let (status, created) = admin.post(&refs_path, json!({"table_name": "customers", "columns": ["name", "email", "custom_data"], "permissions": ["read", "create"]})).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(created["published_columns"].is_null());
    let (status, _) = admin
        .post(
            &refs_path,
            json!({"table_name": "customers", "columns": ["name"], "permissions": ["read"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // src/db.json lists the app's references (NOTES #10).
    let read = admin.app(id).await;
    let db_json: Value =
        serde_json::from_str(read["vfs_state"]["src/db.json"].as_str().expect("db.json"))
            .expect("json");
    assert_eq!(
        db_json,
        json!([{"table_name": "customers", "columns": ["name", "email", "custom_data"], "permissions": ["read", "create"], "is_public_readable": false}])
    );

    let ref_id = created["id"].as_str().expect("id");
    let (status, updated) = admin
        .patch(
            &format!("/api/v1/refs/{ref_id}"),
            json!({"columns": ["name"], "is_public_readable": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["columns"], json!(["name"]));
    let (_, listed) = admin.get(&refs_path).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    let (status, _) = admin
        .call(Method::DELETE, &format!("/api/v1/refs/{ref_id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let rival = server
        .user("rival@test.local", "admin", Some("Rival"))
        .await;
    let (status, _) = rival.get(&refs_path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn publish_requests_need_a_publisher() {
    let server = Server::start();
    let admin = server.admin().await;
    let builder = server.user("builder@test.local", "builder", None).await;
    let (_, app) = builder
        .post("/api/v1/integrations", json!({"name": "Pending"}))
        .await;
    let id = app["id"].as_str().expect("id");
    let (status, _) = builder
        .post(
            &format!("/api/v1/refs/apps/{id}"),
            json!({"table_name": "customers", "columns": ["name"], "permissions": ["read"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // A builder without builder.publish only asks.
    let (status, request) = builder
        .post(
            &format!("/api/v1/integrations/{id}/publish?note=please"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{request}");
    assert_eq!(request["status"], "pending");
    assert_eq!(request["note"], "please");
    let (status, out) = builder
        .post(&format!("/api/v1/integrations/{id}/publish"), json!({}))
        .await;
    assert_eq!(
        (status, detail(&out)),
        (StatusCode::CONFLICT, "已有 pending 發布申請")
    );
    let (_, state) = builder
        .get(&format!("/api/v1/integrations/{id}/publish-status"))
        .await;
    assert_eq!(state["can_publish"], false);
    assert_eq!(state["is_locked"], true);
    assert!(state["published_at"].is_null());

    let request_id = request["id"].as_str().expect("id");
    let (status, _) = builder
        .post(
            &format!("/api/v1/integrations/{id}/publish-requests/{request_id}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "approving needs builder.publish"
    );
    let (status, _) = admin
        .post(
            &format!("/api/v1/integrations/{id}/publish-requests/{request_id}/cancel"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only the requester cancels");
    let (status, approved) = admin
        .post(
            &format!("/api/v1/integrations/{id}/publish-requests/{request_id}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(approved["status"], "approved");
    let (_, state) = admin
        .get(&format!("/api/v1/integrations/{id}/publish-status"))
        .await;
    assert_eq!(
        (state["can_publish"].clone(), state["is_locked"].clone()),
        (json!(true), json!(false))
    );
    assert!(state["published_at"].is_string());
    let (_, refs) = admin.get(&format!("/api/v1/refs/apps/{id}")).await;
    assert_eq!(refs[0]["published_columns"], json!(["name"]));
    assert_eq!(refs[0]["published_permissions"], json!(["read"]));

    // Rejected and cancelled requests publish nothing.
    let (_, second) = builder
        .post(&format!("/api/v1/integrations/{id}/publish"), json!({}))
        .await;
    let second_id = second["id"].as_str().expect("id");
    let (status, rejected) = admin
        .post(
            &format!("/api/v1/integrations/{id}/publish-requests/{second_id}/reject"),
            json!({"reject_reason": "not yet"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            rejected["status"].clone(),
            rejected["reject_reason"].clone()
        ),
        (json!("rejected"), json!("not yet"))
    );
    let (_, third) = builder
        .post(&format!("/api/v1/integrations/{id}/publish"), json!({}))
        .await;
    let third_id = third["id"].as_str().expect("id");
    let (status, cancelled) = builder
        .post(
            &format!("/api/v1/integrations/{id}/publish-requests/{third_id}/cancel"),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, cancelled["status"].clone()),
        (StatusCode::OK, json!("cancelled"))
    );
    let (status, _) = admin
        .post(
            &format!("/api/v1/integrations/{id}/publish-requests/{third_id}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a cancelled request cannot be approved"
    );
    let (_, listed) = admin
        .get(&format!("/api/v1/integrations/{id}/publish-requests"))
        .await;
    let statuses: Vec<&str> = listed
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|r| r["status"].as_str())
        .collect();
    assert_eq!(statuses, vec!["cancelled", "rejected", "approved"]);
}
