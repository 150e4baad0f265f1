//! What an app's end users open and run: the runtime page with the app's
//! published bundle, and server-side Python actions with the secrets and
//! outbound services they may use.

pub mod actions;
pub mod app_secrets;
pub mod runtime;
pub mod services;
