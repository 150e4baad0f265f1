//! The data plane apps call: per-app custom tables, and the proxy over the
//! business tables (catalog, references, the query engine, approvals,
//! triggers).

pub mod approvals;
pub mod catalog;
pub mod custom_tables;
pub mod erp_catalog;
pub mod proxy;
pub mod refs;
pub mod triggers;
