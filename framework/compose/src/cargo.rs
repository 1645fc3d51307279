//! Compiling `dispatch`, the charm's one binary: a generated crate that depends on every
//! layer's crate in merge order and names each one (`charm_main!`), so the linker keeps
//! their handlers and the runtime knows their order; cargo builds it in release mode.
//!
//! Where cargo works: `$REACTIVE_TARGET_DIR` if set, else `reactive-build/` inside the
//! cargo target directory of the charm's workspace ([`charm_target_dir`]): for a charm in
//! this repository `target/reactive-build`, for a charm outside any workspace
//! `<charm>/target/reactive-build`. The generated crate is `crates/<charm>` in there. The
//! first build compiles the framework and its dependencies (a few minutes); later builds
//! recompile only what changed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::error::{io, toml_error, BuildError};
use crate::layers::Layer;
use crate::progress::Step;

/// Where and how to compile.
#[derive(Debug, Clone)]
pub struct CompileSettings {
    /// The `charms-reactive` runtime crate.
    pub runtime_dir: PathBuf,
    /// Cargo target directory shared by all charm builds (incremental rebuilds).
    pub target_dir: PathBuf,
    /// A `Cargo.lock` to start from (the workspace's), so versions match and no index
    /// update is needed.
    pub lockfile: Option<PathBuf>,
    /// Run cargo with `--verbose` (its normal progress lines are always shown).
    pub verbose: bool,
}

/// The cargo target directory of the workspace holding `dir`, as cargo picks it:
/// `$CARGO_TARGET_DIR` if set, else `target/` beside the nearest `Cargo.toml` (from `dir`
/// up) with a `[workspace]` table, else `<dir>/target`. (A `build.target-dir` set in
/// `.cargo/config.toml` is not read.)
pub fn charm_target_dir(dir: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    dir.ancestors()
        .find(|a| is_workspace_root(a))
        .unwrap_or(&dir)
        .join("target")
}

/// Whether `dir` is a Cargo workspace root: its `Cargo.toml` has a `[workspace]` table.
/// An unreadable or unparsable `Cargo.toml` is not one.
pub fn is_workspace_root(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("Cargo.toml"))
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .is_some_and(|t| t.contains_key("workspace"))
}

/// The variable that names the `charms-reactive` runtime crate a charm compiles against.
pub const RUNTIME_DIR_VAR: &str = "REACTIVE_RUNTIME_DIR";

/// `$REACTIVE_RUNTIME_DIR`, when set to something.
fn runtime_dir_from_env() -> Option<PathBuf> {
    std::env::var_os(RUNTIME_DIR_VAR)
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
}

/// The runtime crate of the checkout this tool was built from.
fn compiled_in_runtime() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime")
}

/// The charms-reactive checkout the runtime comes from when the charm is outside the
/// framework's workspace: the one holding `$REACTIVE_RUNTIME_DIR` (`<checkout>/framework/runtime`),
/// else the one this tool was built from. `None` if that directory is gone.
pub fn runtime_checkout() -> Option<PathBuf> {
    let runtime = runtime_dir_from_env().unwrap_or_else(compiled_in_runtime);
    std::fs::canonicalize(runtime.join("../..")).ok()
}

/// The runtime crate: `from_env` (`$REACTIVE_RUNTIME_DIR`) if given, else
/// `framework/runtime` of the framework's workspace `root` holding the charm, else the
/// runtime this tool was built from. It must be a crate (have a `Cargo.toml`).
fn find_runtime(root: Option<&Path>, from_env: Option<PathBuf>) -> Result<PathBuf, BuildError> {
    let dir = from_env
        .or_else(|| {
            root.map(|r| r.join("framework/runtime"))
                .filter(|p| p.is_dir())
        })
        .unwrap_or_else(compiled_in_runtime);
    if dir.join("Cargo.toml").is_file() {
        Ok(dir)
    } else {
        Err(BuildError::RuntimeNotFound { path: dir })
    }
}

impl CompileSettings {
    /// Defaults for the charm whose top layer is `top`: the runtime crate and `Cargo.lock`
    /// of the framework's workspace holding `top` (else the runtime this tool was built
    /// from, and its workspace's `Cargo.lock`), and `reactive-build/` in
    /// [`charm_target_dir`]. `REACTIVE_RUNTIME_DIR` and `REACTIVE_TARGET_DIR` override
    /// (when not empty). Fails if the runtime crate is not there.
    pub fn for_layer(top: &Path) -> Result<CompileSettings, BuildError> {
        let root = crate::layers::workspace_root(top);
        let runtime_dir = find_runtime(root.as_deref(), runtime_dir_from_env())?;
        let target_dir = std::env::var_os("REACTIVE_TARGET_DIR")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| charm_target_dir(top).join("reactive-build"));
        // Outside the framework's workspace, start from the lock file the runtime was
        // tested with: the same versions, and no registry resolution on a first build.
        let lockfile = root
            .map(|r| r.join("Cargo.lock"))
            .or_else(|| Some(runtime_dir.join("../../Cargo.lock")))
            .filter(|p| p.is_file());
        Ok(CompileSettings {
            runtime_dir,
            target_dir,
            lockfile,
            verbose: false,
        })
    }
}

/// Where a layer crate's `charms-reactive` dependency points, as written.
fn describe(dep: &toml::Value) -> String {
    match dep {
        toml::Value::String(version) => format!("version {version:?} from crates.io"),
        toml::Value::Table(t) => match (t.get("git"), t.get("version")) {
            (Some(git), _) => format!("git {git}"),
            (None, Some(version)) => format!("version {version} from crates.io"),
            (None, None) => format!("{dep}"),
        },
        other => format!("{other}"),
    }
}

/// The `charms-reactive` entry of `[dependencies]` in `doc` (also under another name
/// with `package = "charms-reactive"`).
fn runtime_dependency(deps: Option<&toml::Value>) -> Option<&toml::Value> {
    let deps = deps?.as_table()?;
    deps.get("charms-reactive").or_else(|| {
        deps.values()
            .find(|d| d.get("package").and_then(toml::Value::as_str) == Some("charms-reactive"))
    })
}

/// Fails unless the layer crate in `layer_dir` depends on `charms-reactive` by a path to
/// `runtime_dir` (or not at all). A second copy of the runtime (from crates.io, git or
/// another checkout) would compile, but its handlers would register with that copy and
/// the charm would run none of them. Only `[dependencies]` counts: dev-dependencies are
/// not linked into the charm.
pub fn check_runtime_dependency(layer_dir: &Path, runtime_dir: &Path) -> Result<(), BuildError> {
    let manifest = layer_dir.join("Cargo.toml");
    let doc = read_toml(&manifest)?;
    let Some(dep) = runtime_dependency(doc.get("dependencies")) else {
        return Ok(());
    };
    // `charms-reactive.workspace = true`: the entry of the crate's workspace.
    let (dep, base) = if dep.get("workspace").and_then(toml::Value::as_bool) == Some(true) {
        let root = layer_dir
            .ancestors()
            .skip(1)
            .find(|a| read_toml(&a.join("Cargo.toml")).is_ok_and(|t| t.contains_key("workspace")))
            .map(Path::to_path_buf);
        let found = root.as_ref().and_then(|root| {
            let ws = read_toml(&root.join("Cargo.toml")).ok()?;
            let deps = ws.get("workspace")?.get("dependencies").cloned()?;
            runtime_dependency(Some(&deps)).cloned()
        });
        match (found, root) {
            (Some(dep), Some(root)) => (dep, root),
            _ => (dep.clone(), layer_dir.to_path_buf()),
        }
    } else {
        (dep.clone(), layer_dir.to_path_buf())
    };
    let wanted = std::fs::canonicalize(runtime_dir).map_err(io(runtime_dir))?;
    let found = match dep.get("path").and_then(toml::Value::as_str) {
        Some(path) => {
            let joined = base.join(path);
            if std::fs::canonicalize(&joined).is_ok_and(|p| p == wanted) {
                return Ok(());
            }
            joined.display().to_string()
        }
        None => describe(&dep),
    };
    Err(BuildError::SecondRuntime {
        manifest,
        found,
        runtime_dir: wanted,
    })
}

/// A parsed TOML file.
fn read_toml(path: &Path) -> Result<toml::Table, BuildError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    text.parse::<toml::Table>()
        .map_err(|source| toml_error(path, &text, source))
}

fn toml_str(s: &str) -> String {
    format!("{s:?}")
}

/// Writes the generated crate for `charm` and builds it in release mode, telling
/// `progress` when cargo starts and ends; returns the binary's path.
pub fn compile(
    charm: &str,
    layers: &[Layer],
    settings: &CompileSettings,
    progress: fn(&Step<'_>),
) -> Result<PathBuf, BuildError> {
    let crates: Vec<&Layer> = layers.iter().filter(|l| l.package.is_some()).collect();
    for l in &crates {
        check_runtime_dependency(&l.dir, &settings.runtime_dir)?;
    }
    let dir = settings.target_dir.join("crates").join(charm);
    std::fs::create_dir_all(dir.join("src")).map_err(io(&dir))?;
    let bin = format!("charm-{charm}");
    // The package gets a name no charm crate takes (a charm's own crate is often called
    // `charm-<name>`, the binary's name), or cargo refuses two packages of one name.
    let package = format!("reactive-dispatch-{charm}");
    let mut deps = format!(
        "charms-reactive = {{ path = {} }}\n",
        toml_str(&settings.runtime_dir.to_string_lossy())
    );
    for l in &crates {
        let package = l.package.as_deref().unwrap_or_default();
        deps.push_str(&format!(
            "{package} = {{ path = {} }}\n",
            toml_str(&l.dir.to_string_lossy())
        ));
    }
    let manifest = format!(
        "# Generated by `reactive build` for the charm {charm}; rewritten on every build.\n\
         [package]\nname = {}\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [[bin]]\nname = {}\npath = \"src/main.rs\"\n\n[dependencies]\n{deps}\n\
         # Its own workspace: it lives inside the target directory.\n[workspace]\n\n\
         # Fast incremental rebuilds over the last few percent of speed; unwinding so a\n\
         # panicking handler fails its hook with a message.\n\
         [profile.release]\nopt-level = \"s\"\ncodegen-units = 16\nincremental = true\nstrip = true\npanic = \"unwind\"\n",
        toml_str(&package),
        toml_str(&bin),
    );
    let names: Vec<String> = crates.iter().filter_map(|l| l.crate_name()).collect();
    let main = format!(
        "// Generated by `reactive build`: every layer crate, in layer order.\ncharms_reactive::charm_main!({});\n",
        names.join(", ")
    );
    write_if_changed(&dir.join("Cargo.toml"), &manifest)?;
    write_if_changed(&dir.join("src/main.rs"), &main)?;
    let lock = dir.join("Cargo.lock");
    if let (Some(src), false) = (&settings.lockfile, lock.exists()) {
        std::fs::copy(src, &lock).map_err(io(&lock))?;
    }

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let started = Instant::now();
    let binary = settings.target_dir.join("release").join(&bin);
    progress(&Step::Compiling {
        target_dir: &settings.target_dir,
        first: !binary.exists(),
    });
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--release", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &settings.target_dir)
        .stdin(Stdio::null());
    if settings.verbose {
        cmd.arg("--verbose");
    }
    // cargo's own progress lines (`Compiling …`, `Finished …`) go straight to stderr.
    let status = cmd
        .status()
        .map_err(|source| BuildError::CargoNotRun { source })?;
    if !status.success() {
        return Err(BuildError::CargoFailed { status });
    }
    progress(&Step::Compiled {
        elapsed: started.elapsed(),
    });
    Ok(binary)
}

/// Writes only when the content differs, so cargo sees no change on a no-op rebuild.
fn write_if_changed(path: &Path, content: &str) -> Result<(), BuildError> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(content) {
        return Ok(());
    }
    std::fs::write(path, content).map_err(io(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer_crate(name: &str, dependencies: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("reactive-runtime-dep-{name}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let manifest =
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n\n{dependencies}");
        std::fs::write(dir.join("Cargo.toml"), manifest).expect("Cargo.toml");
        dir
    }

    #[test]
    fn a_layer_crate_must_use_the_charms_runtime() {
        let runtime = compiled_in_runtime();
        let runtime_abs = std::fs::canonicalize(&runtime).expect("runtime");
        let ok = layer_crate(
            "same",
            &format!(
                "[dependencies]\ncharms-reactive = {{ path = {:?} }}\n\n\
                 [dev-dependencies]\ncharms-reactive = \"0.1\"\n",
                runtime_abs.to_string_lossy()
            ),
        );
        check_runtime_dependency(&ok, &runtime).expect("the same runtime");
        let none = layer_crate("none", "[dependencies]\nanyhow = \"1\"\n");
        check_runtime_dependency(&none, &runtime).expect("no runtime at all");

        for (name, dep, says) in [
            (
                "registry",
                "charms-reactive = \"0.1\"",
                "version \"0.1\" from crates.io",
            ),
            (
                "git",
                "cr = { package = \"charms-reactive\", git = \"https://example.com/x\" }",
                "git \"https://example.com/x\"",
            ),
            (
                "other-path",
                "charms-reactive = { path = \"../elsewhere\" }",
                "elsewhere",
            ),
        ] {
            let dir = layer_crate(name, &format!("[dependencies]\n{dep}\n"));
            match check_runtime_dependency(&dir, &runtime) {
                Err(e @ BuildError::SecondRuntime { .. }) => {
                    let message = e.to_string();
                    for want in [
                        dir.join("Cargo.toml").display().to_string(),
                        runtime_abs.display().to_string(),
                        says.to_string(),
                    ] {
                        assert!(message.contains(&want), "{name}: {want:?} in {message}");
                    }
                }
                other => panic!("{name}: {other:?}"),
            }
            let _ = std::fs::remove_dir_all(&dir);
        }
        let _ = std::fs::remove_dir_all(&ok);
        let _ = std::fs::remove_dir_all(&none);
    }

    #[test]
    fn a_workspace_dependency_is_read_from_the_workspace() {
        let runtime = compiled_in_runtime();
        let runtime_abs = std::fs::canonicalize(&runtime).expect("runtime");
        let ws = std::env::temp_dir().join("reactive-runtime-dep-workspace");
        let _ = std::fs::remove_dir_all(&ws);
        let member = ws.join("member");
        std::fs::create_dir_all(&member).expect("temp dir");
        std::fs::write(
            member.join("Cargo.toml"),
            "[package]\nname = \"member\"\nversion = \"0.1.0\"\n\n\
             [dependencies]\ncharms-reactive.workspace = true\n",
        )
        .expect("member Cargo.toml");
        let root_manifest = |path: &str| {
            std::fs::write(
                ws.join("Cargo.toml"),
                format!(
                    "[workspace]\nmembers = [\"member\"]\n\n\
                     [workspace.dependencies]\ncharms-reactive = {{ path = {path:?} }}\n"
                ),
            )
            .expect("workspace Cargo.toml")
        };
        root_manifest(&runtime_abs.to_string_lossy());
        check_runtime_dependency(&member, &runtime).expect("the workspace's path");
        root_manifest("elsewhere");
        let err = check_runtime_dependency(&member, &runtime).expect_err("another copy");
        assert!(err.to_string().contains("elsewhere"), "{err}");
        let _ = std::fs::remove_dir_all(&ws);
    }

    #[test]
    fn the_runtime_must_be_a_crate() {
        let missing = std::env::temp_dir().join("reactive-no-such-runtime");
        match find_runtime(None, Some(missing.clone())) {
            Err(e @ BuildError::RuntimeNotFound { .. }) => {
                let message = e.to_string();
                assert!(message.contains(&*missing.to_string_lossy()), "{message}");
                assert!(message.contains(RUNTIME_DIR_VAR), "{message}");
            }
            other => panic!("{other:?}"),
        }
        // Without the variable: the workspace's runtime, else the compiled-in one.
        let found = find_runtime(None, None).expect("the compiled-in runtime");
        assert!(found.join("Cargo.toml").is_file());
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        assert_eq!(
            find_runtime(Some(&root), None).expect("the workspace's runtime"),
            root.join("framework/runtime")
        );
    }
}
