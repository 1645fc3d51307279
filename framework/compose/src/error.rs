//! Why a build failed: each error names the file (and line, where there is one) at fault,
//! and keeps the underlying error as its `source`.

use std::path::PathBuf;

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A YAML file does not parse.
    #[error("{}{}: invalid YAML", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Yaml {
        /// The file.
        path: PathBuf,
        /// 1-based line, when known.
        line: Option<usize>,
        /// The parser's error.
        source: serde_yaml::Error,
    },
    /// A TOML file (a layer crate's `Cargo.toml`) does not parse.
    #[error("{}{}: invalid TOML", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Toml {
        /// The file.
        path: PathBuf,
        /// 1-based line, when known.
        line: Option<usize>,
        /// The parser's error (boxed: it is large, and every build result carries the
        /// error type).
        source: Box<toml::de::Error>,
    },
    /// A built charm's `.build.manifest` is not the JSON a build writes.
    #[error("{}: not a build manifest", path.display())]
    Manifest {
        /// The file.
        path: PathBuf,
        /// The JSON parser's error (it carries the line).
        source: serde_json::Error,
    },
    /// A file has the wrong shape (e.g. `includes` is not a list).
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line, when known.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// An include names a layer that cannot be found.
    #[error("{}{}: cannot find {include}; {}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default(), looked_in(looked))]
    UnknownInclude {
        /// The layer.yaml with the include.
        path: PathBuf,
        /// 1-based line of the include.
        line: Option<usize>,
        /// The include as written.
        include: String,
        /// Every directory tried.
        looked: Vec<PathBuf>,
    },
    /// Layers include each other in a cycle.
    #[error("include cycle: {}", chain.join(" -> "))]
    Cycle {
        /// The layers of the cycle, first repeated at the end.
        chain: Vec<String>,
    },
    /// Files in the output changed since the last build.
    #[error("{} changed since the last build (use --force to overwrite):\n{}", dir.display(), conflicts.join("\n"))]
    Conflicts {
        /// The output directory.
        dir: PathBuf,
        /// One line per file.
        conflicts: Vec<String>,
    },
    /// An `ignore` or `exclude` pattern of a layer.yaml does not compile.
    #[error("{}", path.display())]
    Pattern {
        /// The layer.yaml.
        path: PathBuf,
        /// The bad pattern.
        source: crate::ignore::PatternError,
    },
    /// A `deletes` entry of a layer.yaml names a path the merged YAML does not have.
    #[error("{}{}: {section}: deletes {entry}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Deletes {
        /// The layer.yaml.
        path: PathBuf,
        /// 1-based line of the entry, when found.
        line: Option<usize>,
        /// `metadata`, `config` or `actions`.
        section: String,
        /// The dotted path as written.
        entry: String,
        /// Why it cannot be deleted.
        source: crate::merge::DeletePathError,
    },
    /// The `charms-reactive` runtime crate the charm would compile against is missing.
    #[error("the charms-reactive runtime crate is not at {} (no Cargo.toml there): set REACTIVE_RUNTIME_DIR to the framework/runtime directory of a charms-reactive checkout", path.display())]
    RuntimeNotFound {
        /// Where it was expected.
        path: PathBuf,
    },
    /// A layer crate depends on another copy of `charms-reactive` than the one the charm
    /// is compiled against: its handlers would register with that copy and never run.
    #[error("{}: charms-reactive comes from {found}, but the charm is compiled against the runtime at {}: the layer's handlers would register with a second copy and never run; depend on it with charms-reactive = {{ path = \"{}\" }} (or set REACTIVE_RUNTIME_DIR to the runtime the layer uses)", manifest.display(), runtime_dir.display(), runtime_dir.display())]
    SecondRuntime {
        /// The layer crate's `Cargo.toml`.
        manifest: PathBuf,
        /// Where its `charms-reactive` comes from: a path, or a version or git source.
        found: String,
        /// The runtime crate the charm is compiled against (canonical).
        runtime_dir: PathBuf,
    },
    /// cargo could not be started.
    #[error("cannot run cargo to compile the charm's dispatch binary")]
    CargoNotRun {
        /// The OS error.
        source: std::io::Error,
    },
    /// cargo ran and failed (its errors went to stderr).
    #[error("compiling the charm's dispatch binary failed: cargo build exited with {status}; see its errors above")]
    CargoFailed {
        /// cargo's exit status.
        status: std::process::ExitStatus,
    },
    /// A file could not be read or written.
    #[error("{}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Where an include was looked for, or why nowhere.
fn looked_in(looked: &[PathBuf]) -> String {
    if looked.is_empty() {
        return "there is no directory to look in: set CHARM_LAYERS_DIR or CHARM_INTERFACES_DIR"
            .into();
    }
    let dirs: Vec<String> = looked.iter().map(|p| p.display().to_string()).collect();
    format!("looked in: {}", dirs.join(", "))
}

/// A TOML parse error in `path`, whose text is `text`, with its 1-based line.
pub(crate) fn toml_error(
    path: &std::path::Path,
    text: &str,
    source: toml::de::Error,
) -> BuildError {
    BuildError::Toml {
        path: path.to_path_buf(),
        line: source
            .span()
            .map(|s| text[..s.start].lines().count().max(1)),
        source: Box::new(source),
    }
}

/// Wraps an I/O error with its path.
pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> BuildError {
    let path = path.into();
    move |source| BuildError::Io { path, source }
}
