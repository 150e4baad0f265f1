//! The README's "build an app from zero" walk-through is run as written
//! (bash, curl, jq) against a fresh server, and every route it calls must
//! be in `/openapi.json`: an agent following it never has to guess.

use std::process::Command;

use reqwest::StatusCode;

use crate::harness::{Server, ADMIN_EMAIL, ADMIN_PASSWORD};

const README: &str = include_str!("../../README.md");

/// The shell block between the README's walk-through markers.
fn walkthrough() -> String {
    let start = README
        .find("<!-- walkthrough:start -->")
        .expect("README has no walkthrough:start marker");
    let end = README
        .find("<!-- walkthrough:end -->")
        .expect("README has no walkthrough:end marker");
    let block = &README[start..end];
    let body = block
        .split_once("```sh\n")
        .expect("a ```sh block")
        .1
        .rsplit_once("```")
        .expect("the block's end")
        .0;
    body.to_owned()
}

/// `"$APPBOX/api/v1/builder/apps/$APP_ID/source/files"` → the path with
/// each `$VAR` segment as a wildcard.
fn called_paths(script: &str) -> Vec<String> {
    script
        .match_indices("$APPBOX/")
        .map(|(i, _)| {
            let rest = &script[i + "$APPBOX".len()..];
            let end = rest.find(['"', '?', ' ', ')']).unwrap_or(rest.len());
            rest[..end].to_owned()
        })
        .collect()
}

fn matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| t == p || (t.starts_with('{') && p.starts_with('$')))
}

#[tokio::test]
async fn the_readme_walkthrough_builds_and_publishes_an_app() {
    let server = Server::start();
    let script = walkthrough();

    let (status, doc) = server.anonymous().get("/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let templates: Vec<&String> = doc["paths"].as_object().expect("paths").keys().collect();
    let paths = called_paths(&script);
    assert!(paths.len() >= 6, "{paths:?}");
    for path in &paths {
        assert!(
            templates.iter().any(|t| matches(t, path)),
            "the walk-through calls {path}, which /openapi.json does not list"
        );
    }

    let work = tempfile::tempdir().expect("tempdir");
    let output = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(work.path())
        .env("APPBOX", server.anonymous().base)
        .env("EMAIL", ADMIN_EMAIL)
        .env("PASSWORD", ADMIN_PASSWORD)
        .output()
        .expect("bash");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the walk-through failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("\"success\": true"), "{stdout}");
    assert!(stdout.contains("\"published_version\": 2"), "{stdout}");
    assert!(stdout.contains("Hello from the API"), "{stdout}");

    // What it did is what the API says.
    let admin = server.admin().await;
    let (status, apps) = admin.get("/api/v1/builder/apps").await;
    assert_eq!(status, StatusCode::OK);
    let app = apps
        .as_array()
        .expect("apps")
        .iter()
        .find(|a| a["name"] == "Hello")
        .expect("the walk-through's app");
    assert_eq!(app["published_version"], 2, "{app}");
    assert_eq!(app["status"], "published", "{app}");
}
