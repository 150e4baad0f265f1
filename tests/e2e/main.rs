//! End-to-end tests: each starts the real `appbox` binary and speaks HTTP to
//! it. The backend is SQLite unless `APPBOX_TEST_DATABASE_URL` names a
//! PostgreSQL server (the README's test command runs the suite both ways).

mod harness;

/// Actions' per-app secrets and outbound services, the SSRF rule (issue 10).
mod action_services;
/// Server-side Python actions in the wasm sandbox (issue 10).
mod actions;

/// App users: sign-up, sign-in, rotation, management, token attacks, /ext (issue 11).
mod app_users;
/// OAuth sign-in for app users against a mock provider on loopback (issue 11).
mod oauth;

/// Approval workflows over proxy writes (spec 000 §5.7).
mod approvals;
/// Login, refresh, disabled users (spec 001 §2).
mod auth;
/// Apps and their VFS: the builder walk-through, concurrency, SDK files, limits.
mod builder;
/// The `appbox` client commands driven as a process: new, pull, push, compile, publish (issue 13).
mod cli;
/// The compile API (spec 001 §6).
mod compile;
/// Integrations, API keys and Custom Tables (spec 000 §3, §6; 001 §13).
mod data;
/// Dev mode: the dev page and its server-sent events, builders only (issue 13).
mod dev;
/// What a crash leaves behind: SIGKILL mid-write, SIGTERM.
mod durability;
/// Bad input and wrong callers get the spec's status and a `detail`.
mod errors;
/// Random queries against the proxy: no 500, no leak, no overreach.
mod fuzz;
/// Attacks on login and the data plane (issue 8): each test holds one hole shut.
mod hardening;
/// Members of internal apps: check-access, allow-lists, invitations, resets, /app-login (issue 12).
mod members;
/// /openapi.json is exact: every route, its parameters where they are, its errors; unknown routes named.
mod openapi;
/// /health, /metrics, /openapi.json, /docs.
mod ops;
/// README promises no other file holds: a broken publish, concurrent writes,
/// X-App-Id, /health without a database, the panic guard, subdomains.
mod promises;
/// The proxy engine over ERP tables (spec 000 §5, §9).
mod proxy;
/// The public edge: /pub, its usage, the rate limits (spec 001 §18).
mod pub_edge;
/// Publishing apps and integrations: requests, the 423 lock, history, rollback.
mod publish;
/// References to ERP tables and publishing (spec 000 §3.8, §4).
mod refs;
/// Every route in /openapi.json called at least once.
mod routes;
/// What end users' browsers load: app pages, hashed assets, the root page, the demo (issue 9).
mod runtime;
/// The spec's own examples, run as written.
mod spec_examples;
/// File storage on disk and S3: streamed uploads, signed URLs, path attacks (issue 12 §4).
mod storage;
/// Time: the key and reference cache, token expiry, the login limiter, last_used_at.
mod time;
/// Fields kept up to date after proxy writes (spec 000 §7).
mod triggers;
/// The README's build-an-app-from-zero walk-through, run as written.
mod walkthrough;
