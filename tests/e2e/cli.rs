//! The builder's command line (issue 13): the `appbox` binary as a client
//! of a running server, driven as a process the way a builder or an agent
//! runs it — new → pull → edit → push → compile → publish → the runtime
//! serves the change; a broken edit fails with file:line and exit status 1;
//! a concurrent server-side edit makes the next push refuse, naming the
//! files; a builder who may not publish gets the pending request printed.

use std::path::{Path, PathBuf};
use std::process::Command;

use reqwest::header::COOKIE;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{files_path, Server, ADMIN_EMAIL, ADMIN_PASSWORD};

/// One user's client: their config dir (where the login is kept) and the server.
struct Cli {
    server: String,
    config: PathBuf,
}

/// What a run of the CLI gave.
struct Run {
    ok: bool,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("stdout is not one JSON value ({e}): {}", self.stdout))
    }
}

impl Cli {
    fn new(server: &Server, config: PathBuf) -> Cli {
        Cli {
            server: server.anonymous().base,
            config,
        }
    }

    /// `appbox ARGS` in `dir` as this user, not started yet.
    fn command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_appbox"));
        command
            .args(args)
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("APPBOX_CONFIG_DIR", &self.config)
            .env("APPBOX_SERVER", &self.server)
            .env("RUST_LOG", "warn");
        command
    }

    fn run_in(&self, dir: &Path, args: &[&str]) -> Run {
        let output = self.command(dir, args).output().expect("run appbox");
        Run {
            ok: output.status.success(),
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Runs and asserts success.
    fn ok(&self, dir: &Path, args: &[&str]) -> Run {
        let run = self.run_in(dir, args);
        assert!(
            run.ok,
            "appbox {args:?} failed:\n{}\n{}",
            run.stdout, run.stderr
        );
        run
    }
}

/// The published bundle the app's page loads, as a signed-in member's browser gets it.
async fn served_bundle(server: &Server, slug: &str, token: &str) -> String {
    let client = reqwest::Client::new();
    let page = client
        .get(format!("{}/runtime/{slug}", server.anonymous().base))
        .header(COOKIE, format!("appbox_token={token}"))
        .header("sec-fetch-dest", "document")
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    let prefix = format!("/assets/apps/{slug}/");
    let url = html
        .match_indices(&prefix)
        .map(|(start, _)| &html[start..start + html[start..].find('"').expect("quote")])
        .find(|url| url.ends_with(".js"))
        .unwrap_or_else(|| panic!("no bundle in {html}"));
    client
        .get(format!("{}{url}", server.anonymous().base))
        .send()
        .await
        .expect("bundle")
        .text()
        .await
        .expect("bundle text")
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{from:?} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).expect("write");
}

#[tokio::test]
async fn new_pull_edit_push_compile_publish_and_a_refused_push() {
    let server = Server::start();
    let work = tempfile::tempdir().expect("tempdir");
    let cli = Cli::new(&server, work.path().join("config"));
    let here = work.path();

    // Without a login: the next step is named, exit status 1.
    let run = cli.run_in(here, &["apps", "list"]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("appbox login"), "{}", run.stderr);

    // A wrong password is the server's 401, not a kept session.
    let run = cli.run_in(
        here,
        &[
            "login",
            "--email",
            ADMIN_EMAIL,
            "--password",
            "wrong-password",
        ],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(!cli.config.join("credentials.json").exists());

    cli.ok(
        here,
        &[
            "login",
            "--email",
            ADMIN_EMAIL,
            "--password",
            ADMIN_PASSWORD,
        ],
    );
    let credentials = cli.config.join("credentials.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&credentials)
            .expect("credentials")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "credentials mode {mode:o}");
    }

    // An expired access token is refreshed (and the new pair kept); so is
    // one the server refuses.
    let kept = |field: &str| -> Value {
        let all: Value =
            serde_json::from_str(&std::fs::read_to_string(&credentials).expect("read"))
                .expect("json");
        all["servers"][&cli.server][field].clone()
    };
    let first = kept("refresh_token");
    let mut all: Value =
        serde_json::from_str(&std::fs::read_to_string(&credentials).expect("read")).expect("json");
    all["servers"][&cli.server]["expires_at"] = json!(0);
    std::fs::write(&credentials, all.to_string()).expect("write");
    cli.ok(here, &["apps", "list"]);
    let second = kept("refresh_token");
    assert_ne!(first, second);
    let mut all: Value =
        serde_json::from_str(&std::fs::read_to_string(&credentials).expect("read")).expect("json");
    all["servers"][&cli.server]["access_token"] = json!("not-a-token");
    std::fs::write(&credentials, all.to_string()).expect("write");
    cli.ok(here, &["apps", "list"]);
    assert_ne!(kept("refresh_token"), second);
    assert_ne!(kept("access_token"), json!("not-a-token"));

    // new: the app from the template, pulled, with notes for the builder.
    let app = here.join("shop");
    let created = cli.ok(here, &["new", "Shop", "shop", "--json"]).json();
    let slug = created["slug"].as_str().expect("slug").to_owned();
    let app_id = created["app"].as_str().expect("app id").to_owned();
    assert!(app.join("APPBOX.md").exists());
    let page = app.join("src/pages/DashboardPage.tsx");
    assert!(page.exists());
    for host_owned in ["src/api.ts", "src/db.ts", "src/data.json"] {
        let meta = std::fs::metadata(app.join(host_owned)).expect(host_owned);
        assert!(meta.permissions().readonly(), "{host_owned} is writable");
        assert!(
            created["host_owned"]
                .as_array()
                .expect("host_owned")
                .contains(&json!(host_owned)),
            "{created}"
        );
    }
    let listed = cli.ok(here, &["apps", "list", "--json"]).json();
    assert!(listed
        .as_array()
        .expect("apps")
        .iter()
        .any(|a| a["slug"] == slug.as_str()));

    // Nothing changed: nothing is sent.
    let pushed = cli.ok(&app, &["push", "--json"]).json();
    assert_eq!(pushed["changed"], json!([]));
    assert_eq!(pushed["version"], 1);

    // An edit of a host-owned file is not sent, and the builder is told.
    let api_ts = app.join("src/api.ts");
    let mut permissions = std::fs::metadata(&api_ts).expect("api.ts").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&api_ts, permissions).expect("chmod");
    std::fs::write(&api_ts, "export const hacked = true;\n").expect("write");
    let run = cli.ok(&app, &["push"]);
    assert!(run.stdout.contains("Nothing to push"), "{}", run.stdout);
    assert!(
        run.stderr.contains("Not pushed: src/api.ts"),
        "{}",
        run.stderr
    );
    let detail = server.admin().await.app(&app_id).await;
    assert!(!detail["vfs_state"]["src/api.ts"]
        .as_str()
        .expect("api.ts")
        .contains("hacked"));

    // A broken edit: pushed, and compile fails with file:line, exit status 1.
    edit(&page, "<h1>Dashboard</h1>", "<h1>Dashboard</h2>");
    std::fs::write(app.join("src/old.ts"), "export const old = 1;\n").expect("write");
    cli.ok(&app, &["push"]);
    let run = cli.run_in(&app, &["compile"]);
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("✘ [ERROR]"), "{}", run.stderr);
    assert!(
        run.stderr.contains("src/pages/DashboardPage.tsx:92:"),
        "{}",
        run.stderr
    );
    let failed = cli.run_in(&app, &["compile", "--json"]);
    assert_eq!(failed.code, Some(1));
    assert_eq!(failed.json()["success"], false);
    assert_eq!(
        failed.json()["errors"][0]["file"],
        "src/pages/DashboardPage.tsx"
    );

    // Fixed with new text, a file added and one deleted: one push sends exactly those.
    edit(&page, "<h1>Dashboard</h2>", "<h1>Shop from the CLI</h1>");
    std::fs::write(app.join("src/extra.ts"), "export const extra = 1;\n").expect("write");
    std::fs::remove_file(app.join("src/old.ts")).expect("rm");
    let pushed = cli.ok(&app, &["push", "--json"]).json();
    assert_eq!(
        pushed["changed"],
        json!(["src/extra.ts", "src/pages/DashboardPage.tsx"])
    );
    assert_eq!(pushed["deleted"], json!(["src/old.ts"]));
    let admin = server.admin().await;
    let detail = admin.app(&app_id).await;
    assert_eq!(detail["vfs_version"], pushed["version"]);
    assert!(detail["vfs_state"]["src/old.ts"].is_null());
    assert!(detail["vfs_state"]["src/pages/DashboardPage.tsx"]
        .as_str()
        .expect("page")
        .contains("Shop from the CLI"));

    let compiled = cli.ok(&app, &["compile", "--json"]).json();
    assert_eq!(compiled["success"], true, "{compiled}");

    // Publish: the runtime serves the change.
    let published = cli.ok(&app, &["publish", "--json"]).json();
    assert_eq!(published["published"], true, "{published}");
    let token = admin.token.clone().expect("token");
    let bundle = served_bundle(&server, &slug, &token).await;
    assert!(bundle.contains("Shop from the CLI"));

    // A concurrent edit on the server: the next push refuses, naming it.
    let (status, body) = admin
        .patch(
            &files_path(&app_id),
            json!({"files": {"src/server-side.ts": "export const s = 2;\n"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    edit(&page, "Shop from the CLI", "Shop, edited again");
    let run = cli.run_in(&app, &["push"]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("src/server-side.ts"), "{}", run.stderr);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    let refused = cli.run_in(&app, &["push", "--json"]).json();
    assert_eq!(refused["status"], 409);
    assert_eq!(refused["changed_on_server"], json!(["src/server-side.ts"]));
    let detail = admin.app(&app_id).await;
    assert!(detail["vfs_state"]["src/pages/DashboardPage.tsx"]
        .as_str()
        .expect("page")
        .contains("Shop from the CLI"));
    // --force overwrites the server's version with this folder's edits.
    cli.ok(&app, &["push", "--force"]);
    let detail = admin.app(&app_id).await;
    assert!(detail["vfs_state"]["src/pages/DashboardPage.tsx"]
        .as_str()
        .expect("page")
        .contains("Shop, edited again"));

    // A pull brings the server's file; unpushed edits stop a pull.
    std::fs::write(app.join("src/extra.ts"), "export const extra = 3;\n").expect("write");
    let run = cli.run_in(here, &["pull", &slug, "shop"]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("src/extra.ts"), "{}", run.stderr);
    cli.ok(here, &["pull", &slug, "shop", "--force"]);
    assert!(app.join("src/server-side.ts").exists());
    assert_eq!(
        std::fs::read_to_string(app.join("src/extra.ts")).expect("extra"),
        "export const extra = 1;\n"
    );

    // A builder without builder.publish: the pending request is printed.
    server.user("builder@test.local", "builder", None).await;
    let builder = Cli::new(&server, work.path().join("builder-config"));
    builder.ok(
        here,
        &[
            "login",
            "--email",
            "builder@test.local",
            "--password",
            "user-password-1",
        ],
    );
    let run = builder.ok(here, &["new", "Requests", "requests"]);
    assert!(run.stdout.contains("Pulled Requests"), "{}", run.stdout);
    let requests = here.join("requests");
    let run = builder.ok(&requests, &["publish"]);
    assert!(run.stdout.contains("publish request"), "{}", run.stdout);
    assert!(run.stdout.contains("pending"), "{}", run.stdout);
    let run = builder.run_in(&requests, &["publish", "--json"]);
    assert_eq!(run.code, Some(1), "a second request: {}", run.stdout);
    assert_eq!(run.json()["status"], 423, "{}", run.stdout);
}

/// `appbox logs --follow` prints the runs so far, then each new run as it
/// comes, one JSON value per line with `--json`, until it is stopped.
#[tokio::test]
async fn logs_follow_prints_each_new_run_as_it_comes() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    use std::time::Duration;

    let server = Server::start();
    let work = tempfile::tempdir().expect("tempdir");
    let cli = Cli::new(&server, work.path().join("config"));
    let here = work.path();
    cli.ok(
        here,
        &[
            "login",
            "--email",
            ADMIN_EMAIL,
            "--password",
            ADMIN_PASSWORD,
        ],
    );
    cli.ok(here, &["new", "Runs", "runs"]);
    let app = here.join("runs");
    let run = |n: u32| {
        let params = json!({"n": n}).to_string();
        cli.ok(
            &app,
            &["actions", "run", "example_action", "--params", &params],
        )
    };
    run(1);

    let mut follow = cli
        .command(&app, &["logs", "--follow", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn appbox logs --follow");
    let stdout = follow.stdout.take().expect("stdout");
    let (lines, incoming) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let next = || -> Value {
        let line = incoming
            .recv_timeout(Duration::from_secs(60))
            .expect("a line from appbox logs --follow");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    };
    let first = next();
    assert_eq!(first["action"], "example_action", "{first}");
    assert_eq!(first["status"], "ok", "{first}");

    // A run after it started shows up without asking again.
    run(2);
    let second = next();
    assert_eq!(second["action"], "example_action", "{second}");
    assert_ne!(second["id"], first["id"], "the same run printed twice");
    run(3);
    let third = next();
    assert_ne!(third["id"], second["id"]);
    assert!(
        incoming.recv_timeout(Duration::from_millis(1500)).is_err(),
        "a run was printed twice"
    );
    let _ = follow.kill();
    let _ = follow.wait();
}
