//! `reactive model init --provider machines` as a user runs it: refused in one line when
//! the host cannot make machines. What the machines provider does is tested through the
//! model's library in framework/model/tests/machines.rs.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use test_support::cli::stderr;
use test_support::tmp;

const REACTIVE: &str = env!("CARGO_BIN_EXE_reactive");

#[test]
fn machines_need_root_and_say_so_in_one_line() {
    let root = tmp!("cli-machines-not-root");
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o777)).unwrap();
    let dir = root.join("model");
    let mut cmd = if test_support::is_root() {
        // Drop to nobody for this one command.
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", REACTIVE]);
        c
    } else {
        Command::new(REACTIVE)
    };
    let out = cmd
        .args([
            "model",
            "--model",
            dir.to_str().unwrap(),
            "init",
            "--provider",
            "machines",
        ])
        .output()
        .expect("run reactive");
    let err = stderr(&out);
    assert!(!out.status.success());
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("root"), "{err}");
    assert!(err.contains("--provider local"), "{err}");
    assert!(!dir.exists(), "no model was made");

    // An unknown provider is refused the same way.
    let out = Command::new(REACTIVE)
        .args([
            "model",
            "--model",
            dir.to_str().unwrap(),
            "init",
            "--provider",
            "lxd",
        ])
        .output()
        .expect("run reactive");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("unknown provider \"lxd\""));
    assert!(!dir.exists());
}
