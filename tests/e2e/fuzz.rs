//! Random `POST /query` bodies against a real server (proptest): whatever
//! the column names, operators, values, search strings and order_by
//! entries, the answer is never a 500, never holds a row of another tenant,
//! and never a column outside the reference's whitelist.

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::Server;

const ALLOWED: [&str; 4] = ["name", "email", "status", "credit_limit"];

fn column_name() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(vec!["name", "email", "status", "credit_limit", "id"])
            .prop_map(str::to_owned),
        proptest::sample::select(vec![
            "vat",
            "tenant_id",
            "phone",
            "custom_data",
            "created_at",
            "note"
        ])
        .prop_map(str::to_owned),
        "[a-z_]{1,12}",
        ".{0,16}",
        Just("name\"; DROP TABLE customers; --".to_owned()),
        Just("\"tenant_id\"".to_owned()),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        Just(Value::String("%' OR 1=1 --".into())),
        Just(Value::String("00000000-0000-0000-0000-000000000000".into())),
        Just(Value::String("2026-03-24".into())),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z]{1,4}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn operator() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(vec![
            "eq",
            "ne",
            "gt",
            "gte",
            "lt",
            "lte",
            "like",
            "ilike",
            "in",
            "is_null",
            "is_not_null"
        ])
        .prop_map(str::to_owned),
        ".{0,6}",
    ]
}

fn query_body() -> impl Strategy<Value = Value> {
    (
        proptest::collection::vec((column_name(), operator(), json_value()), 0..4),
        proptest::collection::vec((column_name(), prop_oneof![Just("asc".to_owned()), Just("desc".to_owned()), ".{0,5}"]), 0..3),
        proptest::option::of(".{0,10}"),
        proptest::option::of(proptest::collection::vec(column_name(), 0..3)),
        proptest::option::of(proptest::collection::vec(column_name(), 0..4)),
        proptest::option::of(-5i64..3000),
        proptest::option::of(-5i64..50),
        any::<bool>(),
    )
        .prop_map(|(filters, order_by, search, search_columns, select_columns, limit, offset, count_only)| {
            json!({
                "filters": filters.into_iter().map(|(c, op, v)| json!({"column": c, "op": op, "value": v})).collect::<Vec<_>>(),
                "order_by": order_by.into_iter().map(|(c, d)| json!({"column": c, "direction": d})).collect::<Vec<_>>(),
                "search": search,
                "search_columns": search_columns,
                "select_columns": select_columns,
                "limit": limit,
                "offset": offset,
                "count_only": count_only,
            })
        })
}

#[test]
fn random_queries_never_fail_leak_or_overreach() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = Server::start();
    let (key_a, a_ids, b_ids, b_names) = runtime.block_on(async {
        let admin = server.admin().await;
        let rival = server.user("rival@test.local", "admin", Some("Rival")).await;
        let mut keys = Vec::new();
        let mut ids = Vec::new();
        for (api, prefix) in [(&admin, "A"), (&rival, "B")] {
            let (_, app) = api.post("/api/v1/integrations", json!({"name": "fuzz"})).await;
            let app_id = app["id"].as_str().expect("id").to_owned();
            let (_, key) = api.post(&format!("/api/v1/integrations/{app_id}/api-keys"), json!({"name": "k"})).await;
            let key = key["api_key"].as_str().expect("key").to_owned();
            api.post(&format!("/api/v1/refs/apps/{app_id}"), json!({"table_name": "customers", "columns": ALLOWED, "permissions": ["read", "create"]})).await;
            api.post(&format!("/api/v1/integrations/{app_id}/publish"), json!({})).await;
            let mut tenant_ids = BTreeSet::new();
            for i in 0..6 {
                let request = api.client.post(format!("{}/api/v1/open/proxy/customers", api.base)).header("X-API-Key", &key).json(&json!({
                    "name": format!("{prefix}-customer-{i} 100%_o'k"), "email": format!("{prefix}{i}@example.com"),
                    "status": if i % 2 == 0 { "active" } else { "suspended" }, "credit_limit": i * 1000
                }));
                let (status, created) = crate::harness::read(request.send().await.expect("send")).await;
                assert_eq!(status, StatusCode::CREATED, "{created}");
                tenant_ids.insert(created["id"].as_str().expect("id").to_owned());
            }
            keys.push(key);
            ids.push(tenant_ids);
        }
        let b_names: BTreeSet<String> = (0..6).map(|i| format!("B-customer-{i} 100%_o'k")).collect();
        (keys[0].clone(), ids[0].clone(), ids[1].clone(), b_names)
    });

    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/open/proxy/customers/query", server.base);
    let mut runner = TestRunner::new(Config {
        cases: 300,
        failure_persistence: None,
        ..Config::default()
    });
    let allowed: BTreeSet<&str> = ALLOWED.iter().copied().chain(["id"]).collect();
    runner
        .run(&query_body(), |body| {
            let (status, answer) = runtime.block_on(async {
                let response = client
                    .post(&url)
                    .header("X-API-Key", &key_a)
                    .json(&body)
                    .send()
                    .await
                    .expect("send");
                crate::harness::read(response).await
            });
            prop_assert!(
                status != StatusCode::INTERNAL_SERVER_ERROR,
                "500 for {body}: {answer}"
            );
            prop_assert!(
                status.is_success()
                    || status == StatusCode::BAD_REQUEST
                    || status == StatusCode::UNPROCESSABLE_ENTITY,
                "{status} for {body}: {answer}"
            );
            if status == StatusCode::OK {
                if let Some(total) = answer.get("total") {
                    prop_assert!(
                        total.as_u64().is_some_and(|t| t <= a_ids.len() as u64),
                        "count beyond the tenant: {answer}"
                    );
                } else {
                    for row in answer["data"].as_array().expect("data") {
                        for key in row.as_object().expect("row").keys() {
                            prop_assert!(
                                allowed.contains(key.as_str()),
                                "column {key} outside the whitelist for {body}"
                            );
                        }
                        if let Some(id) = row["id"].as_str() {
                            prop_assert!(
                                !b_ids.contains(id) && a_ids.contains(id),
                                "row {id} of another tenant for {body}"
                            );
                        }
                        if let Some(name) = row["name"].as_str() {
                            prop_assert!(
                                !b_names.contains(name),
                                "row {name} of another tenant for {body}"
                            );
                        }
                    }
                }
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}
