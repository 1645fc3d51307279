//! Driving the `reactive` binary: `reactive model …` on one model directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `reactive model --model <dir> …`, run by a CLI test.
#[derive(Debug, Clone)]
pub struct CliModel {
    /// The `reactive` binary (a test's `env!("CARGO_BIN_EXE_reactive")`).
    pub bin: PathBuf,
    /// The model directory.
    pub dir: PathBuf,
}

impl CliModel {
    /// The model in `dir`, driven by the `reactive` binary `bin`; nothing is run yet.
    pub fn new(bin: impl AsRef<Path>, dir: impl AsRef<Path>) -> CliModel {
        CliModel {
            bin: bin.as_ref().to_path_buf(),
            dir: dir.as_ref().to_path_buf(),
        }
    }

    /// `reactive model --model <dir> <args…>`. The hook tools are `reactive` itself, so a
    /// test never runs a stale `reactive-hook-tool` left in the target directory by an
    /// earlier build of another package.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.arg("model")
            .arg("--model")
            .arg(&self.dir)
            .args(args)
            .env("REACTIVE_HOOK_TOOL", &self.bin);
        cmd
    }

    /// Runs `reactive model <args…>` and returns its output, whatever its exit.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args)
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", self.bin.display()))
    }

    /// Runs `reactive model <args…>`, which must succeed; returns its output.
    pub fn ok(&self, args: &[&str]) -> Output {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "reactive model {args:?} failed:\n{}",
            stderr(&o)
        );
        o
    }

    /// Runs `reactive model <args…>`, which must succeed; returns its stdout.
    pub fn ok_stdout(&self, args: &[&str]) -> String {
        stdout(&self.ok(args))
    }

    /// The files of this model.
    pub fn files(&self) -> crate::ModelFiles {
        crate::ModelFiles::new(&self.dir)
    }
}

/// A command's stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A command's stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
