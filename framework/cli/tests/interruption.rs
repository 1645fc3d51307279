//! Issue 16 item 5, interruption, as a user meets it: a `reactive model` command that is
//! interrupted (SIGINT, SIGTERM) or killed (SIGKILL) at a moment chosen from what it has
//! visibly done so far (the k-th hook it started, a folder it made) leaves a model that
//! `status` reads and that the next commands complete; `destroy` then leaves nothing of
//! it running or mounted.
//!
//! The kill moments come from observable progress, never from a sleep: each test charm
//! appends one line per hook to a progress file when the hook starts.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use test_support::cli::CliModel;
use test_support::{tmp, write_file};

mod interruption_common;

use interruption_common::*;

// ---------------------------------------------------------------------------------
// (a) SIGTERM and SIGINT during a long hook

/// A charm whose first `install` starts a child and waits for it (ten minutes of work),
/// after writing both PIDs (`<unit dir>/pids`); every later run is quick. `start` sets
/// the status.
const LONG_INSTALL: &str = r#"#!/bin/sh
d="$CHARM_DIR/.."
case "$JUJU_HOOK_NAME" in
install)
  if [ ! -e "$d/installed-once" ]; then
    touch "$d/installed-once"
    sleep 600 &
    echo "$$ $!" > "$d/pids.new" && mv "$d/pids.new" "$d/pids"
    wait
  fi ;;
start) status-set active ready ;;
esac
exit 0
"#;

#[test]
fn item_5_sigterm_and_sigint_during_a_long_hook_end_its_process_group_and_fail_the_hook() {
    for (name, number) in [("TERM", 15), ("INT", 2)] {
        let root = tmp!(format!("cli-interrupt-{name}"));
        let charm = test_support::charm::write_charm(
            &root,
            "long",
            "name: long\nsummary: s\ndescription: d\n",
            LONG_INSTALL,
        );
        let m = CliModel::new(REACTIVE, root.join("model"));
        m.ok(&["init"]);
        let child = start(&m, &["deploy", &charm.to_string_lossy()]);
        let pids_file = m.dir.join("units/unit-long-0/pids");
        let pids: Vec<u32> = poll("the install hook to write its pids", || {
            let text = std::fs::read_to_string(&pids_file).ok()?;
            let pids: Vec<u32> = text
                .split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect();
            (pids.len() == 2).then_some(pids)
        });
        assert!(pids.iter().all(|p| alive(*p)), "the hook runs: {pids:?}");
        signal(&child, name);
        let (code, err) = finish(child);
        assert_eq!(code, Some(128 + number), "SIG{name}: {err}");
        assert!(err.contains(&format!("interrupted by SIG{name}")), "{err}");
        // The hook's whole process group is gone: the hook and the child it started.
        poll("the hook's processes to end", || {
            pids.iter().all(|p| !alive(*p)).then_some(())
        });
        let status = m.ok_stdout(&["status"]);
        assert!(status.contains("hook failed: \"install\""), "{status}");
        assert_eq!(units_in_error(&m), vec!["long/0".to_string()]);
        let log = m.files().log();
        assert!(
            log.lines()
                .any(|l| l.contains("long/0 install error") && l.contains("signal")),
            "{log}"
        );
        // The model stays usable: resolve runs install again, and the unit starts.
        m.ok(&["resolve", "long/0"]);
        let states = unit_states(&m);
        assert_eq!(
            states,
            vec![("long/0".into(), "active".into(), "ready".into(), true)],
            "SIG{name}"
        );
        m.ok(&["destroy"]);
        assert!(!m.dir.exists());
    }
}

#[test]
fn item_5_sigkill_during_a_long_hook_leaves_it_to_the_next_command_which_ends_it_and_fails_it() {
    let root = tmp!("cli-interrupt-KILL");
    let charm = test_support::charm::write_charm(
        &root,
        "long",
        "name: long\nsummary: s\ndescription: d\n",
        LONG_INSTALL,
    );
    let m = CliModel::new(REACTIVE, root.join("model"));
    m.ok(&["init"]);
    let child = start(&m, &["deploy", &charm.to_string_lossy()]);
    let pids_file = m.dir.join("units/unit-long-0/pids");
    let pids: Vec<u32> = poll("the install hook to write its pids", || {
        let text = std::fs::read_to_string(&pids_file).ok()?;
        let pids: Vec<u32> = text
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect();
        (pids.len() == 2).then_some(pids)
    });
    signal(&child, "KILL");
    let (code, _) = finish(child);
    assert_eq!(code, None, "killed by the signal");
    // Nothing could end the hook: it still runs, and status reads the model.
    assert!(pids.iter().all(|p| alive(*p)), "{pids:?}");
    m.ok(&["status"]);
    // The next command ends the hook's whole group and records it as failed.
    let o = m.ok(&["tick"]);
    let err = test_support::cli::stderr(&o);
    assert!(
        err.contains(
            "the install hook of long/0 was cut short by a killed command: recorded as failed"
        ),
        "{err}"
    );
    poll("the hook's processes to end", || {
        pids.iter().all(|p| !alive(*p)).then_some(())
    });
    assert_eq!(units_in_error(&m), vec!["long/0".to_string()]);
    let status = m.ok_stdout(&["status"]);
    assert!(status.contains("hook failed: \"install\""), "{status}");
    m.ok(&["resolve", "long/0"]);
    assert_eq!(
        unit_states(&m),
        vec![("long/0".into(), "active".into(), "ready".into(), true)]
    );
    m.ok(&["destroy"]);
    assert!(!m.dir.exists());
}

// ---------------------------------------------------------------------------------
// (c) SIGKILL during add-unit, remove-unit, relate, config and destroy (local provider)

/// `kv` with a `greeting` option; each hook appends `<unit> <hook>` to the progress file
/// when it starts and takes a moment of work; `start` and `config-changed` show the
/// greeting.
fn kv_dispatch(progress: &Path) -> String {
    format!(
        r#"#!/bin/sh
echo "$JUJU_UNIT_NAME $JUJU_HOOK_NAME" >> {progress}
case "$JUJU_HOOK_NAME" in
start|config-changed) status-set active "$(config-get greeting)" ;;
esac
sleep 0.2
exit 0
"#,
        progress = progress.display()
    )
}

fn web_dispatch(progress: &Path) -> String {
    format!(
        r#"#!/bin/sh
echo "$JUJU_UNIT_NAME $JUJU_HOOK_NAME" >> {progress}
[ "$JUJU_HOOK_NAME" = start ] && status-set active ready
sleep 0.2
exit 0
"#,
        progress = progress.display()
    )
}

struct Case {
    name: &'static str,
    setup: &'static [&'static [&'static str]],
    op: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        name: "add-unit",
        setup: &[&["deploy", "@kv"]],
        op: &["add-unit", "kv"],
    },
    Case {
        name: "remove-unit",
        setup: &[&["deploy", "@kv", "-n", "2"]],
        op: &["remove-unit", "kv/1"],
    },
    Case {
        name: "relate",
        setup: &[&["deploy", "@kv"], &["deploy", "@web"]],
        op: &["relate", "kv", "web"],
    },
    Case {
        name: "config",
        setup: &[&["deploy", "@kv", "-n", "3"]],
        op: &["config", "kv", "greeting=bye"],
    },
];

fn args_with(args: &[&str], kv: &Path, web: &Path) -> Vec<String> {
    args.iter()
        .map(|a| match *a {
            "@kv" => kv.display().to_string(),
            "@web" => web.display().to_string(),
            other => other.to_string(),
        })
        .collect()
}

fn run_case(
    root: &Path,
    case: &Case,
    kill_after: Option<usize>,
) -> Vec<(String, String, String, bool)> {
    let progress = root.join("progress");
    let kv = test_support::charm::write_charm(
        root,
        "kv",
        test_support::charm::KV,
        &kv_dispatch(&progress),
    );
    write_file(
        kv.join("config.yaml"),
        "options:\n  greeting: {type: string, default: hi}\n",
    );
    let web = test_support::charm::write_charm(
        root,
        "web",
        test_support::charm::WEB,
        &web_dispatch(&progress),
    );
    let m = CliModel::new(REACTIVE, root.join("model"));
    m.ok(&["init"]);
    for step in case.setup {
        let args = args_with(step, &kv, &web);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        m.ok(&args);
    }
    let before = lines(&progress);
    let op = args_with(case.op, &kv, &web);
    let op: Vec<&str> = op.iter().map(String::as_str).collect();
    match kill_after {
        None => {
            m.ok(&op);
        }
        Some(k) => {
            let mut child = start(&m, &op);
            // Killed once the op's k-th hook has started (or when it ended by itself).
            poll(&format!("hook {k} of {}", case.name), || {
                (lines(&progress) >= before + k || child.try_wait().ok().flatten().is_some())
                    .then_some(())
            });
            signal(&child, "KILL");
            let _ = finish(child);
            // The model reads, and the next commands complete what the killed one began.
            m.ok(&["status"]);
            complete(&m);
        }
    }
    let states = unit_states(&m);
    let units_dir: BTreeSet<String> = std::fs::read_dir(m.dir.join("units"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    let expected_dirs: BTreeSet<String> = states
        .iter()
        .map(|(n, ..)| format!("unit-{}", n.replace('/', "-")))
        .collect();
    assert_eq!(
        units_dir, expected_dirs,
        "{}: a folder per unit, no other",
        case.name
    );
    let tool_links: BTreeSet<String> = std::fs::read_dir(m.dir.join("tools"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("unit-"))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        tool_links, expected_dirs,
        "{}: agent tools links of live units only",
        case.name
    );
    if case.name == "relate" {
        let text = std::fs::read_to_string(&progress).unwrap_or_default();
        for line in [
            "kv/0 db-relation-changed",
            "web/0 database-relation-changed",
        ] {
            assert!(text.contains(line), "{}: {line} ran:\n{text}", case.name);
        }
    }
    // No hook of a killed command is left running, and destroy removes everything.
    m.ok(&["destroy"]);
    assert!(!m.dir.exists(), "{}", case.name);
    states
}

#[test]
fn item_5_sigkill_during_add_unit_remove_unit_relate_and_config_is_completed_by_the_next_commands()
{
    for (i, case) in CASES.iter().enumerate() {
        let expected = run_case(&tmp!(format!("cli-kill-{}-ref", case.name)), case, None);
        for seed in 1..=2u64 {
            // The moment: after the op's 1st, 2nd or 3rd hook started.
            let k = 1 + (mix(seed * 100 + i as u64) % 3) as usize;
            let root = tmp!(format!("cli-kill-{}-{seed}", case.name));
            let got = run_case(&root, case, Some(k));
            assert_eq!(
                got, expected,
                "{} killed after hook {k} (seed {seed})",
                case.name
            );
        }
    }
}

#[test]
fn item_5_sigkill_during_destroy_is_completed_by_the_next_destroy() {
    for seed in 0..=1u64 {
        let root = tmp!(format!("cli-kill-destroy-{seed}"));
        let progress = root.join("progress");
        let kv = test_support::charm::write_charm(
            &root,
            "kv",
            test_support::charm::KV,
            &kv_dispatch(&progress),
        );
        write_file(
            kv.join("config.yaml"),
            "options:\n  greeting: {type: string, default: hi}\n",
        );
        let m = CliModel::new(REACTIVE, root.join("model"));
        m.ok(&["init"]);
        m.ok(&["deploy", &kv.to_string_lossy(), "-n", "2"]);
        let child = start(&m, &["destroy"]);
        if seed == 1 {
            // The moment: once destroy has removed the units' folders.
            let mut child = child;
            poll("destroy to remove the units' folders", || {
                (!m.dir.join("units").exists() || child.try_wait().ok().flatten().is_some())
                    .then_some(())
            });
            signal(&child, "KILL");
            let _ = finish(child);
        } else {
            signal(&child, "KILL");
            let _ = finish(child);
        }
        if m.dir.join("model.json").exists() {
            m.ok(&["status"]);
            m.ok(&["destroy"]);
            assert!(!m.dir.exists(), "seed {seed}");
        } else if m.dir.exists() {
            // Killed after the state went: only the lock file may be left, and the name
            // is free (init works there).
            let left: Vec<PathBuf> = std::fs::read_dir(&m.dir)
                .map(|d| d.flatten().map(|e| e.path()).collect())
                .unwrap_or_default();
            assert!(
                left.iter().all(|p| p.ends_with(".lock")),
                "seed {seed}: {left:?}"
            );
            m.ok(&["init"]);
            m.ok(&["destroy"]);
        }
    }
}

// ---------------------------------------------------------------------------------
// Descriptors: what a hook leaves running keeps nothing of the command

/// `install` starts a daemon in a session of its own (it outlives the hook and the
/// command) and writes its pid.
const DAEMON: &str = r#"#!/bin/sh
d="$CHARM_DIR/.."
if [ "$JUJU_HOOK_NAME" = install ]; then
  setsid sleep 600 < /dev/null > /dev/null 2>&1 &
  echo $! > "$d/daemon.pid"
fi
exit 0
"#;

#[test]
fn item_5_a_lock_held_around_a_command_is_not_kept_by_the_daemons_its_hooks_start() {
    let root = tmp!("cli-interrupt-descriptors");
    let charm = test_support::charm::write_charm(
        &root,
        "daemon",
        "name: daemon\nsummary: s\ndescription: d\n",
        DAEMON,
    );
    let m = CliModel::new(REACTIVE, root.join("model"));
    m.ok(&["init"]);
    // As the test suite runs machines commands: `flock <lock> reactive …`, whose lock
    // descriptor the command inherits.
    let lock = root.join("lock");
    let mut cmd = std::process::Command::new("flock");
    cmd.arg(&lock)
        .arg(&m.bin)
        .args(["model", "--model"])
        .arg(&m.dir);
    cmd.arg("deploy").arg(&charm);
    cmd.env("REACTIVE_HOOK_TOOL", &m.bin);
    test_support::run_ok(&mut cmd);
    let pid_file = m.dir.join("units/unit-daemon-0/daemon.pid");
    let daemon: u32 = std::fs::read_to_string(&pid_file)
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or_else(|| panic!("{} holds the daemon's pid", pid_file.display()));
    assert!(alive(daemon), "the daemon outlives the command");
    // The lock is free although the daemon still runs.
    let free = std::process::Command::new("flock")
        .args(["-n"])
        .arg(&lock)
        .arg("true")
        .status()
        .unwrap_or_else(|e| panic!("running flock: {e}"));
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &daemon.to_string()])
        .status();
    assert!(free.success(), "the daemon keeps the command's lock");
    m.ok(&["destroy"]);
}
