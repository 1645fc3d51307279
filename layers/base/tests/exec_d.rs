//! exec.d/*/charm-pre-install: run once each, before the first handler, in name order.

use charms_reactive::prelude::*;
use charms_reactive::testing::{Harness, State};
use layer_base as _;
use test_support::{tmp, write_executable, write_file};

mod charm {
    use charms_reactive::prelude::*;

    #[hook("install")]
    fn install() -> Result<()> {
        let log = charm_dir().join("ran.log");
        let seen = std::fs::read_to_string(&log).unwrap_or_default();
        std::fs::write(&log, format!("{seen}install handler\n"))?;
        Ok(())
    }
}

fn harness(dir: &std::path::Path) -> Harness {
    Harness::new()
        .only(["layer_base", "exec_d::charm"])
        .layers(["layer_base", "exec_d"])
        .charm_dir(dir)
}

#[test]
fn pre_install_scripts_run_once_before_the_first_handler() -> anyhow::Result<()> {
    let dir = tmp!("exec-d");
    write_executable(
        dir.join("exec.d/b-certs/charm-pre-install"),
        "#!/bin/sh\necho b >> ran.log\n",
    );
    write_executable(
        dir.join("exec.d/a-proxy/charm-pre-install"),
        "#!/bin/sh\necho a >> ran.log\n",
    );
    write_file(
        dir.join("exec.d/c-not-executable/charm-pre-install"),
        "#!/bin/sh\necho c >> ran.log\n",
    );
    let out = harness(&dir).run("install", &State::default())?;
    assert_eq!(
        std::fs::read_to_string(dir.join("ran.log"))?,
        "a\nb\ninstall handler\n"
    );
    assert!(out
        .state
        .unit_state
        .contains_key(layer_base::exec_d::DONE_KEY));
    // Never again, not even in another install.
    harness(&dir).run("config-changed", &out.state)?;
    harness(&dir).run("install", &out.state)?;
    assert_eq!(
        std::fs::read_to_string(dir.join("ran.log"))?,
        "a\nb\ninstall handler\ninstall handler\n"
    );
    // A script added by an upgrade runs in upgrade-charm; the others do not.
    write_executable(
        dir.join("exec.d/d-new/charm-pre-install"),
        "#!/bin/sh\necho d >> ran.log\n",
    );
    harness(&dir).run("upgrade-charm", &out.state)?;
    assert!(std::fs::read_to_string(dir.join("ran.log"))?.ends_with("install handler\nd\n"));
    Ok(())
}

#[test]
fn a_failing_pre_install_script_fails_the_hook_and_runs_again() -> anyhow::Result<()> {
    let dir = tmp!("exec-d-fail");
    write_executable(
        dir.join("exec.d/proxy/charm-pre-install"),
        "#!/bin/sh\necho run >> ran.log\necho 'no proxy configured' >&2\nexit 3\n",
    );
    let failure = harness(&dir)
        .run("install", &State::default())
        .expect_err("the script fails");
    let error = format!("{:#}", failure.error);
    assert!(
        error.contains(
            "exec.d/proxy/charm-pre-install failed (exit status: 3): no proxy configured"
        ),
        "{error}"
    );
    assert!(
        failure.invoked.is_empty(),
        "no handler ran: {:?}",
        failure.invoked
    );
    let _ = harness(&dir).run("install", &failure.state);
    assert_eq!(std::fs::read_to_string(dir.join("ran.log"))?, "run\nrun\n");
    Ok(())
}

#[allow(dead_code)]
fn _prelude() -> Result<()> {
    Ok(())
}
