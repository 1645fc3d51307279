//! Issue 16 item 3 at the command line: `reactive model debug-log` prints records as
//! `juju debug-log` does (`unit-kv-0: 12:01:02 INFO unit.kv/0.juju-log Hello`), with its
//! entity, level and count options, follows the log with `--tail` while a hook runs,
//! and `model-config logging-config=…` decides what is recorded. What the model records
//! is tested through its library in framework/model/tests/debug_log.rs.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use test_support::charm::{write_charm, KV};
use test_support::cli::{stderr, CliModel};
use test_support::tmp;

const REACTIVE: &str = env!("CARGO_BIN_EXE_reactive");

/// Every hook logs four records, one of them on two lines.
const LOGGER: &str = "#!/bin/sh
juju-log \"hello from $JUJU_HOOK_NAME\"
juju-log -l WARNING \"careful in $JUJU_HOOK_NAME\"
juju-log --debug \"detail in $JUJU_HOOK_NAME\"
juju-log \"$(printf 'line one\\nline two in %s' \"$JUJU_HOOK_NAME\")\"
exit 0
";

/// Whether `line` has juju debug-log's shape with `--utc` (and `--date --ms`).
fn juju_shaped(line: &str, date_and_ms: bool) -> bool {
    let Some((entity, rest)) = line.split_once(": ") else {
        return false;
    };
    let time_len = if date_and_ms { 23 } else { 8 };
    let (time, rest) = rest.split_at(time_len.min(rest.len()));
    let digits_at = |t: &str, seps: &[(usize, u8)]| {
        t.bytes().enumerate().all(|(i, b)| {
            seps.iter()
                .find(|(at, _)| *at == i)
                .map_or(b.is_ascii_digit(), |(_, sep)| b == *sep)
        })
    };
    let time_ok = if date_and_ms {
        digits_at(
            time,
            &[
                (4, b'-'),
                (7, b'-'),
                (10, b' '),
                (13, b':'),
                (16, b':'),
                (19, b'.'),
            ],
        )
    } else {
        digits_at(time, &[(2, b':'), (5, b':')])
    };
    let mut words = rest.trim_start().splitn(3, ' ');
    let level = words.next().unwrap_or_default();
    let module = words.next().unwrap_or_default();
    entity.starts_with("unit-kv-")
        && time_ok
        && ["TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"].contains(&level)
        && !module.is_empty()
}

#[test]
fn item_3_debug_log_prints_jujus_format_and_takes_its_options() {
    let root = tmp!("cli-item-3-debug-log");
    let charm = write_charm(&root, "kv", KV, LOGGER);
    let m = CliModel::new(REACTIVE, root.join("model"));
    m.ok(&["init"]);
    m.ok(&["deploy", charm.to_str().expect("utf-8 path"), "-n", "2"]);

    let all = m.ok_stdout(&["debug-log", "--replay", "--utc"]);
    assert!(all.lines().count() > 20, "{all}");
    assert!(all.lines().all(|l| juju_shaped(l, false)), "{all}");
    assert!(
        all.contains(" INFO unit.kv/0.juju-log hello from install\n")
            && all.contains(" WARNING unit.kv/1.juju-log careful in install\n")
            && all.contains(
                " INFO juju.worker.uniter.operation ran \"install\" hook (via hook dispatching script: dispatch)\n"
            ),
        "{all}"
    );
    // Default logging-config (<root>=INFO): no DEBUG record.
    assert!(!all.contains(" DEBUG "), "{all}");
    let full = m.ok_stdout(&["debug-log", "--replay", "--utc", "--date", "--ms"]);
    assert!(full.lines().all(|l| juju_shaped(l, true)), "{full}");

    // Entities as juju names them: a unit, an application, a tag; include and exclude.
    let only_1 = m.ok_stdout(&["debug-log", "--replay", "--include", "kv/1"]);
    assert!(
        !only_1.is_empty() && only_1.lines().all(|l| l.starts_with("unit-kv-1: ")),
        "{only_1}"
    );
    // A multi-line message: both lines, each with the unit (so --include keeps both).
    assert!(only_1.contains("juju-log line one\n"), "{only_1}");
    assert!(
        only_1.contains("juju-log line two in install\n"),
        "{only_1}"
    );
    let app = m.ok_stdout(&["debug-log", "--replay", "-i", "kv", "-x", "unit-kv-0"]);
    assert_eq!(app, only_1);
    let tag = m.ok_stdout(&["debug-log", "--replay", "--include", "unit-kv-*"]);
    assert_eq!(tag.lines().count(), all.lines().count());

    // Levels: this one and more severe; Juju's message for a bad one.
    let warnings = m.ok_stdout(&["debug-log", "--replay", "--level", "WARNING"]);
    assert!(
        !warnings.is_empty()
            && warnings
                .lines()
                .all(|l| l.contains(" WARNING ") || l.contains(" ERROR ")),
        "{warnings}"
    );
    let o = m.run(&["debug-log", "--level", "LOUD"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "error: level value \"LOUD\" is not one of \"TRACE\", \"DEBUG\", \"INFO\", \"WARNING\", \"ERROR\"\n"
    );

    // How many: the last 10 by default, -n N, --limit N; the latest ones.
    let last = |args: &[&str]| {
        m.ok_stdout(args)
            .lines()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    let every = last(&["debug-log", "--replay"]);
    assert_eq!(last(&["debug-log"]), every[every.len() - 10..]);
    assert_eq!(last(&["debug-log", "-n", "3"]), every[every.len() - 3..]);
    assert_eq!(
        last(&["debug-log", "--limit", "2"]),
        every[every.len() - 2..]
    );

    // logging-config: units at DEBUG, their DEBUG records appear; loggo's errors.
    m.ok(&["model-config", "logging-config=<root>=INFO;unit=DEBUG"]);
    assert!(m
        .ok_stdout(&["model-config", "logging-config"])
        .contains("<root>=INFO;unit=DEBUG"));
    m.ok(&["tick"]);
    let debug = m.ok_stdout(&[
        "debug-log",
        "--replay",
        "--level",
        "DEBUG",
        "--include",
        "kv/0",
    ]);
    assert!(
        debug.contains(" DEBUG unit.kv/0.juju-log detail in update-status\n"),
        "{debug}"
    );
    let o = m.run(&["model-config", "logging-config=unit=LOUD"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("logging-config: unknown severity level \"LOUD\""),
        "{}",
        stderr(&o)
    );
}

#[test]
fn item_3_debug_log_tail_prints_records_while_a_hook_runs() {
    let root = tmp!("cli-item-3-tail");
    let go = root.join("go");
    let dispatch = format!(
        "#!/bin/sh\nif [ \"$JUJU_HOOK_NAME\" = install ]; then\n  juju-log before-the-wait\n  n=0\n  while [ ! -e {go} ] && [ $n -lt 3000 ]; do sleep 0.1; n=$((n+1)); done\n  juju-log after-the-wait\nfi\nexit 0\n",
        go = go.display()
    );
    let charm = write_charm(&root, "kv", KV, &dispatch);
    let m = CliModel::new(REACTIVE, root.join("model"));
    m.ok(&["init"]);
    let mut deploy = m
        .command(&["deploy", charm.to_str().expect("utf-8 path")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("reactive model deploy");
    let mut tail = m
        .command(&["debug-log", "--tail"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("reactive model debug-log --tail");
    let (send, lines) = mpsc::channel();
    let stdout = tail.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if send.send(line).is_err() {
                break;
            }
        }
    });
    let wait_for = |text: &str| {
        let deadline = Instant::now() + Duration::from_secs(240);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) if line.ends_with(text) => return line,
                Ok(_) => {}
                Err(e) => panic!("debug-log --tail printed no {text:?}: {e}"),
            }
        }
    };
    let line = wait_for(" INFO unit.kv/0.juju-log before-the-wait");
    assert!(line.starts_with("unit-kv-0: "), "{line}");
    assert!(
        deploy.try_wait().expect("deploy status").is_none(),
        "the hook is still waiting, so deploy is still running"
    );
    std::fs::write(&go, "").expect("signal file");
    wait_for(" INFO unit.kv/0.juju-log after-the-wait");
    assert!(deploy.wait().expect("deploy").success());
    // A reader that goes away ends --tail quietly at its next record, as with
    // `debug-log --tail | head`.
    drop(lines);
    m.ok(&["tick"]);
    // The reader thread takes that tick's record, finds no receiver and closes the pipe.
    let _ = reader.join();
    m.ok(&["tick"]);
    let deadline = Instant::now() + Duration::from_secs(240);
    let status = loop {
        if let Some(status) = tail.try_wait().expect("debug-log status") {
            break status;
        }
        if Instant::now() > deadline {
            // This test started it: end it before failing.
            let _ = tail.kill();
            panic!("debug-log --tail went on after its reader left");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
}

/// A Rust charm on this framework's runtime: each handler logs at INFO and DEBUG.
const TALKER: &str = r#"
use charms_reactive::prelude::*;

#[when_not("talker.never")]
fn talk() -> Result<()> {
    tracing::info!("info from the charm");
    tracing::debug!("debug from the charm");
    Ok(())
}
"#;

#[test]
fn item_3_a_rust_charms_records_show_once_and_logging_config_turns_on_its_debug_output() {
    let root = tmp!("cli-item-3-rust-charm");
    let charm = root.join("talker");
    let runtime = test_support::repo_root().join("framework/runtime");
    for (file, text) in [
        (
            "metadata.yaml",
            "name: talker\nsummary: Logs\ndescription: Logs at INFO and DEBUG.\nmaintainer: charms-reactive developers <dev@example.invalid>\n".to_string(),
        ),
        ("layer.yaml", "includes: []\n".to_string()),
        (
            "Cargo.toml",
            format!(
                "[package]\nname = \"charm-talker\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
                 [dependencies]\nanyhow = \"1\"\ntracing = \"0.1\"\ncharms-reactive = {{ path = {:?} }}\n",
                runtime.to_string_lossy()
            ),
        ),
        ("src/lib.rs", TALKER.to_string()),
    ] {
        test_support::write_file(charm.join(file), &text);
    }
    let out = root.join("out");
    test_support::run_ok(
        std::process::Command::new(REACTIVE)
            .arg("build")
            .arg(&charm)
            .arg("-o")
            .arg(&out),
    );
    let m = CliModel::new(REACTIVE, root.join("model"));
    m.ok(&["init"]);
    m.ok(&["deploy", out.join("talker").to_str().expect("utf-8 path")]);

    // Each record once, through juju-log at its level: not also as a WARNING stderr line.
    let log = m.ok_stdout(&["debug-log", "--replay", "--include", "talker/0"]);
    let install: Vec<&str> = log
        .lines()
        .filter(|l| l.ends_with(" info from the charm"))
        .collect();
    assert!(!install.is_empty(), "{log}");
    assert!(
        install
            .iter()
            .all(|l| l.contains(" INFO unit.talker/0.juju-log ")),
        "{log}"
    );
    let hooks_run = log
        .lines()
        .filter(|l| l.contains(" juju.worker.uniter.operation ran "))
        .count();
    assert_eq!(install.len(), hooks_run, "one record per hook:\n{log}");
    // The default logging-config keeps INFO: the charm was told so, and logged no DEBUG.
    assert!(!log.contains("debug from the charm"), "{log}");

    m.ok(&["model-config", "logging-config=<root>=INFO;unit=DEBUG"]);
    m.ok(&["tick"]);
    let debug = m.ok_stdout(&[
        "debug-log",
        "--replay",
        "--include",
        "talker/0",
        "-n",
        "1000",
    ]);
    let wanted = " DEBUG unit.talker/0.juju-log debug from the charm";
    assert_eq!(
        debug.lines().filter(|l| l.ends_with(wanted)).count(),
        1,
        "update-status logs its DEBUG record once:\n{debug}"
    );
}
