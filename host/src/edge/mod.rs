//! The public edge: what anonymous visitors and end users reach beyond an
//! app's own data calls — the `/pub` surface's usage records, the request
//! rate limits of spec 001 §18.6 / 000 §8.3, and file storage (spec 001 §15).
//! Plain functions and types; the HTTP side is in `api/`.

pub mod proxies;
pub mod public;
pub mod rate_limit;
pub mod storage;
pub mod usage;
