//! The steps of a build, told to [`crate::BuildOptions::progress`] so the caller decides
//! what to show: the library prints nothing itself.

use std::fmt;
use std::path::Path;
use std::time::Duration;

/// A step of `reactive build`. Its `Display` is the line the CLI prints on stderr.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Step<'a> {
    /// Finding, ordering and planning the layers of the top layer.
    Composing {
        /// The top layer.
        layer_dir: &'a Path,
    },
    /// cargo starts compiling `dispatch` (its own progress lines follow on stderr).
    Compiling {
        /// cargo's target directory.
        target_dir: &'a Path,
        /// No binary was built there yet: the framework is compiled too, which takes
        /// minutes.
        first: bool,
    },
    /// cargo finished compiling `dispatch`.
    Compiled {
        /// How long cargo took.
        elapsed: Duration,
    },
    /// Writing the charm directory.
    Writing {
        /// The charm directory.
        output: &'a Path,
    },
}

impl fmt::Display for Step<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Composing { layer_dir } => {
                write!(f, "composing layers of {}…", layer_dir.display())
            }
            Step::Compiling { first: false, .. } => {
                write!(f, "compiling dispatch (cargo build --release)…")
            }
            // Nothing else tells the user why the command is silent for minutes.
            Step::Compiling {
                target_dir,
                first: true,
            } => write!(
                f,
                "compiling dispatch in {} (the first build of this charm compiles the framework too: a few minutes)…",
                target_dir.display()
            ),
            Step::Compiled { elapsed } => {
                write!(f, "compiled dispatch in {:.1}s", elapsed.as_secs_f64())
            }
            Step::Writing { output } => write!(f, "writing {}…", output.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_read_as_the_cli_prints_them() {
        let dir = Path::new("/t");
        assert_eq!(
            Step::Composing { layer_dir: dir }.to_string(),
            "composing layers of /t…"
        );
        assert_eq!(
            Step::Compiling {
                target_dir: dir,
                first: false
            }
            .to_string(),
            "compiling dispatch (cargo build --release)…"
        );
        assert!(Step::Compiling {
            target_dir: dir,
            first: true
        }
        .to_string()
        .starts_with("compiling dispatch in /t (the first build"));
        assert_eq!(
            Step::Compiled {
                elapsed: Duration::from_millis(1500)
            }
            .to_string(),
            "compiled dispatch in 1.5s"
        );
        assert_eq!(Step::Writing { output: dir }.to_string(), "writing /t…");
    }
}
