//! `appbox serve`: first-start setup, then the HTTP server until SIGTERM.

use std::path::Path;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::accounts::{self, random_hex};
use crate::app_users::oauth::OAuthConfig;
use crate::app_users::secrets::SecretBox;
use crate::builder::apps;
use crate::cli::{ServeArgs, StorageArgs};
use crate::db::{Db, Id};
use crate::state::AppState;

/// Creates the data directory and opens (and migrates) the database.
pub async fn open_storage(storage: &StorageArgs) -> anyhow::Result<Db> {
    std::fs::create_dir_all(&storage.data_dir)
        .with_context(|| format!("creating the data directory {}", storage.data_dir.display()))?;
    let url = storage.database_url();
    Db::connect(&url)
        .await
        .with_context(|| format!("opening the database {}", redact(&url)))
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The JWT secret: from the flag or environment, else the one kept in the data
/// directory, else a new one written there (readable by the owner only).
fn jwt_secret(args: &ServeArgs) -> anyhow::Result<String> {
    if let Some(secret) = args.jwt_secret.as_deref().filter(|s| !s.is_empty()) {
        return Ok(secret.to_owned());
    }
    let path = args.storage.data_dir.join("jwt_secret");
    if let Ok(secret) = std::fs::read_to_string(&path) {
        if !secret.trim().is_empty() {
            return Ok(secret.trim().to_owned());
        }
    }
    let secret = random_hex(32);
    write_private(&path, &secret).with_context(|| format!("writing {}", path.display()))?;
    Ok(secret)
}

/// The key for secrets at rest: from the flag or environment, else the one
/// kept in the data directory, else a new one written there.
fn secret_key(args: &ServeArgs) -> anyhow::Result<String> {
    if let Some(key) = args.secret_key.as_deref().filter(|s| !s.trim().is_empty()) {
        return Ok(key.trim().to_owned());
    }
    let path = args.storage.data_dir.join("secret_key");
    if let Ok(key) = std::fs::read_to_string(&path) {
        if !key.trim().is_empty() {
            return Ok(key.trim().to_owned());
        }
    }
    let key = random_hex(32);
    write_private(&path, &key).with_context(|| format!("writing {}", path.display()))?;
    Ok(key)
}

fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(content.as_bytes())?;
    file.sync_all()
}

/// On the first start (no tenant yet): the tenant and its admin. With
/// `--demo`, when the first tenant has no app yet: that tenant and its admin,
/// for whom the demo app is made.
async fn first_start(db: &Db, args: &ServeArgs) -> anyhow::Result<Option<(Id, Id)>> {
    let tenant = match accounts::first_tenant(db).await? {
        Some(tenant) => tenant,
        None => {
            let tenant = accounts::create_tenant(db, "Default").await?;
            let (password, generated) = match &args.admin_password {
                Some(p) if !p.is_empty() => (p.clone(), false),
                _ => (random_hex(12), true),
            };
            accounts::create_user(
                db,
                tenant,
                &args.admin_email,
                "Administrator",
                &password,
                "admin",
            )
            .await
            .context(
                "creating the first admin (check APPBOX_ADMIN_EMAIL and APPBOX_ADMIN_PASSWORD)",
            )?;
            println!(
                "Created the first tenant and its admin {}",
                args.admin_email
            );
            if generated {
                println!("Generated admin password (shown only now): {password}");
            }
            tenant
        }
    };
    if args.demo && apps::list_apps(db, tenant).await?.is_empty() {
        let users = accounts::list_users(db).await?;
        let owner = users
            .iter()
            .find(|u| u.tenant_id == tenant.0 && u.roles.iter().any(|r| r == "admin"));
        return Ok(owner.map(|owner| (tenant, Id(owner.id))));
    }
    Ok(None)
}

/// The first tenant's first published app (the demo, on a later start).
async fn first_published_app(db: &Db) -> anyhow::Result<Option<apps::AppRecord>> {
    let Some(tenant) = accounts::first_tenant(db).await? else {
        return Ok(None);
    };
    Ok(apps::list_apps(db, tenant)
        .await?
        .into_iter()
        .find(|app| app.status == "published"))
}

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    crate::db::set_query_timeout(std::time::Duration::from_millis(args.query_timeout_ms));
    let db = open_storage(&args.storage).await?;
    let demo_for = first_start(&db, &args).await?;
    let secret = jwt_secret(&args)?;
    let mut oauth = OAuthConfig::new(SecretBox::from_config(&secret_key(&args)?))
        .with_public_url(args.public_url.clone());
    if let Some(endpoints) = args
        .oauth_endpoints
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        oauth = oauth.with_endpoints(endpoints)?;
    }
    let mailer = crate::members::mail::Mailer::new(
        args.smtp_url.as_deref(),
        args.storage.data_dir.join("outbox"),
        &args.mail_from,
    )?;
    let state = AppState::new(db.clone(), secret.as_bytes(), args.max_body_bytes)
        .with_oauth(oauth)
        .with_mailer(mailer)
        .with_files(
            crate::edge::storage::FileStore::open(
                args.files.backend(&args.storage.data_dir),
                secret.as_bytes(),
            )
            .context("opening file storage (APPBOX_S3_* settings, or DATA_DIR/files)")?,
        )
        .with_edge(
            crate::edge::rate_limit::Limits {
                pub_per_address: args.rate_limit_pub,
                app_auth_per_address: args.rate_limit_app_auth,
                per_user: args.rate_limit_user,
                per_api_key_app: args.rate_limit_api_key,
            },
            args.trusted_proxies.clone(),
        );
    let demo = match demo_for {
        Some((tenant, owner)) => {
            let app = crate::builder::demo::create(&state, tenant, owner)
                .await
                .context("creating the demo app")?;
            println!("Created the demo app {:?} (slug {})", app.name, app.slug);
            Some(app)
        }
        None if args.demo => first_published_app(&db).await?,
        None => None,
    };
    let listener = TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("listening on {}", args.addr))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, backend = db.backend(), "appbox started");
    // The first line is read by the end-to-end tests to find the port.
    println!("appbox listening on http://{addr}");
    println!("  API docs:  http://{addr}/docs");
    println!("  home:      http://{addr}/  (sign in, then open your apps)");
    if let Some(app) = &demo {
        println!(
            "  demo app:  http://{addr}{}  (sign in on the home page first)",
            crate::serving::runtime::page_path(app)
        );
        // The demo has an action: get the Python sandbox ready now (on a
        // fresh machine Cranelift compiles it once, ~10 s, then it is
        // cached) rather than on the first click. Elsewhere it is made
        // ready on first use (a run, or a publish's trial load).
        let state = state.clone();
        tokio::spawn(async move { state.actions().preload().await });
    }
    println!("  log in:    curl -X POST http://{addr}/api/v1/auth/login -H 'Content-Type: application/json' \\");
    println!(
        "               -d '{{\"email\": \"{}\", \"password\": \"…\"}}'",
        args.admin_email
    );
    // The peer address feeds the per-address login limit.
    let app = crate::api::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    db.close().await;
    tracing::info!("appbox stopped");
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C; in-flight requests then finish before exit.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_hidden_in_database_urls() {
        assert_eq!(
            super::redact("postgres://app:s3cret@db:5432/appbox"),
            "postgres://app:***@db:5432/appbox"
        );
        assert_eq!(
            super::redact("sqlite://./appbox-data/appbox.db"),
            "sqlite://./appbox-data/appbox.db"
        );
    }
}
