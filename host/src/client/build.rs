//! `appbox compile` and `appbox publish`.

use std::path::Path;

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::sync::open_app;
use super::{api_error, segment, ClientError, Output};
use crate::cli::ClientOpts;

/// `appbox compile [DIR]`: compiles the app's files on the server (push
/// first); errors are printed as the server formats them (esbuild's
/// `✘ [ERROR]` with code frames) and make the exit status 1.
pub(crate) async fn compile(
    out: &Output,
    opts: &ClientOpts,
    dir: &Path,
    dev: bool,
) -> Result<(), ClientError> {
    let (mut client, state) = open_app(opts, dir)?;
    let path = format!("/api/v1/compile/compile/{}?dev={dev}", segment(&state.app));
    let answer = client.call(Method::POST, &path, None).await?;
    if answer["success"] == true {
        let warnings = answer["warnings"].as_array().cloned().unwrap_or_default();
        let text = warnings
            .iter()
            .map(|w| {
                format!(
                    "▲ [WARNING] {}\n\n    {}:{}:{}:",
                    w["message"].as_str().unwrap_or_default(),
                    w["file"].as_str().unwrap_or("-"),
                    w["line"],
                    w["column"]
                )
            })
            .chain(std::iter::once(format!(
                "Compiled {} (version {}) in {} ms: {} bytes of JS, {} bytes of CSS",
                state.name,
                state.version,
                answer["duration_ms"],
                answer["bundle_js"].as_str().map_or(0, str::len),
                answer["css"].as_str().map_or(0, str::len)
            )))
            .collect::<Vec<_>>()
            .join("\n");
        let mut summary = answer.clone();
        if let Some(object) = summary.as_object_mut() {
            for key in ["html", "bundle_js", "css"] {
                object.remove(key);
            }
        }
        out.done(text, summary);
        return Ok(());
    }
    let error = answer["error"].as_str().unwrap_or_default();
    if !out.json {
        eprint!("{error}");
    }
    let count = answer["errors"].as_array().map_or(0, Vec::len);
    out.done("", answer.clone());
    Err(ClientError::Printed(format!(
        "{count} error{} in {}: fix them, push and compile again",
        if count == 1 { "" } else { "s" },
        state.name
    )))
}

/// `appbox publish [DIR]`: publishes at once with `builder.publish`, else
/// files a request and prints it.
pub(crate) async fn publish(
    out: &Output,
    opts: &ClientOpts,
    dir: &Path,
    note: &str,
    review: bool,
) -> Result<(), ClientError> {
    let (mut client, state) = open_app(opts, dir)?;
    let path = format!(
        "/api/v1/builder/apps/{}/publish?review={review}&note={}",
        segment(&state.app),
        segment(note)
    );
    let answer = client.send(Method::POST, &path, Some(&json!({}))).await?;
    match answer.status {
        StatusCode::OK => {
            let page = if answer.body["access_mode"] == "internal" {
                format!("{}/runtime/{}", client.server(), state.slug)
            } else {
                format!("{}/externalAppRuntime/{}", client.server(), state.slug)
            };
            out.done(
                format!(
                    "Published {} version {}: {page}",
                    state.name, answer.body["published_version"]
                ),
                json!({"published": true, "app": answer.body, "url": page}),
            );
            Ok(())
        }
        StatusCode::ACCEPTED => {
            let request = &answer.body;
            out.done(
                format!(
                    "You may not publish {} yourself, so a publish request was filed and waits for a publisher:\n  request {}\n  status  {}\n  version {}\n  The app's files are locked until it is approved, rejected or cancelled.",
                    state.name,
                    request["id"].as_str().unwrap_or_default(),
                    request["status"].as_str().unwrap_or_default(),
                    request["vfs_version"]
                ),
                json!({"published": false, "request": request}),
            );
            Ok(())
        }
        _ => {
            if answer.status == StatusCode::UNPROCESSABLE_ENTITY && !out.json {
                eprintln!("{}", answer.body["detail"].as_str().unwrap_or_default());
            }
            Err(api_error(answer))
        }
    }
}
