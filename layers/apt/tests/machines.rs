//! The apt layer on the local model's machines, through the `reactive` command (needs
//! root; skipped otherwise): a charm of base + apt (tests/charm) installs the real
//! `hello` package, shows `apt.installed.hello` in its status and hello's version as the
//! workload version; asking for it again runs no apt-get; an unknown package and an
//! invalid `package_status` give blocked statuses naming them, and the model settles.
//!
//! It uses the `reactive`, `reactive-hook-tool` and `reactive-machine` binaries of the
//! workspace's target directory (`cargo test --workspace` builds them; or `cargo build
//! -p charms-reactive-cli -p charms-reactive-model -p charms-reactive-machines`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use test_support::{repo_root, tmp};

/// `target/<profile>/reactive`, beside this test's `deps/` folder.
fn reactive_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>");
    profile_dir.join("reactive")
}

struct Cli {
    bin: PathBuf,
    model: PathBuf,
}

impl Cli {
    fn run(&self, args: &[&str]) -> Output {
        Command::new(&self.bin)
            .arg("model")
            .arg("--model")
            .arg(&self.model)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run reactive")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "reactive model {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn status(&self) -> Value {
        serde_json::from_str(&self.ok(&["status", "--format", "json"])).expect("status JSON")
    }

    /// The unit's workload status and message.
    fn unit(&self) -> (String, String) {
        let status = self.status();
        let w = &status["applications"]["hello-apt"]["units"]["hello-apt/0"]["workload-status"];
        (
            w["current"].as_str().unwrap_or_default().to_string(),
            w["message"].as_str().unwrap_or_default().to_string(),
        )
    }

    fn apt_get_runs(&self) -> usize {
        self.ok(&["debug-log", "--replay"])
            .lines()
            .filter(|l| l.contains("running apt-get"))
            .count()
    }
}

/// Destroys the model (and its machines) even when the test fails.
struct Destroy<'a>(&'a Cli);

impl Drop for Destroy<'_> {
    fn drop(&mut self) {
        let _ = self.0.run(&["destroy"]);
    }
}

#[test]
fn hello_is_installed_on_a_machine_and_failures_block_naming_the_cause() {
    if !test_support::is_root() {
        eprintln!("skipped: machines need root");
        return;
    }
    let bin = reactive_binary();
    assert!(
        bin.is_file() && bin.with_file_name("reactive-machine").is_file(),
        "{} or reactive-machine beside it is missing: build the workspace's binaries \
         (cargo build -p charms-reactive-cli -p charms-reactive-model -p charms-reactive-machines)",
        bin.display()
    );
    let root = tmp!("apt-machines");
    // Compile into the workspace's shared reactive-build folder (incremental).
    let built = Command::new(&bin)
        .args(["build", "-o"])
        .arg(&root)
        .arg(repo_root().join("layers/apt/tests/charm"))
        .env(
            "REACTIVE_TARGET_DIR",
            repo_root().join("target/reactive-build"),
        )
        .stdin(Stdio::null())
        .output()
        .expect("run reactive build");
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let cli = Cli {
        bin,
        model: root.join("model"),
    };
    cli.ok(&["init", "--provider", "machines"]);
    let _destroy = Destroy(&cli);
    let charm = root.join("hello-apt");
    cli.ok(&["deploy", charm.to_str().expect("UTF-8 path")]);

    // Installed: the flag in the status, hello's upstream version as the workload version.
    assert_eq!(
        cli.unit(),
        ("active".into(), "flags: apt.installed.hello".into())
    );
    assert_eq!(cli.status()["applications"]["hello-apt"]["version"], "2.10");
    let greeting = cli.ok(&["ssh", "hello-apt/0", "--", "hello"]);
    assert_eq!(greeting.trim(), "Hello, world!");
    let runs = cli.apt_get_runs();
    assert!(runs >= 1, "apt-get ran {runs} times");

    // Asked for again: no apt-get.
    cli.ok(&["config", "hello-apt", "extra_packages=hello"]);
    assert_eq!(cli.apt_get_runs(), runs);
    assert_eq!(cli.unit().0, "active");

    // An unknown package: blocked naming it, and the model settles.
    cli.ok(&[
        "config",
        "hello-apt",
        "extra_packages=hello no-such-package-xyz",
    ]);
    let (status, message) = cli.unit();
    assert_eq!(status, "blocked");
    assert!(message.contains("no-such-package-xyz"), "{message}");
    assert!(message.contains("Unable to locate package"), "{message}");

    // An invalid package_status: blocked naming the allowed values.
    cli.ok(&[
        "config",
        "hello-apt",
        "extra_packages=",
        "package_status=frozen",
    ]);
    assert_eq!(
        cli.unit(),
        (
            "blocked".into(),
            "Invalid package_status \"frozen\": must be one of install, hold".into()
        )
    );
    // Fixed: back to active, hello still installed.
    cli.ok(&["config", "hello-apt", "package_status=hold"]);
    assert_eq!(
        cli.unit(),
        ("active".into(), "flags: apt.installed.hello".into())
    );
    let held = cli.ok(&["ssh", "hello-apt/0", "--", "apt-mark", "showhold"]);
    assert_eq!(held.trim(), "hello");
}
