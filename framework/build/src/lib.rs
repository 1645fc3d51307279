//! Build-time tooling for reactive charms: `reactive build` (compose layers into a charm),
//! `reactive proof` (lint a charm) and `reactive layers` (where each file came from).

pub mod build;
pub mod charm_file;
pub mod compile;
pub mod error;
pub mod hooks;
pub mod inspect;
pub mod layer;
pub mod manifest;
pub mod options;
pub mod patterns;
pub mod plan;
pub mod proof;
pub mod resolve;
pub mod yaml;

pub use build::{build, plan_only, BuildOptions, BuildReport};
pub use compile::CompileSettings;
pub use error::BuildError;
pub use resolve::SearchPath;
