//! Command-line interface: `appbox serve`, `appbox user …`, and the client
//! commands (`login`, `apps`, `new`, `pull`, `push`, `compile`, `dev`,
//! `publish`, `actions`, `logs`) that talk to any appbox server.
//!
//! Every option can also come from the environment variable named beside it,
//! so a container or a systemd unit needs no flags.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::edge::rate_limit::Limits;
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
    #[command(flatten)]
    Client(ClientCommand),
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
    /// Where invitation and password-reset mail goes: an SMTP URL such as
    /// smtp://user:pass@mail.example.com:587?tls=required or smtps://…:465;
    /// unset: written to DATA_DIR/outbox/, one .eml file per message.
    #[arg(long, env = "APPBOX_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of that mail.
    #[arg(
        long,
        env = "APPBOX_MAIL_FROM",
        default_value = "appbox <noreply@appbox.local>"
    )]
    pub mail_from: String,
    /// Largest request body accepted, in bytes (a whole VFS is sent in one PUT).
    #[arg(long, env = "APPBOX_MAX_BODY_BYTES", default_value_t = 64 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Longest a single database statement may run, in milliseconds; a
    /// proxy query past it answers 503.
    #[arg(long, env = "APPBOX_QUERY_TIMEOUT_MS", default_value_t = 5000)]
    pub query_timeout_ms: u64,
    /// Proxies whose X-Forwarded-For names the client, for the per-address
    /// rate limits: comma-separated CIDRs or addresses (10.0.0.0/8,
    /// 127.0.0.1); unset: the header is ignored and the peer is the client.
    #[arg(long, env = "APPBOX_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: crate::edge::proxies::TrustedProxies,
    /// Requests a minute to /api/v1/pub/* per client address (spec 001 §18.6).
    #[arg(long, env = "APPBOX_RATE_LIMIT_PUB", default_value_t = Limits::default().pub_per_address)]
    pub rate_limit_pub: u32,
    /// POSTs a minute to /api/v1/custom-app-auth/* per client address.
    #[arg(long, env = "APPBOX_RATE_LIMIT_APP_AUTH", default_value_t = Limits::default().app_auth_per_address)]
    pub rate_limit_app_auth: u32,
    /// Data and proxy calls a minute per signed-in user (platform or app user).
    #[arg(long, env = "APPBOX_RATE_LIMIT_USER", default_value_t = Limits::default().per_user)]
    pub rate_limit_user: u32,
    /// Calls a minute per app through its API keys (spec 000 §8.3).
    #[arg(long, env = "APPBOX_RATE_LIMIT_API_KEY", default_value_t = Limits::default().per_api_key_app)]
    pub rate_limit_api_key: u32,
    /// Create and publish the demo app (sdk-js/demo) if the first tenant has no app yet.
    #[arg(long, env = "APPBOX_DEMO")]
    pub demo: bool,
    #[command(flatten)]
    pub files: Box<FilesArgs>,
}

/// Where apps' uploaded files go (spec 001 §15): DATA_DIR/files, or an S3
/// bucket when `--s3-bucket` is set.
#[derive(Args, Debug)]
pub struct FilesArgs {
    /// Store apps' files in this S3 (or S3-compatible) bucket instead of DATA_DIR/files.
    #[arg(long, env = "APPBOX_S3_BUCKET")]
    pub s3_bucket: Option<String>,
    /// The S3 endpoint (scheme://host[:port]) for S3-compatible servers; default: AWS.
    #[arg(long, env = "APPBOX_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,
    /// The bucket's region; default: AWS_REGION, or us-east-1.
    #[arg(long, env = "APPBOX_S3_REGION")]
    pub s3_region: Option<String>,
    /// The access key; default: AWS_ACCESS_KEY_ID or the machine's AWS credentials.
    #[arg(long, env = "APPBOX_S3_ACCESS_KEY_ID")]
    pub s3_access_key_id: Option<String>,
    /// The secret key; default: AWS_SECRET_ACCESS_KEY.
    #[arg(long, env = "APPBOX_S3_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub s3_secret_access_key: Option<String>,
}

impl FilesArgs {
    /// The configured backend; `data_dir/files` unless a bucket is set.
    pub fn backend(&self, data_dir: &std::path::Path) -> crate::edge::storage::Backend {
        use crate::edge::storage::{Backend, S3Config};
        let set = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        match set(&self.s3_bucket) {
            None => Backend::Local(data_dir.join("files")),
            Some(bucket) => Backend::S3(S3Config {
                bucket,
                endpoint: set(&self.s3_endpoint),
                region: set(&self.s3_region),
                access_key_id: set(&self.s3_access_key_id),
                secret_access_key: set(&self.s3_secret_access_key),
            }),
        }
    }
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

/// The client commands: `appbox` as a client of any appbox server.
#[derive(Subcommand, Debug)]
pub enum ClientCommand {
    /// Sign in to a server; the tokens are kept in the user's config dir
    /// (mode 0600) and refreshed when they expire.
    Login {
        #[command(flatten)]
        opts: ClientOpts,
        #[arg(long, env = "APPBOX_EMAIL")]
        email: String,
        /// Read from the first line of stdin when unset.
        #[arg(long, env = "APPBOX_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// List or create apps.
    #[command(subcommand)]
    Apps(AppsCommand),
    /// Create an app from the standard template and pull it into DIR (default: ./NAME).
    New {
        #[command(flatten)]
        opts: ClientOpts,
        name: String,
        dir: Option<PathBuf>,
    },
    /// Write an app's files into DIR (default: ./SLUG); the host-owned SDK files are read-only.
    Pull {
        #[command(flatten)]
        opts: ClientOpts,
        /// The app's id, slug or subdomain.
        app: String,
        dir: Option<PathBuf>,
        /// Overwrite local edits that were not pushed.
        #[arg(long)]
        force: bool,
    },
    /// Send the files changed or deleted in DIR since the last pull or push.
    Push {
        #[command(flatten)]
        opts: ClientOpts,
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Overwrite what changed on the server since the last pull.
        #[arg(long)]
        force: bool,
    },
    /// Compile the app's files on the server; errors as esbuild prints them, exit status 1.
    Compile {
        #[command(flatten)]
        opts: ClientOpts,
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Readable output with a source map instead of minified.
        #[arg(long)]
        dev: bool,
    },
    /// Watch DIR: push each saved change and compile it in dev mode; every open
    /// dev page of the app (SERVER/dev/SLUG) follows live (server-sent events).
    Dev {
        #[command(flatten)]
        opts: ClientOpts,
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Publish the app (or file a publish request when you may not publish).
    Publish {
        #[command(flatten)]
        opts: ClientOpts,
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// A note for the reviewers.
        #[arg(long, default_value = "")]
        note: String,
        /// File a request for review even with the permission to publish.
        #[arg(long)]
        review: bool,
    },
    /// Run the app's server-side actions.
    #[command(subcommand)]
    Actions(ActionsCommand),
    /// The app's recent action runs, newest first.
    Logs {
        #[command(flatten)]
        opts: ClientOpts,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// Only this action's runs.
        #[arg(long)]
        action: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Keep printing each new run as it comes (oldest first), until Ctrl-C.
        #[arg(long, short)]
        follow: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum AppsCommand {
    /// The apps of your organisation.
    List {
        #[command(flatten)]
        opts: ClientOpts,
    },
    /// Create an app from the standard template (`appbox new` also pulls it).
    Create {
        #[command(flatten)]
        opts: ClientOpts,
        name: String,
        #[arg(long)]
        description: Option<String>,
        /// internal (default), external or self_built.
        #[arg(long)]
        access_mode: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ActionsCommand {
    /// Run an action of the app's current files (actions/manifest.json).
    Run {
        #[command(flatten)]
        opts: ClientOpts,
        name: String,
        /// What the action reads as `ctx.params`.
        #[arg(long, default_value = "{}")]
        params: String,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
}

/// Which server a client command talks to, and how it prints.
#[derive(Args, Debug, Clone)]
pub struct ClientOpts {
    /// The server's URL; default: the folder's (from its pull), else http://127.0.0.1:8080.
    #[arg(long, env = "APPBOX_SERVER")]
    pub server: Option<String>,
    /// Print one JSON value on stdout instead of text (for scripts and agents).
    #[arg(long)]
    pub json: bool,
}
