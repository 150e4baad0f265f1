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

/// Spec 001 §17.9: the agent's invitation script, as written (only the base
/// URL replaced): the spec's admin and app slug are set up to match it.
/// Then the printed link is what the invitee opens.
#[tokio::test]
async fn invitation_script_of_spec_001_17_9() {
    let server = Server::start();
    let (ok, out) = server.cli(&[
        "user",
        "add",
        "--email",
        "admin@company.com",
        "--password",
        "admin_password",
        "--role",
        "admin",
    ]);
    assert!(ok, "{out}");
    let admin = server.login("admin@company.com", "admin_password").await;
    let app = admin.create_app("後廚訂單管理").await;
    let id = app["id"].as_str().expect("id");
    server.sql(&format!(
        "UPDATE custom_apps SET slug = 'c7c7a37d2ff0' WHERE CAST(id AS TEXT) = '{id}'"
    ));
    let (status, body) = admin
        .post(
            &format!("/api/v1/builder/apps/{id}/publish"),
            json!({"published_assets": {}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let text = spec("001_");
    let script = section(
        &text,
        "17.9 AI Agent 整合範例",
        "import httpx",
        "18. Public",
    )
    .replace(
        "https://ai-go.app/api/v1",
        &format!("{}/api/v1", server.base),
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("invite.py");
    std::fs::write(&path, script).expect("write");
    let (ok, out) = run("python3", &[path.to_str().expect("path")]);
    assert!(ok, "the spec's script failed:\n{out}");
    let prefix = format!("{}/app-login/c7c7a37d2ff0?token=", server.base);
    let link = out
        .split_whitespace()
        .find_map(|w| w.find(&prefix).map(|at| w[at..].to_owned()))
        .unwrap_or_else(|| panic!("no invitation link printed:\n{out}"));

    // The invitee opens it: registration for that app, the e-mail locked.
    let html = reqwest::get(&link)
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("註冊 後廚訂單管理"), "{html}");
    assert!(
        html.contains("value=\"new-user@company.com\" readonly"),
        "{html}"
    );
    assert!(html.contains("value=\"新同事\""), "{html}");
    let token = &link[prefix.len()..];
    let (status, tokens) = server
        .anonymous()
        .post(
            "/api/v1/invitations/accept",
            json!({"token": token, "password": "new-user-pass"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{tokens}");
    let member = server.login("new-user@company.com", "new-user-pass").await;
    let (_, check) = member
        .get("/api/v1/builder/apps/check-access/c7c7a37d2ff0")
        .await;
    assert_eq!(check["has_access"], true, "{check}");
    let (_, me) = member.get("/api/v1/auth/me").await;
    assert_eq!(
        (me["name"].as_str(), me["roles"].clone()),
        (Some("新同事"), json!(["member"]))
    );
}
