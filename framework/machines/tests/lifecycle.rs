//! Creating, entering, re-opening and destroying machines: failures leave nothing behind, a
//! dead machine is reported as such, binds and hidden paths, commands behave like commands.

mod common;

use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::time::Duration;

use charms_reactive_machines::{Fleet, FleetConfig, MachineSpec, MachinesError};
use common::*;

#[test]
fn this_host_supports_machines_and_the_check_leaves_no_trace() {
    let Some(_lock) = machines_test("lifecycle-support") else {
        return;
    };
    let links_before = host_links();
    if let Err(e) = Fleet::check_support() {
        panic!("{e}");
    }
    assert_eq!(
        host_links(),
        links_before,
        "the bridge and veth probes are removed"
    );
}

#[test]
fn a_failed_create_leaves_nothing_and_the_error_names_the_step() {
    let Some(_lock) = machines_test("lifecycle-failed-create") else {
        return;
    };
    let links_before = host_links();
    let mut t = TestFleet::new("life-fail");
    let missing = PathBuf::from("/nonexistent/reactive-machines-bind-source");
    let mut spec = MachineSpec::new("life-0", t.address(10));
    spec.binds.push((missing.clone(), PathBuf::from("/srv/x")));
    let err = match t.fleet.create(&spec) {
        Ok(_) => panic!("create with a missing bind source succeeded"),
        Err(e) => e.to_string(),
    };
    eprintln!("create failed as expected: {err}");
    assert!(
        err.contains("life-0")
            && err.contains("bind source /nonexistent/reactive-machines-bind-source"),
        "{err}"
    );
    assert!(t.fleet.machines().is_empty());
    assert!(!t.base.join("life-0").exists(), "machine directory removed");
    assert!(
        pids_with_mounts_under(&t.base).is_empty(),
        "no process of the failed machine is left"
    );
    let veths: Vec<String> = host_links()
        .into_iter()
        .filter(|l| l.starts_with("rmv"))
        .filter(|l| !links_before.contains(l))
        .collect();
    assert!(veths.is_empty(), "no veth left: {veths:?}");

    // The name is free again, and the checks on names and addresses hold.
    t.create("life-0", 10);
    assert!(matches!(
        t.fleet.create(&MachineSpec::new("life-0", t.address(11))),
        Err(MachinesError::AlreadyExists(_))
    ));
    assert!(matches!(
        t.fleet.create(&MachineSpec::new("life-1", t.address(10))),
        Err(MachinesError::Invalid(_))
    ));
    assert!(matches!(
        t.fleet.create(&MachineSpec::new("life-1", t.address(1))),
        Err(MachinesError::Invalid(_))
    ));
}

#[test]
fn a_machine_whose_init_died_is_reported_not_running_and_can_be_destroyed() {
    let Some(_lock) = machines_test("lifecycle-dead-init") else {
        return;
    };
    let mut t = TestFleet::with_machines("life-dead", &["life-1"]);
    let machine = t
        .fleet
        .machine("life-1")
        .unwrap_or_else(|| panic!("machine recorded"));
    assert!(machine.is_running());
    // SAFETY: plain system call on the init we just created.
    assert_eq!(unsafe { libc::kill(machine.init.pid, libc::SIGKILL) }, 0);
    assert!(
        wait_until(Duration::from_secs(10), || !machine.is_running()),
        "init still running after SIGKILL"
    );

    let err = t
        .fleet
        .command("life-1", "true")
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("machine life-1 is not running (its init exited)")
    );
    assert!(matches!(
        t.fleet.command("nope", "true"),
        Err(MachinesError::NoSuchMachine(_))
    ));

    t.fleet
        .destroy("life-1")
        .unwrap_or_else(|e| panic!("destroy: {e}"));
    assert!(t.fleet.machines().is_empty());
    assert!(!machine.dir.exists());
    assert!(!std::path::Path::new(&format!("/sys/class/net/{}", machine.veth)).exists());
}

#[test]
fn commands_binds_hidden_paths_and_reopening() {
    let Some(_lock) = machines_test("lifecycle-commands") else {
        return;
    };
    let scratch = test_support::tmp!(format!("life-scratch-{}", std::process::id()));
    let shared = scratch.join("shared");
    let hidden = scratch.join("hidden");
    std::fs::create_dir_all(&shared).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(&hidden).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(hidden.join("secret"), "host secret").unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(shared.join("from-host"), "hi").unwrap_or_else(|e| panic!("{e}"));

    let mut t = TestFleet::new("life-cmd");
    let mut config = FleetConfig::new(
        t.net.clone(),
        PathBuf::from(env!("CARGO_BIN_EXE_reactive-machine")),
    );
    config.hidden.push(hidden.clone());
    t.fleet = Fleet::open(&t.base, config.clone()).unwrap_or_else(|e| panic!("{e}"));
    let mut spec = MachineSpec::new("life-2", t.address(10));
    spec.binds
        .push((shared.clone(), PathBuf::from("/srv/shared")));
    spec.binds.push((shared.clone(), hidden.join("unit")));
    t.fleet
        .create(&spec)
        .unwrap_or_else(|e| panic!("create: {e}"));

    // Binds: both ways, also under a hidden path; the hidden path's own content is not visible.
    assert_eq!(t.sh_ok("life-2", "cat /srv/shared/from-host"), "hi");
    t.sh_ok("life-2", "echo back > /srv/shared/from-machine");
    assert_eq!(
        std::fs::read_to_string(shared.join("from-machine")).unwrap_or_default(),
        "back\n"
    );
    let script = format!(
        "cat {0}/unit/from-host; test ! -e {0}/secret",
        hidden.display()
    );
    assert_eq!(t.sh_ok("life-2", &script), "hi");

    // A unix socket in a bound directory (how the model's hook-tool socket reaches a unit)
    // works across the mount and network namespaces.
    let listener = std::os::unix::net::UnixListener::bind(shared.join("tool.sock"))
        .unwrap_or_else(|e| panic!("{e}"));
    let server = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap_or_else(|e| panic!("accept: {e}"));
        std::io::Write::write_all(&mut conn, b"answer from the host\n")
            .unwrap_or_else(|e| panic!("{e}"));
    });
    let reply = t.run(
        "life-2",
        "/usr/bin/python3",
        &["-c", "import socket; s = socket.socket(socket.AF_UNIX); s.connect('/srv/shared/tool.sock'); print(s.recv(100).decode(), end='')"],
    );
    assert_eq!(
        String::from_utf8_lossy(&reply.stdout),
        "answer from the host\n",
        "{}",
        String::from_utf8_lossy(&reply.stderr)
    );
    server
        .join()
        .unwrap_or_else(|_| panic!("socket server thread panicked"));

    // The working directory is the machine's, exit codes and signals come through, and the
    // environment is clean plus what the caller adds.
    t.sh_ok("life-2", "mkdir -p /var/lib/only-in-machine");
    let out = t
        .fleet
        .command_in("life-2", "pwd", "/var/lib/only-in-machine".as_ref())
        .unwrap_or_else(|e| panic!("{e}"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "/var/lib/only-in-machine\n"
    );
    assert_eq!(t.sh("life-2", "exit 7").status.code(), Some(7));
    assert_eq!(
        t.sh("life-2", "kill -TERM $$").status.signal(),
        Some(libc::SIGTERM)
    );
    let env = t
        .fleet
        .command("life-2", "env")
        .unwrap_or_else(|e| panic!("{e}"))
        .env("JUJU_UNIT_NAME", "life/2")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let env = String::from_utf8_lossy(&env.stdout).into_owned();
    assert!(
        env.contains("JUJU_UNIT_NAME=life/2\n") && env.contains("HOME=/root\n"),
        "{env}"
    );
    assert!(!env.contains("CARGO"), "host environment leaked in:\n{env}");
    let missing = t.run("life-2", "/no/such/program", &[]);
    assert_eq!(
        missing.status.code(),
        Some(charms_reactive_machines::EXIT_CANNOT_ENTER)
    );
    assert!(String::from_utf8_lossy(&missing.stderr)
        .contains("cannot run /no/such/program in machine life-2"));

    // A later process opens the same fleet and finds the machine running.
    let reopened = Fleet::open(&t.base, config).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<String> = reopened.machines().into_iter().map(|m| m.name).collect();
    assert_eq!(names, ["life-2"]);
    let out = reopened
        .command("life-2", "hostname")
        .unwrap_or_else(|e| panic!("{e}"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "life-2\n");
    drop(t);
    let _ = std::fs::remove_dir_all(&scratch);
}
