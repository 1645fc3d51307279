//! The runtime's `charms_reactive::service` API driving this crate's real supervisor (run
//! as a daemon on a socket of the test's own): what a charm's "restart the service" does
//! on the local model. A test binary of its own: it sets `PATH` and the supervisor socket
//! for the whole process.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use charms_reactive::service::{Manager, Service};
use common::{host_pids_with_cmdline, wait_until};

#[test]
fn item_8_a_charm_starts_restarts_and_stops_a_service_through_the_supervisor() {
    if std::path::Path::new("/run/systemd/system").is_dir() {
        eprintln!("skipped: systemd runs here, so the API would use it");
        return;
    }
    let dir = test_support::tmp!(format!("runtime-service-{}", std::process::id()));
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin dir");
    let helper = env!("CARGO_BIN_EXE_reactive-machine");
    // What a machine's PATH has: `reactive-service` is the helper under that name.
    std::os::unix::fs::symlink(helper, bin.join("reactive-service")).expect("link");
    let socket = dir.join("supervisor.sock");
    let _daemon = Daemon(
        Command::new(helper)
            .args(["service", "daemon", "--socket"])
            .arg(&socket)
            .arg("--log-dir")
            .arg(dir.join("logs"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting the supervisor"),
    );
    assert!(
        wait_until(Duration::from_secs(10), || socket.exists()),
        "the supervisor's socket never appeared"
    );
    let path = std::env::var("PATH").unwrap_or_default();
    // SAFETY: this test binary has this one test; nothing else reads the environment
    // concurrently.
    unsafe {
        std::env::set_var("PATH", format!("{}:{path}", bin.display()));
        std::env::set_var("REACTIVE_SERVICE_SOCKET", &socket);
    }
    assert_eq!(Manager::detect().expect("a manager"), Manager::Supervisor);

    // The service is one process that never forks, found by a duration no other process
    // has. (A shell that runs `sleep` would be seen twice for a moment: between its fork
    // and the child's exec, the child still has the shell's command line.)
    let marker = format!("100000.{}", std::process::id());
    let svc = Service::new("sleeper", ["/bin/sleep", marker.as_str()]).env("GREETING", "hi");
    // Between the supervisor's fork and the program's exec, the process does not show the
    // marker yet: wait (bounded) for the program itself.
    let one_process = || {
        let mut found = Vec::new();
        let seen = wait_until(Duration::from_secs(10), || {
            found = host_pids_with_cmdline(&marker);
            found.len() == 1
        });
        assert!(seen, "expected one service process, found {found:?}");
        found
    };
    svc.start().expect("start");
    assert!(Service::is_running("sleeper").expect("status"));
    let first = one_process();
    // Starting again with the same definition is a no-op.
    svc.start().expect("start again");
    assert_eq!(one_process(), first);

    svc.restart().expect("restart");
    let mut second = Vec::new();
    assert!(
        wait_until(Duration::from_secs(10), || {
            second = host_pids_with_cmdline(&marker);
            second.len() == 1 && second != first
        }),
        "a restart runs one new process: before {first:?}, after {second:?}"
    );

    Service::stop("sleeper").expect("stop");
    assert!(!Service::is_running("sleeper").expect("status"));
    assert!(host_pids_with_cmdline(&marker).is_empty(), "stopped");

    let _ = std::fs::remove_dir_all(&dir);
}

/// The supervisor daemon, ended however the test ends.
struct Daemon(std::process::Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
