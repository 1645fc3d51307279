//! Finding a charm's layers and putting them in merge order.
//!
//! A layer is a directory with `layer.yaml` (or, for an interface layer,
//! `interface.yaml`), YAML fragments, plain files and optionally the Rust crate holding
//! its handlers.

mod layer;
mod layer_yaml;
mod order;
mod search;

pub use layer::{Layer, LayerKind};
pub use layer_yaml::LayerYaml;
pub use order::resolve;
pub use search::{workspace_root, SearchPath};
