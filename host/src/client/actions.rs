//! `appbox actions run` and `appbox logs` (the action runs, `--follow`ed).

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use super::sync::open_app;
use super::{segment, ClientError, Output};
use crate::cli::ClientOpts;

/// `appbox actions run NAME --params JSON`: runs the action of the app's
/// current (pushed) files and prints its answer.
pub(crate) async fn run(
    out: &Output,
    opts: &ClientOpts,
    dir: &Path,
    name: &str,
    params: &str,
) -> Result<(), ClientError> {
    let params: Value = serde_json::from_str(params)
        .map_err(|e| ClientError::Refused(format!("--params is not JSON: {e}")))?;
    let (mut client, state) = open_app(opts, dir)?;
    let path = format!(
        "/api/v1/builder/apps/{}/actions/{}/run",
        segment(&state.app),
        segment(name)
    );
    let answer = client
        .call(Method::POST, &path, Some(&json!({"params": params})))
        .await?;
    let text = serde_json::to_string_pretty(&answer).unwrap_or_default();
    out.done(text, answer);
    Ok(())
}

/// Runs `appbox logs --follow` asks for each time: more than come in a
/// second, so none is missed between two polls.
const FOLLOW_WINDOW: u32 = 200;
/// How often `appbox logs --follow` asks for new runs.
const FOLLOW_EVERY: Duration = Duration::from_millis(500);

/// `appbox logs`: the app's recent action runs, newest first; with
/// `--follow`, oldest first and then each new run as it comes, until
/// Ctrl-C (`--json`: one JSON value per line).
pub(crate) async fn logs(
    out: &Output,
    opts: &ClientOpts,
    dir: &Path,
    action: Option<&str>,
    limit: u32,
    follow: bool,
) -> Result<(), ClientError> {
    let (mut client, state) = open_app(opts, dir)?;
    let runs_path = |limit: u32| {
        let mut path = format!(
            "/api/v1/builder/apps/{}/actions/runs?limit={limit}",
            segment(&state.app)
        );
        if let Some(action) = action {
            path.push_str(&format!("&action={}", segment(action)));
        }
        path
    };
    if !follow {
        let runs = client.call(Method::GET, &runs_path(limit), None).await?;
        let rows: Vec<String> = runs
            .as_array()
            .into_iter()
            .flatten()
            .map(run_line)
            .collect();
        let text = if rows.is_empty() {
            format!("No action runs of {} yet", state.name)
        } else {
            rows.join("\n")
        };
        out.done(text, runs);
        return Ok(());
    }
    let path = runs_path(FOLLOW_WINDOW.max(limit));
    let runs = client.call(Method::GET, &path, None).await?;
    let runs = runs.as_array().cloned().unwrap_or_default();
    for run in runs.iter().take(limit as usize).rev() {
        out.done(run_line(run), run.clone());
    }
    out.note(format!(
        "Following the action runs of {} (Ctrl-C stops)",
        state.name
    ));
    let mut seen: HashSet<String> = runs.iter().map(run_id).collect();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(FOLLOW_EVERY) => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
        let runs = client.call(Method::GET, &path, None).await?;
        let runs = runs.as_array().cloned().unwrap_or_default();
        for run in runs.iter().filter(|run| !seen.contains(&run_id(run))).rev() {
            out.done(run_line(run), run.clone());
        }
        // Older runs than the newest window cannot come again.
        seen = runs.iter().map(run_id).collect();
    }
}

fn run_id(run: &Value) -> String {
    run["id"].as_str().unwrap_or_default().to_owned()
}

/// One run as a line of `appbox logs`.
fn run_line(run: &Value) -> String {
    format!(
        "{}  {:<20} {:<9} {:>6} ms  {}",
        run["created_at"].as_str().unwrap_or_default(),
        run["action"].as_str().unwrap_or_default(),
        run["status"].as_str().unwrap_or_default(),
        run["duration_ms"],
        run["error"].as_str().unwrap_or_default()
    )
}
