//! The spec's own examples, run as written against appbox: the text is read
//! from ../shared/spec at test time, and only the base URL and the values a
//! reader is told to fill in (key, ids, credentials) are replaced.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{Server, ADMIN_EMAIL, ADMIN_PASSWORD};

fn spec(name_prefix: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec");
    let entry = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().starts_with(name_prefix))
        .unwrap_or_else(|| panic!("no spec {name_prefix}* in {}", dir.display()));
    std::fs::read_to_string(entry.path()).expect("spec text")
}

/// The text between two markers (the first `start` after `after`).
fn section<'a>(text: &'a str, after: &str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(after)
        .unwrap_or_else(|| panic!("no {after:?} in the spec"));
    let begin = from
        + text[from..]
            .find(start)
            .unwrap_or_else(|| panic!("no {start:?}"));
    let stop = begin
        + text[begin..]
            .find(end)
            .unwrap_or_else(|| panic!("no {end:?}"));
    &text[begin..stop]
}

fn run(program: &str, args: &[&str]) -> (bool, String) {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// Spec 000 §6.8: the travel agency's curl walk-through over an API key.
#[tokio::test]
async fn travel_agency_walk_through_of_spec_000_6_8() {
    let server = Server::start();
    let admin = server.admin().await;
    let (_, app) = admin
        .post("/api/v1/integrations", json!({"name": "旅行社 ERP"}))
        .await;
    let app_id = app["id"].as_str().expect("id");
    let (_, key) = admin
        .post(
            &format!("/api/v1/integrations/{app_id}/api-keys"),
            json!({"name": "Production Key"}),
        )
        .await;
    let key = key["api_key"].as_str().expect("key");
    for (name, slug, fields) in [
        (
            "團體行程",
            "group_tour",
            json!([
            {"name": "行程名稱", "field_key": "tour_name", "field_type": "text", "is_required": true, "sequence": 10},
            {"name": "金額", "field_key": "amount", "field_type": "number", "sequence": 20},
            {"name": "出發日", "field_key": "departure_date", "field_type": "date", "sequence": 30},
            {"name": "人數上限", "field_key": "max_people", "field_type": "number", "sequence": 40}]),
        ),
        (
            "訂單紀錄",
            "booking",
            json!([{"name": "客戶名", "field_key": "customer_name", "field_type": "text"}]),
        ),
    ] {
        let (status, out) = admin
            .post(
                "/api/v1/data/objects/batch",
                json!({"app_id": app_id, "name": name, "api_slug": slug, "fields": fields}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{out}");
    }

    let text = spec("000_");
    let script = section(
        &text,
        "6.8 Custom Table 完整使用範例",
        "# ── 第一步",
        "6.9 ",
    );
    // Each command runs from its `curl` to the next blank or comment line
    // (its quoted JSON body may span lines).
    let mut commands: Vec<String> = Vec::new();
    for line in script.replace("\\\n", " ").lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("curl ") {
            commands.push(trimmed.to_owned());
        } else if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        } else if let Some(command) = commands.last_mut() {
            command.push('\n');
            command.push_str(trimmed);
        }
    }
    let commands: Vec<String> = commands
        .iter()
        .map(|c| {
            c.replace(
                "https://api.ai-go.app/api/v1",
                &format!("{}/api/v1", server.base),
            )
            .replace("sk_live_a1b2c3d4e5f6...", key)
        })
        .collect();
    assert_eq!(commands.len(), 5, "the spec's five steps: {commands:#?}");

    let mut record_id = String::new();
    for (step, command) in commands.iter().enumerate() {
        let command = command.replace("{record_id}", &record_id);
        let (ok, out) = run(
            "sh",
            &["-c", &format!("{command} -sS -w '\\n%{{http_code}}'")],
        );
        assert!(ok, "step {}: {command}\n{out}", step + 1);
        let (body, code) = out.trim_end().rsplit_once('\n').unwrap_or(("", out.trim()));
        let body: serde_json::Value = serde_json::from_str(body).unwrap_or(serde_json::Value::Null);
        match step {
            0 => {
                assert_eq!(code, "200", "{out}");
                let slugs: Vec<&str> = body
                    .as_array()
                    .expect("list")
                    .iter()
                    .filter_map(|o| o["api_slug"].as_str())
                    .collect();
                assert_eq!(slugs, vec!["group_tour", "booking"]);
                assert_eq!(body[0]["fields"][0]["field_key"], "tour_name");
            }
            1 => assert_eq!((code, body.clone()), ("200", json!([])), "{out}"),
            2 => {
                assert_eq!(code, "201", "{out}");
                assert_eq!(body["data"]["tour_name"], "沖繩四日遊");
                record_id = body["id"].as_str().expect("id").to_owned();
            }
            3 => {
                assert_eq!(code, "200", "{out}");
                assert_eq!(body["data"]["amount"], 32000);
                assert_eq!(body["data"]["status"], "full");
                assert_eq!(
                    body["data"]["tour_name"], "沖繩四日遊",
                    "merge keeps the other fields"
                );
            }
            _ => {
                assert_eq!(code, "200", "{out}");
                assert_eq!(body, json!({"message": "已刪除", "id": record_id}));
            }
        }
    }
}

/// Spec 001 §13: the agent's Python workflow (httpx): log in, batch-create a
/// table with fields, write a record, read it back.
#[tokio::test]
async fn agent_workflow_of_spec_001_13() {
    let server = Server::start();
    let admin = server.admin().await;
    let app_id = admin.create_app("Agent app").await["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let text = spec("001_");
    let script = section(&text, "AI Agent 完整工作流範例", "import httpx", "14. ");
    let script = script
        .replace(
            "https://ai-go.app/api/v1",
            &format!("{}/api/v1", server.base),
        )
        .replace("developer@example.com", ADMIN_EMAIL)
        .replace("your_password", ADMIN_PASSWORD)
        .replace("your-app-uuid", &app_id);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("agent.py");
    std::fs::write(&path, script).expect("write");
    let (ok, out) = run("python3", &[path.to_str().expect("path")]);
    assert!(ok, "the spec's script failed:\n{out}");
    assert!(out.contains("台積電") && out.contains("500000"), "{out}");

    let (_, objects) = admin
        .get(&format!("/api/v1/data/objects?app_id={app_id}"))
        .await;
    assert_eq!(objects[0]["api_slug"], "orders");
    assert_eq!(objects[0]["fields"].as_array().map(Vec::len), Some(2));
}
