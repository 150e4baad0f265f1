//! `appbox apps list|create` and `appbox new`.

use std::path::PathBuf;

use reqwest::Method;
use serde_json::{json, Value};

use super::sync::{pull_into, NOTES_FILE};
use super::{server_of, Client, ClientError, Output};
use crate::cli::ClientOpts;

/// `appbox apps list`.
pub(crate) async fn list(out: &Output, opts: &ClientOpts) -> Result<(), ClientError> {
    let mut client = Client::signed_in(&server_of(opts, None))?;
    let apps = client
        .call(Method::GET, "/api/v1/builder/apps", None)
        .await?;
    let rows: Vec<String> = apps
        .as_array()
        .into_iter()
        .flatten()
        .map(|app| {
            format!(
                "{:<14} {:<10} {:<9} v{:<5} {}",
                app["slug"].as_str().unwrap_or_default(),
                app["access_mode"].as_str().unwrap_or_default(),
                app["status"].as_str().unwrap_or_default(),
                app["vfs_version"],
                app["name"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    let text = if rows.is_empty() {
        "No apps yet: `appbox new NAME` creates one".to_owned()
    } else {
        format!(
            "{:<14} {:<10} {:<9} {:<6} NAME\n{}",
            "SLUG",
            "ACCESS",
            "STATUS",
            "VERSION",
            rows.join("\n")
        )
    };
    out.done(text, apps);
    Ok(())
}

/// `appbox apps create NAME`.
pub(crate) async fn create(
    out: &Output,
    opts: &ClientOpts,
    name: &str,
    description: Option<String>,
    access_mode: Option<String>,
) -> Result<(), ClientError> {
    let (_, detail) = create_app(opts, name, description, access_mode).await?;
    let mut summary = detail.clone();
    if let Some(object) = summary.as_object_mut() {
        object.remove("vfs_state");
    }
    out.done(
        format!(
            "Created {name} (slug {}, id {}); `appbox pull {}` writes its files",
            detail["slug"].as_str().unwrap_or_default(),
            detail["id"].as_str().unwrap_or_default(),
            detail["slug"].as_str().unwrap_or_default()
        ),
        summary,
    );
    Ok(())
}

/// Creates an app from the standard template: the client and the app's
/// detail (with its files).
async fn create_app(
    opts: &ClientOpts,
    name: &str,
    description: Option<String>,
    access_mode: Option<String>,
) -> Result<(Client, Value), ClientError> {
    let mut client = Client::signed_in(&server_of(opts, None))?;
    let mut body = json!({"name": name});
    if let Some(description) = description {
        body["description"] = json!(description);
    }
    if let Some(mode) = access_mode {
        body["access_mode"] = json!(mode);
    }
    let detail = client
        .call(Method::POST, "/api/v1/builder/apps", Some(&body))
        .await?;
    Ok((client, detail))
}

/// `appbox new NAME [DIR]`: creates the app and pulls it with notes for the builder.
pub(crate) async fn new(
    out: &Output,
    opts: &ClientOpts,
    name: &str,
    dir: Option<PathBuf>,
) -> Result<(), ClientError> {
    let dir = dir.unwrap_or_else(|| PathBuf::from(folder_name(name)));
    if dir.exists()
        && std::fs::read_dir(&dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(ClientError::Refused(format!(
            "{} exists and is not empty: name another folder (`appbox new NAME DIR`)",
            dir.display()
        )));
    }
    let (client, detail) = create_app(opts, name, None, None).await?;
    out.note(format!(
        "Created {name} (slug {})",
        detail["slug"].as_str().unwrap_or_default()
    ));
    pull_into(out, &client, &detail, &dir, false)?;
    let notes = notes(name, &detail, client.server());
    std::fs::write(dir.join(NOTES_FILE), notes).map_err(ClientError::io(format!(
        "Writing {}",
        dir.join(NOTES_FILE).display()
    )))?;
    out.note(format!(
        "Next: edit src/, then `cd {} && appbox push && appbox compile && appbox publish` (see {NOTES_FILE})",
        dir.display()
    ));
    Ok(())
}

/// A folder name from an app name: letters, digits and `-`.
fn folder_name(name: &str) -> String {
    let name: String = name
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect();
    let name = name.trim_matches('-').to_owned();
    if name.is_empty() {
        "app".to_owned()
    } else {
        name
    }
}

fn notes(name: &str, detail: &Value, server: &str) -> String {
    let slug = detail["slug"].as_str().unwrap_or_default();
    format!(
        "# {name}\n\n\
         This folder holds the appbox app `{slug}` on {server}. It is not part of the app\n\
         (`{NOTES_FILE}`, `.appbox/` and dot-files are never pushed).\n\n\
         - `src/` is the app: `src/App.tsx`, `src/routes.ts`, pages in `src/pages/`.\n\
         - The SDK files (`src/api.ts`, `src/db.ts`, `src/action.ts`, `src/data.json`,\n  \
           `src/db.json`) are owned by the host: read-only here, never pushed, refreshed by\n  \
           `appbox pull`. `src/data.json` and `src/db.json` describe your tables and references.\n\
         - Server-side Python actions go in `actions/` with `actions/manifest.json`.\n\n\
         The loop:\n\n\
         ```sh\n\
         appbox push        # sends what changed since the last pull/push\n\
         appbox compile     # errors as esbuild prints them, exit status 1\n\
         appbox publish     # or files a publish request if you may not publish\n\
         appbox actions run NAME --params '{{}}'\n\
         appbox logs        # recent action runs\n\
         ```\n\n\
         Every command takes `--json` for scripts. The app opens at {server}/runtime/{slug}\n\
         once published.\n"
    )
}
