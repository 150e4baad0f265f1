//! The builder's side: apps and their VFS, the compile service, the SDK
//! files every app gets, integrations, publish requests, the demo app.

pub mod apps;
pub mod assets;
pub mod compile;
pub mod demo;
pub mod dev;
pub mod integrations;
pub mod publish;
pub mod sdk;
pub mod vfs;
