//! appbox's server and CLI: the HTTP API, authentication, storage.
//!
//! Entry points: [`run`] (what `main` calls) and [`api::app`] (the router,
//! for tests). Layers, from the edge inwards:
//! - `api/`: axum handlers, one module per resource; thin adapters that
//!   extract, call a plain function, and map errors (`error.rs`).
//! - by domain, plain functions over [`db::Db`] with no HTTP types:
//!   `builder/` (apps, their VFS, compiles, integrations, publishing),
//!   `data/` (custom tables, catalog, references, the proxy engine,
//!   approvals, triggers), `app_users/` (an app's own end users),
//!   `serving/` (what end users open and run: runtime pages, actions).
//! - `accounts`, `auth`, `db`, `state`, `cache`, `error`: the platform core
//!   every domain uses.
//!
//! Invariant: every query that reads tenant data filters by the caller's
//! tenant; a row of another tenant is "not found", never "forbidden".

#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used)]
// Tests may unwrap: a panic there is a failed assertion.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod accounts;
pub mod api;
pub mod app_users;
pub mod auth;
pub mod builder;
pub mod cache;
pub mod cli;
pub mod client;
pub mod data;
pub mod db;
pub mod edge;
pub mod error;
pub mod members;
pub mod server;
pub mod serving;
pub mod state;
mod users;

use cli::{Cli, Command};

/// The allocator of the server, the CLI, the tests and the benches (see
/// the workspace's Cargo.toml for why).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Runs one CLI command to completion.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => server::serve(args).await,
        Command::User(command) => users::run(command).await,
        Command::Client(command) => client::run(command).await,
    }
}
