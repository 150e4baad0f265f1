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

/// Anything at all: most of these are refused with a 400.
fn wild_body() -> impl Strategy<Value = Value> {
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

/// A value that fits the column, often one that matches a stored row.
fn typed_value(column: &'static str) -> BoxedStrategy<Value> {
    match column {
        "credit_limit" => prop_oneof![
            (0i64..7000).prop_map(Value::from),
            (0i64..7).prop_map(|i| Value::from(i * 1000)),
            (0i64..7000).prop_map(|i| Value::String(i.to_string())),
        ]
        .boxed(),
        "status" => proptest::sample::select(vec!["active", "suspended", "nope"])
            .prop_map(|s| Value::String(s.into()))
            .boxed(),
        "id" => Just(Value::String("00000000-0000-0000-0000-000000000000".into())).boxed(),
        _ => prop_oneof![
            (0..6).prop_map(|i| Value::String(format!("A-customer-{i} 100%_o'k"))),
            (0..6).prop_map(|i| Value::String(format!("A{i}@example.com"))),
            proptest::sample::select(vec![
                "%customer%",
                "%1%",
                "A%",
                "%@example.com",
                "%O'K",
                "%100\\%%"
            ])
            .prop_map(|s| Value::String(s.into())),
        ]
        .boxed(),
    }
}

fn good_filter() -> impl Strategy<Value = Value> {
    proptest::sample::select(vec!["name", "email", "status", "credit_limit", "id"]).prop_flat_map(
        |column| {
            let ops = match column {
                "credit_limit" => vec![
                    "eq",
                    "ne",
                    "gt",
                    "gte",
                    "lt",
                    "lte",
                    "in",
                    "is_null",
                    "is_not_null",
                ],
                "id" => vec!["ne", "is_not_null"],
                _ => vec!["eq", "ne", "like", "ilike", "in", "is_null", "is_not_null"],
            };
            (
                proptest::sample::select(ops),
                proptest::collection::vec(typed_value(column), 1..3),
            )
                .prop_map(move |(op, values)| {
                    let value = if op == "in" {
                        Value::Array(values)
                    } else {
                        values[0].clone()
                    };
                    json!({"column": column, "op": op, "value": value})
                })
        },
    )
}

/// Well-formed queries over the referenced columns: these reach the engine.
fn good_body() -> impl Strategy<Value = Value> {
    (
        proptest::collection::vec(good_filter(), 0..3),
        proptest::collection::vec((proptest::sample::select(ALLOWED.to_vec()), proptest::bool::ANY), 0..3),
        proptest::option::of(proptest::sample::select(vec!["customer", "100%", "1", "example", "", "zzz"])),
        proptest::option::of(proptest::sample::subsequence(vec!["id", "name", "email", "status", "credit_limit"], 1..5)),
        proptest::option::of(1i64..20),
        proptest::option::of(0i64..4),
        proptest::bool::weighted(0.15),
    )
        .prop_map(|(filters, order_by, search, select_columns, limit, offset, count_only)| {
            json!({
                "filters": filters,
                "order_by": order_by.into_iter().map(|(c, desc)| json!({"column": c, "direction": if desc { "desc" } else { "asc" }})).collect::<Vec<_>>(),
                "search": search,
                "select_columns": select_columns,
                "limit": limit,
                "offset": offset,
                "count_only": count_only,
            })
        })
}

fn query_body() -> impl Strategy<Value = Value> {
    prop_oneof![2 => good_body(), 1 => wild_body()]
}

#[test]
fn random_queries_never_fail_leak_or_overreach() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = Server::start();
    // Each tenant's rows as stored (the referenced columns and the id). B's
    // differ from A's in every column but status, so a row of B can never
    // pass for one of A.
    let (key_a, a_rows, b_rows) = runtime.block_on(async {
        let admin = server.admin().await;
        let rival = server.user("rival@test.local", "admin", Some("Rival")).await;
        let mut keys = Vec::new();
        let mut rows = Vec::new();
        for (api, prefix, extra) in [(&admin, "A", 0), (&rival, "B", 7)] {
            let (_, app) = api.post("/api/v1/integrations", json!({"name": "fuzz"})).await;
            let app_id = app["id"].as_str().expect("id").to_owned();
            let (_, key) = api.post(&format!("/api/v1/integrations/{app_id}/api-keys"), json!({"name": "k"})).await;
            let key = key["api_key"].as_str().expect("key").to_owned();
            let (status, _) = api.post(&format!("/api/v1/refs/apps/{app_id}"), json!({"table_name": "customers", "columns": ALLOWED, "permissions": ["read", "create"]})).await;
            assert_eq!(status, StatusCode::CREATED);
            let (status, _) = api.post(&format!("/api/v1/integrations/{app_id}/publish"), json!({})).await;
            assert_eq!(status, StatusCode::OK);
            let mut tenant_rows = Vec::new();
            for i in 0..6 {
                let mut row = json!({
                    "name": format!("{prefix}-customer-{i} 100%_o'k"), "email": format!("{prefix}{i}@example.com"),
                    "status": if i % 2 == 0 { "active" } else { "suspended" }, "credit_limit": i * 1000 + extra
                });
                let request = api.client.post(format!("{}/api/v1/open/proxy/customers", api.base)).header("X-API-Key", &key).json(&row);
                let (status, created) = crate::harness::read(request.send().await.expect("send")).await;
                assert_eq!(status, StatusCode::CREATED, "{created}");
                row["id"] = created["id"].clone();
                tenant_rows.push(row);
            }
            keys.push(key);
            rows.push(tenant_rows);
        }
        let b_rows = rows.pop().expect("B");
        (keys[0].clone(), rows.pop().expect("A"), b_rows)
    });

    // Does `row` (some columns) agree with `stored` (all of them)?
    fn agrees(row: &serde_json::Map<String, Value>, stored: &Value) -> bool {
        row.iter()
            .all(|(k, v)| match (v.as_f64(), stored[k].as_f64()) {
                (Some(x), Some(y)) => x == y,
                _ => *v == stored[k],
            })
    }

    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/open/proxy/customers/query", server.base);
    let cases = 300;
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let allowed: BTreeSet<&str> = ALLOWED.iter().copied().chain(["id"]).collect();
    let with_rows = std::cell::Cell::new(0u32);
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
                status == StatusCode::OK || status == StatusCode::BAD_REQUEST,
                "{status} for {body}: {answer}"
            );
            if status != StatusCode::OK {
                return Ok(());
            }
            if body["count_only"] == true {
                prop_assert!(
                    answer.as_object().is_some_and(|o| o.len() == 1)
                        && answer["total"]
                            .as_u64()
                            .is_some_and(|t| t <= a_rows.len() as u64),
                    "count beyond the tenant for {body}: {answer}"
                );
                return Ok(());
            }
            let rows = answer["data"].as_array();
            prop_assert!(rows.is_some(), "no data for {body}: {answer}");
            let rows = rows.expect("data");
            prop_assert!(
                rows.len() <= a_rows.len(),
                "more rows than the tenant has for {body}: {answer}"
            );
            // The columns asked for (deduplicated), or every referenced one.
            let expected: BTreeSet<&str> = match body["select_columns"].as_array() {
                Some(columns) if !columns.is_empty() => {
                    columns.iter().filter_map(Value::as_str).collect()
                }
                _ => allowed.clone(),
            };
            for row in rows {
                let row = row.as_object();
                prop_assert!(
                    row.is_some(),
                    "a row that is not an object for {body}: {answer}"
                );
                let row = row.expect("row");
                let keys: BTreeSet<&str> = row.keys().map(String::as_str).collect();
                prop_assert_eq!(&keys, &expected, "columns of a row for {}", body);
                prop_assert!(
                    a_rows.iter().any(|stored| agrees(row, stored)),
                    "row {:?} is none of the tenant's rows, for {}",
                    row,
                    body
                );
                prop_assert!(
                    !keys.iter().any(|k| *k != "status")
                        || !b_rows.iter().any(|stored| agrees(row, stored)),
                    "row {:?} of another tenant for {}",
                    row,
                    body
                );
            }
            if !rows.is_empty() {
                with_rows.set(with_rows.get() + 1);
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    // Most wild bodies are refused; the well-formed two thirds must reach
    // the engine and come back with rows (about half of them do), or the
    // checks above checked nothing.
    let share = f64::from(with_rows.get()) / f64::from(cases);
    assert!(
        share >= 0.2,
        "only {} of {cases} queries answered with rows",
        with_rows.get()
    );
}
