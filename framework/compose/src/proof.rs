//! `reactive proof`: lint a built charm directory.
//!
//! Two rule sets run together:
//!
//! * charm-tools' `charm proof` rules, with its message wording, in its order;
//! * the checks Juju 3.x makes when it reads a charm (`ReadCharmDir`, `CheckMeta`, config and
//!   actions parsing), so that a charm with no `E:` finding would also deploy.
//!
//! Where the two disagree on how bad something is, the stricter level wins: a lint that is
//! laxer than either tool only moves the failure to a later, slower step. Each such choice is
//! documented where the rule lives.
//!
//! A built reactive charm has an executable `dispatch` that Juju runs for every hook and
//! action, so with one present the "missing hook" and "missing action" findings, which only
//! matter to charms without `dispatch`, are not reported.

mod actions;
mod config;
mod files;
mod manifest_yaml;
mod metadata;
mod names;
mod python;
mod relations;
mod schema;

use std::fmt;
use std::path::Path;

/// Severity of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// A suggestion; does not change the exit code.
    Info,
    /// Probably a mistake; exit code 100.
    Warning,
    /// The charm is broken or Juju would refuse it; exit code 200.
    Error,
}

/// One finding, printed as `I: msg`, `W: msg`, `E: msg`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How bad it is.
    pub level: Level,
    /// What is wrong, in charm proof's wording where it has one.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = match self.level {
            Level::Info => "I",
            Level::Warning => "W",
            Level::Error => "E",
        };
        write!(f, "{prefix}: {}", self.message)
    }
}

/// Lints the charm directory. Never panics on bad input; unreadable/unparseable files become
/// E: findings naming the file (and line where serde_yaml gives one).
///
/// Findings are in check order (charm proof's order, with the Juju checks next to the
/// related charm proof check), without duplicates.
pub fn proof(charm_dir: &Path) -> Vec<Finding> {
    let mut lint = Lint::default();
    run(charm_dir, &mut lint);
    let mut unique: Vec<Finding> = Vec::with_capacity(lint.findings.len());
    for finding in lint.findings {
        if !unique.contains(&finding) {
            unique.push(finding);
        }
    }
    unique
}

/// charm proof's exit code: 0 if no W/E, 100 if any W and no E, 200 if any E.
pub fn exit_code(findings: &[Finding]) -> i32 {
    match findings.iter().map(|f| f.level).max() {
        Some(Level::Error) => 200,
        Some(Level::Warning) => 100,
        _ => 0,
    }
}

/// Collects findings in the order the checks emit them.
#[derive(Default)]
struct Lint {
    findings: Vec<Finding>,
}

impl Lint {
    fn push(&mut self, level: Level, message: impl Into<String>) {
        self.findings.push(Finding {
            level,
            message: message.into(),
        });
    }

    fn info(&mut self, message: impl Into<String>) {
        self.push(Level::Info, message);
    }

    fn warn(&mut self, message: impl Into<String>) {
        self.push(Level::Warning, message);
    }

    fn err(&mut self, message: impl Into<String>) {
        self.push(Level::Error, message);
    }

    /// charm proof's `crit`: an error that stops (part of) the run.
    fn fatal(&mut self, message: impl AsRef<str>) {
        self.err(format!("FATAL: {}", message.as_ref()));
    }
}

fn run(dir: &Path, lint: &mut Lint) {
    if !dir.is_dir() {
        lint.fatal(format!("{} is not a directory, Aborting", dir.display()));
        return;
    }
    let meta_path = dir.join("metadata.yaml");
    if !meta_path.is_file() {
        lint.fatal("No bundle.yaml (Bundle) or metadata.yaml (Charm) found, cannot proof");
        return;
    }
    let meta = match python::load(&meta_path) {
        Ok(meta) => meta,
        Err(e) => {
            lint.fatal(format!("cannot parse {}: {e}", meta_path.display()));
            return;
        }
    };
    let Some(meta) = meta.as_mapping() else {
        // Juju: "metadata.yaml must be a YAML map"; charm proof would crash here.
        lint.fatal(format!(
            "cannot proof {}: metadata.yaml must be a YAML map, not {}",
            meta_path.display(),
            python::py_type(&meta)
        ));
        return;
    };

    let extensions = metadata::proof_extensions(dir, lint);
    let manifest = manifest_yaml::Manifest::load(dir);
    let dispatch = files::Dispatch::inspect(dir);

    metadata::check(dir, meta, &extensions, &manifest, lint);
    files::check_root_files(dir, dispatch.runs_hooks(), lint);
    relations::check(meta, dir, dispatch.runs_hooks(), lint);
    metadata::check_revision_field(meta, lint);
    dispatch.report(lint);
    files::check_recommended_hooks(dir, dispatch.runs_hooks(), lint);
    actions::check(dir, dispatch.runs_hooks(), lint);
    files::check_leftovers(dir, lint);
    config::check(dir, lint);
    manifest.check(lint);
    flags(dir, lint);
}

/// The flag lint ([`crate::flag_lint`]) over a compiled dispatch's `--describe`.
fn flags(dir: &Path, lint: &mut Lint) {
    if !crate::describe::has_compiled_dispatch(dir) {
        return;
    }
    match crate::describe::describe(dir) {
        Ok(desc) => {
            let charm = crate::flag_lint::CharmHooks::load(dir);
            lint.findings.extend(crate::flag_lint::lint(&desc, &charm));
        }
        Err(e) => lint.info(format!("flag lint skipped: {e}")),
    }
}
