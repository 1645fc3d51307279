//! Harness tests of every flag of the apt layer, one test per flag, named after it.

mod common;

use charms_reactive::testing::State;
use common::{harness, has_flag, run, FakeMachine};
use layer_apt as _;
use test_support::tmp;

#[test]
fn apt_installed_pkg() {
    let machine = FakeMachine::new(tmp!("apt_installed_pkg"));
    let h = harness("{packages: [hello]}");
    let out = run(&machine, &h, "install", &State::default());
    assert!(
        has_flag(&out.state, "apt.installed.hello"),
        "{:?}",
        out.state.flags()
    );
    // The first hook updates the lists (the sources are new), then installs.
    assert_eq!(
        machine.apt_get_runs(),
        [
            "DEBIAN_FRONTEND=noninteractive apt-get update",
            "DEBIAN_FRONTEND=noninteractive apt-get --assume-yes --option=Dpkg::Options::=--force-confold install hello"
        ]
    );
    assert!(!has_flag(&out.state, "apt.queued_installs"));

    // Installed: later hooks queue and install nothing, and run no apt-get.
    machine.clear();
    let again = run(
        &machine,
        &h,
        "config-changed",
        &out.state.clone().with_config("extra_packages", "hello"),
    );
    assert!(
        machine.apt_get_runs().is_empty(),
        "{:?}",
        machine.commands.borrow()
    );
    assert!(has_flag(&again.state, "apt.installed.hello"));

    // Removed behind the charm's back: the flag goes, and the package is installed again.
    machine.remove_by_hand("hello");
    machine.clear();
    let after = run(&machine, &h, "update-status", &again.state);
    let commands = machine.commands.borrow().clone();
    assert!(commands[0].contains("dpkg-query --show"), "{commands:?}");
    assert_eq!(machine.apt_get_runs().len(), 1, "{commands:?}");
    assert!(has_flag(&after.state, "apt.installed.hello"));
    assert!(machine.installed.borrow().contains("hello"));
}

#[test]
fn apt_needs_update() {
    let machine = FakeMachine::new(tmp!("apt_needs_update"));
    let h = harness("{packages: [hello]}");
    let state = State::default().with_config(
        "install_sources",
        "['deb http://archive.example/ubuntu jammy main']",
    );
    let out = run(&machine, &h, "install", &state);
    // The lists are updated before the install, and the flag is cleared after.
    let runs = machine.apt_get_runs();
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert!(runs[0].ends_with("apt-get update"), "{runs:?}");
    assert!(runs[1].ends_with("install hello"), "{runs:?}");
    assert!(!has_flag(&out.state, "apt.needs_update"));
    let list = std::fs::read_to_string(machine.root.join("etc/apt/sources.list.d/test-charm.list"))
        .expect("the sources list of application test");
    assert_eq!(list, "deb http://archive.example/ubuntu jammy main\n");

    // Same sources in a later hook: no update.
    machine.clear();
    let later = run(&machine, &h, "config-changed", &out.state);
    assert!(
        machine.apt_get_runs().is_empty(),
        "{:?}",
        machine.commands.borrow()
    );
    assert!(!has_flag(&later.state, "apt.needs_update"));

    // A failing update keeps the flag, blocks, and installs nothing meanwhile.
    machine.lock_held_for.set(100);
    machine.clear();
    let state = later
        .state
        .clone()
        .with_config(
            "install_sources",
            "['deb http://other.example/ubuntu jammy main']",
        )
        .with_config("extra_packages", "cowsay");
    let failed = run(&machine, &h, "config-changed", &state);
    assert!(has_flag(&failed.state, "apt.needs_update"));
    assert!(has_flag(&failed.state, "apt.queued_installs"));
    assert_eq!(failed.state.unit_status.status, "blocked");
    assert!(
        failed
            .state
            .unit_status
            .message
            .starts_with("Unable to update the apt cache"),
        "{}",
        failed.state.unit_status.message
    );
    assert!(machine.apt_get_runs().iter().all(|r| r.ends_with("update")));
}

#[test]
fn apt_queued_installs() {
    let machine = FakeMachine::new(tmp!("apt_queued_installs"));
    let h = harness("{packages: [hello, no-such-package]}");
    let out = run(&machine, &h, "install", &State::default());
    // The install failed: the flag and the queue stay, the hook succeeded, and the unit
    // is blocked naming the package.
    assert!(has_flag(&out.state, "apt.queued_installs"));
    assert!(!has_flag(&out.state, "apt.installed.hello"));
    assert_eq!(out.state.unit_status.status, "blocked");
    assert_eq!(
        out.state.unit_status.message,
        "Unable to install packages hello, no-such-package: E: Unable to locate package no-such-package"
    );
    // Bounded: the first hook's list update, one install, a list update, two retries
    // with backoff.
    let runs = machine.apt_get_runs();
    assert_eq!(runs.len(), 5, "{runs:?}");
    assert!(runs[2].ends_with("apt-get update"), "{runs:?}");
    assert!(
        runs[4].ends_with("install hello no-such-package"),
        "{runs:?}"
    );
    assert_eq!(*machine.sleeps.borrow(), layer_apt::apt_get::ERROR_BACKOFF);

    // Queued with the API from another layer's handler: the flag is set.
    let mut state = State::default();
    state
        .unit_state
        .insert("apt.install_queue.cowsay".into(), "null".into());
    let state = state.with_flags(["apt.queued_installs"]);
    machine.clear();
    let out = run(&machine, &harness("{}"), "update-status", &state);
    assert!(!has_flag(&out.state, "apt.queued_installs"));
    assert!(has_flag(&out.state, "apt.installed.cowsay"));
    assert!(!out
        .state
        .unit_state
        .contains_key("apt.install_queue.cowsay"));
}
