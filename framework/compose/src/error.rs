//! Why a build failed: each error names the file (and line, where there is one) at fault,
//! and keeps the underlying error as its `source`.

use std::path::PathBuf;

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A YAML file does not parse.
    #[error("{}{}: invalid YAML: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Yaml {
        /// The file.
        path: PathBuf,
        /// 1-based line, when known.
        line: Option<usize>,
        /// Parser message.
        message: String,
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
    #[error("{}{}: cannot find {include}; looked in: {}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default(), looked.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
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

/// Wraps an I/O error with its path.
pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> BuildError {
    let path = path.into();
    move |source| BuildError::Io { path, source }
}

/// The 1-based line of the first line of `text` that defines `key` (`key:` at any
/// indentation), searching from `from_line` on. Used to point errors at YAML keys,
/// which serde_yaml values do not carry.
pub(crate) fn line_of_key(text: &str, key: &str, from_line: usize) -> Option<usize> {
    text.lines()
        .enumerate()
        .skip(from_line.saturating_sub(1))
        .find_map(|(i, l)| {
            let t = l.trim_start().trim_start_matches("- ");
            let t = t
                .strip_prefix('"')
                .map(|r| r.replacen('"', "", 1))
                .unwrap_or_else(|| t.to_string());
            let t = t
                .strip_prefix('\'')
                .map(|r| r.replacen('\'', "", 1))
                .unwrap_or(t);
            t.strip_prefix(key)
                .filter(|r| r.trim_start().starts_with(':'))
                .map(|_| i + 1)
        })
}

/// The 1-based line where `value` appears as a list item or scalar.
pub(crate) fn line_of_text(text: &str, value: &str) -> Option<usize> {
    text.lines().position(|l| l.contains(value)).map(|i| i + 1)
}
