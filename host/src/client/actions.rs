//! `appbox actions run` and `appbox logs` (the action runs).

use std::path::Path;

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

/// `appbox logs`: the app's recent action runs, newest first.
pub(crate) async fn logs(
    out: &Output,
    opts: &ClientOpts,
    dir: &Path,
    action: Option<&str>,
    limit: u32,
) -> Result<(), ClientError> {
    let (mut client, state) = open_app(opts, dir)?;
    let mut path = format!(
        "/api/v1/builder/apps/{}/actions/runs?limit={limit}",
        segment(&state.app)
    );
    if let Some(action) = action {
        path.push_str(&format!("&action={}", segment(action)));
    }
    let runs = client.call(Method::GET, &path, None).await?;
    let rows: Vec<String> = runs
        .as_array()
        .into_iter()
        .flatten()
        .map(|run| {
            format!(
                "{}  {:<20} {:<9} {:>6} ms  {}",
                run["created_at"].as_str().unwrap_or_default(),
                run["action"].as_str().unwrap_or_default(),
                run["status"].as_str().unwrap_or_default(),
                run["duration_ms"],
                run["error"].as_str().unwrap_or_default()
            )
        })
        .collect();
    let text = if rows.is_empty() {
        format!("No action runs of {} yet", state.name)
    } else {
        rows.join("\n")
    };
    out.done(text, runs);
    Ok(())
}
