//! Build-time tooling for reactive charms: `reactive build` (compose layers into a charm),
//! `reactive proof` (lint a charm) and `reactive layers` (where each file came from).
//!
//! A layer is a directory with `layer.yaml` and optionally `metadata.yaml`,
//! `config.yaml`, `actions.yaml`, plain files (`README.md`, `icon.svg`, `templates/`,
//! `files/`, …) and a Rust crate (`Cargo.toml` + `src/`) with its handlers. Layers are
//! ordered depth-first, each after its includes, the top layer last; YAML is merged with
//! charm-tools' rules (maps recurse, lists union, the higher scalar wins), other files are
//! copied with the top-most layer winning. The layer crates are compiled into one binary,
//! `dispatch`, which every hook and action links to; the runtime runs handlers in the
//! same layer order.
//!
//! # Differences from charm-tools, on purpose
//!
//! Each fixes a defect of `charm build` 3.0.9 (see the differential test against it):
//! * **`ignore` applies to every lower layer**, not only the one right below (#312).
//! * **Every layer's `deletes` apply**, to what the layers below it merged; charm-tools
//!   honours only the highest layer's section and misses files from two layers down.
//! * **A `deletes` path that does not exist is an error** naming the file and line
//!   (charm-tools crashes with a `KeyError` on a missing parent and ignores a missing leaf).
//! * **Relative includes are resolved from the including layer**, not the working
//!   directory, so a layer builds the same from anywhere.
//! * **Output YAML uses plain scalars** (charm-tools quotes and tags every value).
//! * **Nothing can ship a `.unit-state.db`** (charms.reactive #221), and an `ignore`
//!   pattern matching a generated hook is reported; the hook is still generated.
//! * **Interface layers are compiled in**, not copied to `hooks/relations/`.
//! * **`layer.yaml`'s `includes` lists the layers in merge order** (charm-tools writes
//!   the union of the includes lists).
//! * **No network**: no layer index, no wheelhouse, no analytics.
//! * **The build exits 0 with proof warnings** (charm-tools exits 100); proof errors,
//!   which Juju would refuse, exit 200.
//! * Extra hooks: `remove` and `collect-metrics`, plus one `actions/<name>` link per
//!   action, and a `manifest.yaml` with bases (default Ubuntu 22.04 and 24.04, amd64; a
//!   `bases:` list in any layer.yaml overrides it, the top-most winning).

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
