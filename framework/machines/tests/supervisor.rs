//! The per-machine supervisor (`reactive-service`): start, status, restart, stop (with the
//! SIGKILL escalation), logs, users; and the same supervisor run as a plain daemon.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// The PID in a `name: running (pid N) — …` status line.
fn pid_of(out: &Output) -> i32 {
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    line.split("(pid ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no pid in {line:?}"))
}

#[test]
fn services_start_restart_and_stop_for_real() {
    let Some(_lock) = machines_test("supervisor") else {
        return;
    };
    let t = TestFleet::with_machines("supervisor", &["svc-0"]);

    let start = t.service("svc-0", &["start", "sleeper", "--", "/bin/sleep", "1000"]);
    assert!(start.status.success(), "{}", text(&start));
    let status = t.service("svc-0", &["status", "sleeper"]);
    assert_eq!(status.status.code(), Some(0), "{}", text(&status));
    let first = pid_of(&status);
    assert!(t.has_process("svc-0", first));
    // The service is a session leader with stdin on /dev/null.
    let session = t.sh_ok(
        "svc-0",
        &format!("ps -o sid= -p {first}; readlink /proc/{first}/fd/0"),
    );
    let mut lines = session.lines();
    assert_eq!(
        lines.next().map(str::trim),
        Some(first.to_string().as_str()),
        "{session}"
    );
    assert_eq!(lines.next(), Some("/dev/null"));

    // Starting it again with the same command is a no-op; with another one it is refused.
    let again = t.service("svc-0", &["start", "sleeper", "--", "/bin/sleep", "1000"]);
    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(pid_of(&t.service("svc-0", &["status", "sleeper"])), first);
    let other = t.service("svc-0", &["start", "sleeper", "--", "/bin/sleep", "999"]);
    assert_eq!(other.status.code(), Some(1), "{}", text(&other));

    let restart = t.service("svc-0", &["restart", "sleeper"]);
    assert!(restart.status.success(), "{}", text(&restart));
    let status = t.service("svc-0", &["status", "sleeper"]);
    assert_eq!(status.status.code(), Some(0), "{}", text(&status));
    let second = pid_of(&status);
    assert_ne!(first, second, "restart must start a new process");
    assert!(!t.has_process("svc-0", first), "old process gone");

    let stop = t.service("svc-0", &["stop", "sleeper"]);
    assert!(stop.status.success(), "{}", text(&stop));
    // `stop` returns only once the process is gone: no waiting here.
    assert!(!t.has_process("svc-0", second), "stopped process gone");
    let status = t.service("svc-0", &["status", "sleeper"]);
    assert_eq!(status.status.code(), Some(3), "{}", text(&status));
    assert!(
        String::from_utf8_lossy(&status.stdout).contains("sleeper: stopped"),
        "{}",
        text(&status)
    );

    // Restart after stop uses the remembered command line.
    let restart = t.service("svc-0", &["restart", "sleeper"]);
    assert!(restart.status.success(), "{}", text(&restart));
    assert_eq!(
        t.service("svc-0", &["status", "sleeper"]).status.code(),
        Some(0)
    );

    let unknown = t.service("svc-0", &["status", "nothing-here"]);
    assert_eq!(unknown.status.code(), Some(3), "{}", text(&unknown));
}

#[test]
fn stop_escalates_to_sigkill_and_logs_and_users_work() {
    let Some(_lock) = machines_test("supervisor-escalation") else {
        return;
    };
    let t = TestFleet::with_machines("supervisor-kill", &["svc-1"]);

    // Ignores SIGTERM; so does its loop's `sleep`, which is in the same process group.
    let start = t.service(
        "svc-1",
        &[
            "start",
            "stubborn",
            "--",
            "/bin/sh",
            "-c",
            "trap '' TERM; while :; do sleep 1; done",
        ],
    );
    assert!(start.status.success(), "{}", text(&start));
    let pid = pid_of(&t.service("svc-1", &["status", "stubborn"]));
    let began = Instant::now();
    let stop = t.service("svc-1", &["stop", "stubborn", "--timeout", "1"]);
    let took = began.elapsed();
    assert!(stop.status.success(), "{}", text(&stop));
    assert!(
        took >= Duration::from_secs(1),
        "SIGKILL only after the timeout ({took:?})"
    );
    assert!(!t.has_process("svc-1", pid), "stubborn process gone");
    let group_left = t.sh_ok("svc-1", &format!("ps -o pid= -g {pid} || true"));
    assert!(
        group_left.trim().is_empty(),
        "the service's group is gone: {group_left}"
    );
    assert!(t
        .service("svc-1", &["status", "stubborn"])
        .stdout
        .starts_with(b"stubborn: stopped"));

    // Output goes to the log; a service that ends by itself is reported as exited.
    let start = t.service(
        "svc-1",
        &[
            "start",
            "chatty",
            "--user",
            "nobody",
            "--dir",
            "/tmp",
            "--env",
            "GREETING=hi",
            "--",
            "/bin/sh",
            "-c",
            "echo \"out $GREETING $(id -un) $(pwd)\"; echo err >&2; exit 4",
        ],
    );
    assert!(start.status.success(), "{}", text(&start));
    assert!(
        wait_until(Duration::from_secs(10), || t
            .service("svc-1", &["status", "chatty"])
            .status
            .code()
            == Some(3)),
        "chatty never exited"
    );
    let status = t.service("svc-1", &["status", "chatty"]);
    let line = String::from_utf8_lossy(&status.stdout).into_owned();
    assert!(
        line.contains("chatty: exited") && line.contains("exited with code 4"),
        "{line}"
    );
    let log = t.sh_ok("svc-1", "cat /var/log/reactive-service/chatty.log");
    assert!(log.contains("out hi nobody /tmp\n"), "{log}");
    assert!(log.contains("err\n"), "{log}");

    let list = t.service("svc-1", &["list"]);
    let listing = String::from_utf8_lossy(&list.stdout).into_owned();
    assert!(
        listing.contains("chatty: exited") && listing.contains("stubborn: stopped"),
        "{listing}"
    );
}

#[test]
fn the_supervisor_also_runs_as_a_daemon_outside_machines() {
    // Needs no root: a subreaper daemon on a socket of our own.
    let dir = test_support::tmp!(format!("supervisor-daemon-{}", std::process::id()));
    let socket = dir.join("supervisor.sock");
    let helper = env!("CARGO_BIN_EXE_reactive-machine");
    let mut daemon = Command::new(helper)
        .args(["service", "daemon", "--socket"])
        .arg(&socket)
        .arg("--log-dir")
        .arg(dir.join("logs"))
        .stdin(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting the daemon: {e}"));
    let client = |args: &[&str]| {
        Command::new(helper)
            .arg("service")
            .arg("--socket")
            .arg(&socket)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("running the client: {e}"))
    };
    assert!(
        wait_until(Duration::from_secs(10), || socket.exists()),
        "daemon socket never appeared"
    );
    let marker = format!("daemon-sleeper-{}", std::process::id());
    let start = client(&[
        "start",
        "s",
        "--",
        "/bin/sh",
        "-c",
        "exec sleep 1000",
        &marker,
    ]);
    assert!(start.status.success(), "{}", text(&start));
    let status = client(&["status", "s"]);
    assert_eq!(status.status.code(), Some(0), "{}", text(&status));
    let pid = pid_of(&status);
    let stop = client(&["stop", "s"]);
    assert!(stop.status.success(), "{}", text(&stop));
    assert!(
        !PathBuf::from(format!("/proc/{pid}")).exists(),
        "stopped process {pid} is gone (and reaped)"
    );
    assert_eq!(client(&["status", "s"]).status.code(), Some(3));
    let _ = daemon.kill();
    let _ = daemon.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
