//! `reactive new`: a new charm layer that builds, proofs clean and passes its test at
//! once.
//!
//! It writes `layer.yaml` (layer:base first, then the layers asked for), `metadata.yaml`,
//! `config.yaml` (one option, `message`), `README.md`, `copyright`, `Cargo.toml`, `src/lib.rs` (two
//! handlers: one installs, one `#[when]` handler shows the message in the status),
//! `tests/<name>.rs` (a harness test of that handler) and `.gitignore`.
//!
//! The handler crate depends on the framework by path: the checkout given (the CLI passes
//! the one `reactive` was built from). `Cargo.toml` has an empty `[workspace]`, so the
//! charm is a workspace of its own wherever it is created, inside this repository too;
//! the framework's `Cargo.lock` is copied beside it so the charm compiles the versions
//! the framework is tested with.

use std::path::{Path, PathBuf};

use charms_reactive_juju::names::is_application_name;

/// Why a scaffold could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// Not a valid charm name.
    #[error(
        "{0:?} is not a valid charm name: lowercase letters, digits and inner hyphens, \
         starting with a letter (Juju's application name rule)"
    )]
    BadName(String),
    /// The target exists and is not empty.
    #[error("{0} already exists and is not empty")]
    Exists(PathBuf),
    /// A layer the framework does not have.
    #[error("unknown layer {name:?}: {framework} has {available}")]
    UnknownLayer {
        /// The name asked for.
        name: String,
        /// The checkout searched.
        framework: String,
        /// What it has.
        available: String,
    },
    /// Not a checkout of the framework.
    #[error("{0} is not a checkout of charms-reactive (no framework/runtime/Cargo.toml); pass --framework PATH")]
    NoFramework(PathBuf),
    /// Writing failed.
    #[error("writing {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Layers of the checkout (`layers/<name>`, `layers/interfaces/<name>` as
/// `interface:<name>`).
fn available_layers(framework: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let list = |dir: PathBuf| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .filter(|e| e.path().join("layer.yaml").is_file())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    out.extend(list(framework.join("layers")));
    out.extend(
        list(framework.join("layers/interfaces"))
            .into_iter()
            .map(|n| format!("interface:{n}")),
    );
    out
}

/// The `includes` entry for a `--layers` item (`apt` → `layer:apt`).
fn include_for(item: &str, available: &[String]) -> Option<String> {
    let item = item.trim();
    let bare = item.strip_prefix("layer:").unwrap_or(item);
    if available.iter().any(|a| a == bare) {
        return Some(format!("layer:{bare}"));
    }
    available
        .iter()
        .any(|a| a == item)
        .then(|| item.to_string())
}

/// Writes a new charm layer `name` in `dir` (created; it must not exist or be empty),
/// including layer:base and `layers`, depending on the framework checkout `framework`.
/// Returns the files written.
pub fn scaffold(
    dir: &Path,
    name: &str,
    layers: &[String],
    framework: &Path,
) -> Result<Vec<PathBuf>, ScaffoldError> {
    if !is_application_name(name) {
        return Err(ScaffoldError::BadName(name.to_string()));
    }
    if !framework.join("framework/runtime/Cargo.toml").is_file() {
        return Err(ScaffoldError::NoFramework(framework.to_path_buf()));
    }
    if std::fs::read_dir(dir).is_ok_and(|mut rd| rd.next().is_some()) {
        return Err(ScaffoldError::Exists(dir.to_path_buf()));
    }
    let available = available_layers(framework);
    let mut includes = vec!["layer:base".to_string()];
    for item in layers.iter().filter(|l| !l.trim().is_empty()) {
        let include = include_for(item, &available).ok_or_else(|| ScaffoldError::UnknownLayer {
            name: item.clone(),
            framework: framework.display().to_string(),
            available: available.join(", "),
        })?;
        if !includes.contains(&include) {
            includes.push(include);
        }
    }
    let krate = name.replace('-', "_");
    let runtime = framework.join("framework/runtime");
    let runtime = runtime.to_string_lossy();
    let includes_yaml: Vec<String> = includes.iter().map(|i| format!("  - '{i}'")).collect();
    let files: Vec<(&str, String)> = vec![
        (
            "layer.yaml",
            format!(
                "# The layers this charm builds on, in order; `reactive build` merges them.\n\
                 includes:\n{}\nrepo: https://example.com/{name}\n",
                includes_yaml.join("\n")
            ),
        ),
        (
            "metadata.yaml",
            format!(
                "name: {name}\n\
                 summary: The {name} charm\n\
                 description: |\n  A reactive charm made by `reactive new`.\n\
                 maintainer: Your Name <you@example.com>\n\
                 tags: [misc]\n"
            ),
        ),
        (
            "config.yaml",
            "options:\n  message:\n    type: string\n    default: ready\n    \
             description: What every unit says in its status.\n"
                .to_string(),
        ),
        (
            "README.md",
            format!(
                "# {name}\n\nA reactive charm. Test its handlers with `cargo test`; build it \
                 with `reactive build .`, check it with `reactive proof target/charms/{name}` \
                 and see its flags with `reactive graph .`.\n"
            ),
        ),
        (
            "Cargo.toml",
            format!(
                "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
                 publish = false\n\n\
                 # A library: `reactive build` writes the charm's `main`.\n\
                 [lib]\npath = \"src/lib.rs\"\n\n\
                 [dependencies]\nanyhow = \"1\"\n\
                 charms-reactive = {{ path = \"{runtime}\" }}\n\n\
                 [dev-dependencies]\n\
                 charms-reactive = {{ path = \"{runtime}\", features = [\"testing\"] }}\n\n\
                 # A workspace of its own, wherever it is.\n[workspace]\n"
            ),
        ),
        ("src/lib.rs", lib_rs(name)),
        ("tests/TEST.rs", test_rs(&krate)),
        (
            "copyright",
            "Copyright Your Name <you@example.com>. Apache-2.0.\n".to_string(),
        ),
        (".gitignore", "/target\n".to_string()),
    ];
    let mut written = Vec::new();
    for (rel, text) in files {
        let rel = rel.replace("TEST", &krate);
        let path = dir.join(&rel);
        write(&path, text.as_bytes())?;
        written.push(path);
    }
    let lock = framework.join("Cargo.lock");
    if let Ok(bytes) = std::fs::read(&lock) {
        let path = dir.join("Cargo.lock");
        write(&path, &bytes)?;
        written.push(path);
    }
    Ok(written)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), ScaffoldError> {
    let io = |source| ScaffoldError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(path, bytes).map_err(io)
}

fn lib_rs(name: &str) -> String {
    format!(
        r#"//! {name}: every unit shows the configured message in its status.

use charms_reactive::prelude::*;

#[when_not("{name}.installed")]
fn install() -> Result<()> {{
    status::maintenance("installing")?;
    set_flag("{name}.installed");
    Ok(())
}}

// `config.changed.<option>` is set in a hook where the option changed (and in the first
// hook, where every option is new).
#[when("{name}.installed", "config.changed.message")]
fn show_message() -> Result<()> {{
    let message = config::string("message")?;
    if message.is_empty() {{
        status::blocked("set the message option")?;
    }} else {{
        status::active(&message)?;
    }}
    Ok(())
}}
"#
    )
}

fn test_rs(krate: &str) -> String {
    format!(
        r#"use charms_reactive::testing::{{Harness, State}};
// Name the charm crate, or the linker leaves its handlers out of the test binary.
use {krate} as _;

#[test]
fn the_status_shows_the_configured_message() -> anyhow::Result<()> {{
    let harness = Harness::new()
        .metadata(include_str!("../metadata.yaml"))?
        .config_yaml(include_str!("../config.yaml"))?;
    let state = State::default().with_config("message", "hello");
    let out = harness.run("install", &state)?;
    assert_eq!(out.state.unit_status.status, "active");
    assert_eq!(out.state.unit_status.message, "hello");
    Ok(())
}}
"#
    )
}
