//! appbox's server and CLI: the HTTP API, authentication, storage.
//!
//! Entry points: [`run`] (what `main` calls) and [`api::app`] (the router,
//! for tests). Layers, from the edge inwards:
//! - `api/`: axum handlers, one module per resource; thin adapters that
//!   extract, call a plain function, and map errors (`error.rs`).
//! - `accounts`, `apps`: plain async functions over [`db::Db`]; no HTTP types.
//! - `vfs`, `sdk`: pure rules and embedded files; no I/O.
//!
//! Invariant: every query that reads tenant data filters by the caller's
//! tenant; a row of another tenant is "not found", never "forbidden".

#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used)]
// Tests may unwrap: a panic there is a failed assertion.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod accounts;
pub mod actions;
pub mod api;
pub mod app_users;
pub mod approvals;
pub mod apps;
pub mod auth;
pub mod cache;
pub mod catalog;
pub mod cli;
pub mod compile;
pub mod custom_tables;
pub mod db;
pub mod demo;
pub mod erp_catalog;
pub mod error;
pub mod integrations;
pub mod proxy;
pub mod publish;
pub mod refs;
pub mod runtime_serving;
pub mod sdk;
pub mod server;
pub mod state;
pub mod triggers;
mod users;
pub mod vfs;

use cli::{Cli, Command};

/// Runs one CLI command to completion.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => server::serve(args).await,
        Command::User(command) => users::run(command).await,
    }
}
