//! The runtime's `charms_reactive::service` API inside a machine of the `machines`
//! provider: it drives `systemctl`, answered by the machine's own service manager, as on a
//! Juju machine. The test runs itself again inside the machine for the charm's side.

mod common;

use charms_reactive::service::{Manager, Service};
use common::*;

/// Set when this test binary runs inside the machine.
const INSIDE: &str = "REACTIVE_TEST_INSIDE_MACHINE";
const TEST: &str = "a_charms_service_goes_through_systemctl_in_a_machine";

#[test]
fn a_charms_service_goes_through_systemctl_in_a_machine() {
    if std::env::var_os(INSIDE).is_some() {
        return as_a_charm();
    }
    let Some(_lock) = machines_test("runtime-systemd") else {
        return;
    };
    let t = TestFleet::with_machines("rt-systemd", &["rt-0"]);
    // A copy inside the machine: the test binary's own path may be in a folder the
    // machine does not see (its /tmp is its own, and a checkout can live there).
    let exe = std::env::current_exe().expect("the test binary");
    let binary = std::fs::File::open(&exe).expect("opening the test binary");
    let inside = "/root/runtime-systemd-test";
    let copied = t
        .fleet
        .command("rt-0", "/bin/sh")
        .expect("a command in the machine")
        .args(["-c", &format!("cat > {inside} && chmod 755 {inside}")])
        .stdin(binary)
        .output()
        .expect("copying the test binary into the machine");
    assert!(copied.status.success(), "{}", text(&copied));
    let out = t
        .fleet
        .command("rt-0", inside)
        .expect("a command in the machine")
        .args(["--exact", TEST, "--nocapture", "--test-threads=1"])
        .env(INSIDE, "1")
        // What the model sets in every hook.
        .env("REACTIVE_MODEL_PROVIDER", "machines")
        .output()
        .expect("running the test binary in the machine");
    assert!(out.status.success(), "{}", text(&out));
    // What the charm did is systemd's: a unit file, enabled, and stopped at the end.
    let unit = t.sh_ok("rt-0", "cat /etc/systemd/system/rt-sleeper.service");
    assert!(unit.contains("ExecStart=/bin/sleep 1012\n"), "{unit}");
    let enabled = t.run("rt-0", "systemctl", &["is-enabled", "rt-sleeper"]);
    assert_eq!(
        String::from_utf8_lossy(&enabled.stdout),
        "disabled\n",
        "{}",
        text(&enabled)
    );
    let journal = t.run("rt-0", "journalctl", &["-u", "rt-sleeper"]);
    let journal = String::from_utf8_lossy(&journal.stdout).into_owned();
    assert_eq!(
        journal.matches("Started rt-sleeper.service").count(),
        2,
        "{journal}"
    );
}

/// The charm's side, inside the machine.
fn as_a_charm() {
    assert_eq!(Manager::detect().expect("a manager"), Manager::Systemd);
    let svc = Service::new("rt-sleeper", ["/bin/sleep", "1012"]);
    svc.start().expect("start");
    assert!(Service::is_running("rt-sleeper").expect("status"));
    // Starting again with the same definition is a no-op; restart runs it again.
    svc.start().expect("start again");
    svc.restart().expect("restart");
    assert!(Service::is_running("rt-sleeper").expect("status"));
    Service::stop("rt-sleeper").expect("stop");
    assert!(!Service::is_running("rt-sleeper").expect("status"));
}
