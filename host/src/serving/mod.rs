//! What an app's end users open and run: the runtime page with the app's
//! published bundle, and server-side Python actions.

pub mod actions;
pub mod runtime;
