//! The apt layer's behaviour beyond its flags: package_status, retries and their bound,
//! the workload version, purge, keys.

mod common;

use charms_reactive::testing::State;
use common::{harness, has_flag, run, FakeMachine};
use layer_apt::apt_get::{display_version, LOCK_BACKOFF};
use test_support::tmp;

#[test]
fn an_invalid_package_status_blocks_naming_the_allowed_values_and_installs_nothing() {
    let machine = FakeMachine::new(tmp!("bad-package-status"));
    let h = harness("{packages: [hello]}");
    let state = State::default().with_config("package_status", "frozen");
    let out = run(&machine, &h, "install", &state);
    assert_eq!(out.state.unit_status.status, "blocked");
    assert_eq!(
        out.state.unit_status.message,
        "Invalid package_status \"frozen\": must be one of install, hold"
    );
    assert!(!machine
        .commands
        .borrow()
        .iter()
        .any(|c| c.contains("install hello")));
    assert!(has_flag(&out.state, "apt.queued_installs"));
    // Fixed: the next hook installs.
    let fixed = run(
        &machine,
        &h,
        "config-changed",
        &out.state.clone().with_config("package_status", "install"),
    );
    assert!(has_flag(&fixed.state, "apt.installed.hello"));
}

#[test]
fn package_status_hold_holds_the_installed_packages_once() {
    let machine = FakeMachine::new(tmp!("hold"));
    let h = harness("{packages: [hello]}");
    let out = run(
        &machine,
        &h,
        "install",
        &State::default().with_config("package_status", "hold"),
    );
    assert!(machine.held.borrow().contains("hello"));
    machine.clear();
    let again = run(&machine, &h, "update-status", &out.state);
    assert!(
        machine.commands.borrow().is_empty(),
        "{:?}",
        machine.commands.borrow()
    );
    run(
        &machine,
        &h,
        "config-changed",
        &again.state.clone().with_config("package_status", "install"),
    );
    assert!(machine.held.borrow().is_empty());
    assert!(machine
        .commands
        .borrow()
        .iter()
        .any(|c| c.ends_with("apt-mark unhold hello")));
}

#[test]
fn a_held_dpkg_lock_is_waited_for_with_backoff_up_to_a_bound() {
    let machine = FakeMachine::new(tmp!("lock"));
    let h = harness("{packages: [hello]}");
    // Held for the first three tries of the list update: waited for, then it works.
    machine.lock_held_for.set(3);
    let out = run(&machine, &h, "install", &State::default());
    assert!(has_flag(&out.state, "apt.installed.hello"));
    assert_eq!(*machine.sleeps.borrow(), LOCK_BACKOFF[..3]);

    // Held for ever: the install gives up after the last wait and blocks.
    let machine = FakeMachine::new(tmp!("lock-forever"));
    let state = out.state.clone().with_config("extra_packages", "cowsay");
    machine.lock_held_for.set(usize::MAX);
    let out = run(&machine, &h, "config-changed", &state);
    assert_eq!(*machine.sleeps.borrow(), LOCK_BACKOFF);
    assert_eq!(machine.apt_get_runs().len(), LOCK_BACKOFF.len() + 1);
    assert_eq!(out.state.unit_status.status, "blocked");
    assert!(
        out.state.unit_status.message.contains("cowsay"),
        "{}",
        out.state.unit_status.message
    );
    assert!(
        out.state.unit_status.message.contains("Could not get lock"),
        "{}",
        out.state.unit_status.message
    );
}

#[test]
fn the_workload_version_is_the_version_package_s_upstream_version() {
    let machine = FakeMachine::new(tmp!("version"));
    let h = harness("{packages: [hello], version_package: hello}");
    let out = run(&machine, &h, "install", &State::default());
    assert_eq!(out.state.workload_version, "2.10");
    // Nothing changed: not queried nor set again.
    machine.clear();
    let again = run(&machine, &h, "update-status", &out.state);
    assert!(
        machine.commands.borrow().is_empty(),
        "{:?}",
        machine.commands.borrow()
    );
    assert!(again.record.workload_versions.is_empty());
    // full_version keeps the revision.
    let machine = FakeMachine::new(tmp!("full-version"));
    let h = harness("{packages: [cowsay], version_package: cowsay, full_version: true}");
    let out = run(&machine, &h, "install", &State::default());
    assert_eq!(out.state.workload_version, "3.03+dfsg2-8");
    assert_eq!(display_version("3.03+dfsg2-8", false), "3.03");
    assert_eq!(display_version("1:2.10-3ubuntu1", false), "2.10");
    assert_eq!(display_version("1:2.10-3ubuntu1", true), "1:2.10-3ubuntu1");
}

#[test]
fn purge_removes_the_package_and_its_flag() {
    use charms_reactive::prelude::*;

    #[when("apt.installed.cowsay", "test.purge")]
    fn purge_cowsay() -> Result<()> {
        layer_apt::purge(["cowsay"])?;
        clear_flag("test.purge");
        Ok(())
    }

    let machine = FakeMachine::new(tmp!("purge"));
    let h = harness("{}").only(["behaviour::purge_cowsay"]);
    let out = run(
        &machine,
        &h,
        "install",
        &State::default().with_config("extra_packages", "cowsay"),
    );
    assert!(has_flag(&out.state, "apt.installed.cowsay"));
    let state = out
        .state
        .clone()
        .with_config("extra_packages", "")
        .with_flags(["test.purge"]);
    let out = run(&machine, &h, "config-changed", &state);
    assert!(!has_flag(&out.state, "apt.installed.cowsay"));
    assert!(!machine.installed.borrow().contains("cowsay"));
    assert!(machine
        .commands
        .borrow()
        .iter()
        .any(|c| c.ends_with("apt-get --assume-yes purge cowsay")));
}

#[test]
fn install_keys_write_armoured_keys_and_refuse_key_ids() {
    let machine = FakeMachine::new(tmp!("keys"));
    let h = harness("{}");
    let key = "-----BEGIN PGP PUBLIC KEY BLOCK-----\\nabc\\n-----END PGP PUBLIC KEY BLOCK-----";
    let state = State::default()
        .with_config("install_sources", "['deb http://a.example/ jammy main']")
        .with_config("install_keys", format!("[\"{key}\"]"));
    let out = run(&machine, &h, "install", &state);
    let written =
        std::fs::read_to_string(machine.root.join("etc/apt/trusted.gpg.d/test-charm-0.asc"))
            .expect("the key");
    assert!(written.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----\nabc"));
    assert!(!has_flag(&out.state, "apt.needs_update"));

    let state = out
        .state
        .clone()
        .with_config("install_keys", "[ABCDEF0123456789]");
    let out = run(&machine, &h, "config-changed", &state);
    assert_eq!(out.state.unit_status.status, "blocked");
    assert!(
        out.state
            .unit_status
            .message
            .contains("install_keys: entry 1 is not an armoured public key"),
        "{}",
        out.state.unit_status.message
    );
}

#[test]
fn a_status_of_the_charm_s_layer_wins_a_tie_with_the_apt_layer_s() {
    use charms_reactive::prelude::*;

    #[when("test.charm_blocked")]
    fn charm_blocked() -> Result<()> {
        status::blocked("the charm's own reason")?;
        Ok(())
    }

    let machine = FakeMachine::new(tmp!("status-tie"));
    // The charm's crate (this test binary, `behaviour`) is the top layer.
    let h = harness("{}")
        .layers(["layer_base", "layer_apt", "behaviour"])
        .only(["behaviour::charm_blocked"]);
    let state = State::default()
        .with_config("package_status", "frozen")
        .with_flags(["test.charm_blocked"]);
    let out = run(&machine, &h, "update-status", &state);
    assert_eq!(out.state.unit_status.message, "the charm's own reason");
    // Without the charm's status, the apt layer's shows.
    let out = run(
        &machine,
        &h,
        "update-status",
        &State::default().with_config("package_status", "frozen"),
    );
    assert!(out
        .state
        .unit_status
        .message
        .starts_with("Invalid package_status"));
}

#[test]
fn a_package_no_longer_asked_for_leaves_the_queue() {
    let machine = FakeMachine::new(tmp!("unqueue"));
    let h = harness("{packages: [hello]}");
    let out = run(
        &machine,
        &h,
        "install",
        &State::default().with_config("extra_packages", "helo"),
    );
    assert_eq!(out.state.unit_status.status, "blocked");
    assert!(has_flag(&out.state, "apt.queued_installs"));
    // The operator fixes the typo: the misspelt package is forgotten.
    machine.clear();
    let fixed = run(
        &machine,
        &h,
        "config-changed",
        &out.state.clone().with_config("extra_packages", "cowsay"),
    );
    assert!(!has_flag(&fixed.state, "apt.queued_installs"));
    assert!(
        has_flag(&fixed.state, "apt.installed.hello")
            && has_flag(&fixed.state, "apt.installed.cowsay")
    );
    assert!(
        !machine.commands.borrow().iter().any(|c| c.contains("helo")),
        "{:?}",
        machine.commands.borrow()
    );
}

/// Runs the policy helper as Debian's tools do (`policy-rc.d [options] <id> <action>`).
fn policy_answer(helper: &std::path::Path, args: &[&str]) -> i32 {
    std::process::Command::new("sh")
        .arg(helper)
        .args(args)
        .status()
        .expect("sh runs")
        .code()
        .unwrap_or(-1)
}

#[test]
fn no_start_denies_starting_the_named_services_only_while_the_install_runs() {
    let root = tmp!("no-start");
    let machine = FakeMachine::new(root.clone());
    let h = harness("{packages: [hello, cowsay], no_start: [hello]}");
    let out = run(&machine, &h, "install", &State::default());
    assert!(has_flag(&out.state, "apt.installed.hello"));
    let text = machine
        .policy_during_install
        .borrow()
        .clone()
        .expect("a policy-rc.d while apt-get install ran");
    let helper = root.join("helper.sh");
    std::fs::write(&helper, text).unwrap();
    for (args, want) in [
        (&["hello.service", "start"][..], 101),
        (&["hello", "start"][..], 101),
        (&["--quiet", "hello", "restart"][..], 101),
        (&["hello", "try-restart"][..], 101),
        (&["hello", "stop"][..], 0),
        (&["cowsay.service", "start"][..], 0),
        (&["hello-extra", "start"][..], 0),
        // invoke-rc.d asks "(start)" for what its own policy refuses: still refused.
        (&["hello", "(start)"][..], 101),
        (&["cowsay", "(restart)"][..], 101),
    ] {
        assert_eq!(policy_answer(&helper, args), want, "policy-rc.d {args:?}");
    }
    assert!(
        !root.join("usr/sbin/policy-rc.d").exists(),
        "the helper is removed once the install returns"
    );
}

#[test]
fn no_start_leaves_a_machine_s_own_policy_rc_d_and_removes_one_a_killed_hook_left() {
    let root = tmp!("no-start-foreign");
    std::fs::create_dir_all(root.join("usr/sbin")).unwrap();
    let own = "#!/bin/sh\nexit 101\n";
    std::fs::write(root.join("usr/sbin/policy-rc.d"), own).unwrap();
    let machine = FakeMachine::new(root.clone());
    let h = harness("{packages: [hello], no_start: [hello]}");
    let out = run(&machine, &h, "install", &State::default());
    assert!(has_flag(&out.state, "apt.installed.hello"));
    assert_eq!(machine.policy_during_install.borrow().as_deref(), Some(own));
    assert_eq!(
        std::fs::read_to_string(root.join("usr/sbin/policy-rc.d")).unwrap(),
        own
    );

    // A helper of this layer's left by a hook killed mid-install goes at the next hook.
    let left = layer_apt::no_start::script(&["hello".to_string()]);
    std::fs::write(root.join("usr/sbin/policy-rc.d"), left).unwrap();
    run(&machine, &h, "update-status", &out.state);
    assert!(!root.join("usr/sbin/policy-rc.d").exists());
}

#[test]
fn no_start_refuses_a_name_that_is_not_a_service_and_installs_nothing() {
    let machine = FakeMachine::new(tmp!("no-start-bad"));
    let h = harness("{packages: [hello], no_start: [\"x) rm -rf /;\"]}");
    let out = run(&machine, &h, "install", &State::default());
    assert_eq!(out.state.unit_status.status, "blocked");
    assert!(
        out.state.unit_status.message.contains("apt.no_start"),
        "{}",
        out.state.unit_status.message
    );
    assert!(machine
        .apt_get_runs()
        .iter()
        .all(|c| !c.contains("install")));
    assert!(has_flag(&out.state, "apt.queued_installs"));
}
