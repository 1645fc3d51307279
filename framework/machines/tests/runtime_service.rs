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
fn a_charm_starts_restarts_and_stops_a_service_through_the_supervisor() {
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

    let marker = format!("runtime-service-sleeper-{}", std::process::id());
    // The shell stays (with the marker as its $0) so the process can be found.
    let svc = Service::new(
        "sleeper",
        ["/bin/sh", "-c", "sleep 1000; :", marker.as_str()],
    )
    .env("GREETING", "hi");
    svc.start().expect("start");
    assert!(Service::is_running("sleeper").expect("status"));
    let first = host_pids_with_cmdline(&marker);
    assert_eq!(first.len(), 1, "{first:?}");
    // Starting again with the same definition is a no-op.
    svc.start().expect("start again");
    assert_eq!(host_pids_with_cmdline(&marker), first);

    svc.restart().expect("restart");
    let second = host_pids_with_cmdline(&marker);
    assert_eq!(second.len(), 1, "{second:?}");
    assert_ne!(second, first, "a restart runs a new process");

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
