//! Command-line interface: `appbox serve` and `appbox user …`.
//!
//! Every option can also come from the environment variable named beside it,
//! so a container or a systemd unit needs no flags.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "appbox",
    version,
    about = "A self-hostable platform for custom business apps"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server (creates the data directory, database and first admin on first start).
    Serve(ServeArgs),
    /// Manage platform users.
    #[command(subcommand)]
    User(UserCommand),
}

/// Where appbox keeps its data.
#[derive(Args, Debug, Clone)]
pub struct StorageArgs {
    /// Directory for the SQLite database, the JWT secret and stored files.
    #[arg(long, env = "APPBOX_DATA_DIR", default_value = "./appbox-data")]
    pub data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL; default: SQLite at DATA_DIR/appbox.db.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
}

impl StorageArgs {
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => url.trim().to_owned(),
            _ => format!("sqlite://{}", self.data_dir.join("appbox.db").display()),
        }
    }
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "APPBOX_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Email of the admin created on first start.
    #[arg(long, env = "APPBOX_ADMIN_EMAIL", default_value = "admin@appbox.local")]
    pub admin_email: String,
    /// Password of the admin created on first start; generated and printed once if unset.
    #[arg(long, env = "APPBOX_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
    /// Secret that signs access tokens; generated and kept in DATA_DIR/jwt_secret if unset.
    #[arg(long, env = "APPBOX_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Key that encrypts stored secrets (OAuth client secrets, AES-256-GCM): 64
    /// hex characters, or any text (hashed); generated and kept in DATA_DIR/secret_key if unset.
    #[arg(long, env = "APPBOX_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    /// Replaces OAuth providers' URLs: JSON such as
    /// {"google": {"authorize_url": "…", "token_url": "…", "userinfo_url": "…"}, "line": {…, "verify_url": "…"}}.
    #[arg(long, env = "APPBOX_OAUTH_ENDPOINTS")]
    pub oauth_endpoints: Option<String>,
    /// The URL browsers and OAuth providers reach appbox at (scheme://host[:port]),
    /// for OAuth callback URLs; default: http:// and the request's Host.
    #[arg(long, env = "APPBOX_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Largest request body accepted, in bytes (a whole VFS is sent in one PUT).
    #[arg(long, env = "APPBOX_MAX_BODY_BYTES", default_value_t = 64 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Longest a single database statement may run, in milliseconds; a
    /// proxy query past it answers 503.
    #[arg(long, env = "APPBOX_QUERY_TIMEOUT_MS", default_value_t = 5000)]
    pub query_timeout_ms: u64,
    /// Create and publish the demo app (sdk-js/demo) if the first tenant has no app yet.
    #[arg(long, env = "APPBOX_DEMO")]
    pub demo: bool,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user (to the first tenant unless --tenant says otherwise).
    Add {
        #[command(flatten)]
        storage: StorageArgs,
        #[arg(long)]
        email: String,
        /// Name of the tenant (organisation) to join; created if it does not exist.
        #[arg(long)]
        tenant: Option<String>,
        #[arg(long, default_value = "")]
        name: String,
        /// The password; generated and printed if unset.
        #[arg(long, env = "APPBOX_USER_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        #[arg(long, value_enum, default_value_t = Role::Builder)]
        role: Role,
    },
    /// List every user with roles and permissions.
    List {
        #[command(flatten)]
        storage: StorageArgs,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Disable a user: logins and existing tokens stop working at once.
    Disable {
        #[command(flatten)]
        storage: StorageArgs,
        #[arg(long)]
        email: String,
    },
    /// Enable a disabled user again.
    Enable {
        #[command(flatten)]
        storage: StorageArgs,
        #[arg(long)]
        email: String,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum Role {
    /// builder.access and builder.publish
    Admin,
    /// builder.access
    Builder,
    /// no builder permission
    Member,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Builder => "builder",
            Role::Member => "member",
        }
    }
}
