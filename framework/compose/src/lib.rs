//! Composing reactive charms: `reactive build` (compose layers into a charm), `reactive
//! proof` (lint a charm) and `reactive layers` (where each file came from).
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
//! # Where the output goes
//!
//! `reactive build LAYER` writes the charm to `<parent>/<charm name>/` (and, with
//! `--charm-file`, `<parent>/<charm name>.charm`). `-o PARENT` picks the parent; without
//! it the parent is `$CHARM_BUILD_DIR` if set, else `charms/` in the cargo target
//! directory of the charm's workspace: `target/charms/<name>` for a charm in this
//! repository, `<charm>/target/charms/<name>` for a charm outside any workspace
//! ([`output::default_parent`]). The output is never written inside a source folder.
//!
//! `dispatch` is compiled by cargo in `$REACTIVE_TARGET_DIR` if set, else in
//! `reactive-build/` next to that: `target/reactive-build` here,
//! `<charm>/target/reactive-build` outside ([`cargo`]). The first build there compiles the
//! framework and its dependencies, which takes a few minutes; rebuilds take seconds.
//! `$CARGO_TARGET_DIR`, when set, replaces that cargo target directory, so it moves both
//! the default output and cargo's work there. The library prints nothing: each step is
//! told to [`BuildOptions::progress`] ([`Step`]), which `reactive build` prints on
//! stderr; cargo's own progress lines go to stderr.
//!
//! # Modules
//!
//! * [`compose`]: the whole build, step by step;
//! * [`layers`]: finding the included layers and putting them in merge order;
//! * [`plan`]: every file of the charm and where it comes from;
//! * [`merge`]: merging `metadata.yaml`, `config.yaml`, `actions.yaml` over the layers;
//! * [`ignore`]: the files a layer's `ignore` and `exclude` leave out;
//! * [`layer_options`]: layer options (`defines`, `options`), validated, defaults filled;
//! * [`generated`]: hook and action links, the built `layer.yaml` and `manifest.yaml`;
//! * [`cargo`]: compiling `dispatch`;
//! * [`progress`]: the steps a build reports to its caller;
//! * [`output`]: the output directory (default, hand-edit conflicts, writing);
//! * [`build_manifest`]: `.build.manifest`, each file's origin and hash;
//! * [`charm_file`]: the `.charm` zip;
//! * [`origins`]: `reactive layers`, each file with the layer it came from;
//! * [`proof`]: `reactive proof`, the lint;
//! * [`describe`]: a built charm's handlers and flags (`dispatch --describe`);
//! * [`flag_lint`]: the flag and hook-name lint `proof` (and so `build`) runs;
//! * [`flag_graph`]: `reactive graph`, handlers and flags as a graph (JSON, DOT);
//! * [`explain`]: `reactive explain`, which handlers a hook would run for given flags;
//! * [`scaffold`]: `reactive new`, a new charm layer that builds and tests at once;
//! * [`yaml`]: reading YAML as PyYAML does;
//! * [`error`]: why a build failed.
//!
//! # Differences from charm-tools, on purpose
//!
//! Each fixes a defect of `charm build` 3.0.9 (see the differential test against it):
//! * **`ignore` applies to every lower layer**, not only the one right below
//!   ([charm-tools#312](https://github.com/juju/charm-tools/issues/312)).
//! * **Every layer's `deletes` apply**, to what the layers below it merged; charm-tools
//!   honours only the highest layer's section and misses files from two layers down.
//! * **A `deletes` path that does not exist is an error** naming the file and line
//!   (charm-tools crashes with a `KeyError` on a missing parent and ignores a missing leaf).
//! * **Relative includes are resolved from the including layer**, not the working
//!   directory, so a layer builds the same from anywhere.
//! * **Output YAML uses plain scalars** (charm-tools quotes and tags every value).
//! * **Nothing can ship a `.unit-state.db`**
//!   ([charms.reactive#221](https://github.com/juju-solutions/charms.reactive/issues/221)),
//!   and an `ignore` pattern matching a generated hook is reported; the hook is still
//!   generated.
//! * **An option its layer does not define fails the build**, naming the `layer.yaml`
//!   and the key's line (charm-tools' schema lets unknown options through, so a misspelt
//!   option silently kept its default); so does a value of the wrong type, as in
//!   charm-tools.
//! * **Interface layers are compiled in**, not copied to `hooks/relations/`.
//! * **`layer.yaml`'s `includes` lists the layers in merge order** (charm-tools writes
//!   the union of the includes lists).
//! * **No network**: no layer index, no wheelhouse, no analytics.
//! * **The build exits 0 with proof warnings** (charm-tools exits 100); proof errors,
//!   which Juju would refuse, exit 200.
//! * Extra hooks: `remove` and `collect-metrics`, plus one `actions/<name>` link per
//!   action, and a `manifest.yaml` with bases (default Ubuntu 22.04 and 24.04, amd64; a
//!   `bases:` list in any layer.yaml overrides it, the top-most winning).

pub mod build_manifest;
pub mod cargo;
pub mod charm_file;
pub mod compose;
pub mod describe;
pub mod error;
pub mod explain;
pub mod flag_graph;
pub mod flag_lint;
pub mod generated;
pub mod ignore;
pub mod layer_options;
pub mod layers;
pub mod merge;
pub mod origins;
pub mod output;
pub mod plan;
pub mod progress;
pub mod proof;
pub mod scaffold;
pub mod yaml;

pub use cargo::CompileSettings;
pub use compose::{build, plan_only, BuildOptions, BuildReport};
pub use error::BuildError;
pub use layers::SearchPath;
pub use progress::Step;
