//! Issue 16 item 3: the debug log as Juju's unit agent records it. Real hook processes
//! call `juju-log` and write on stdout and stderr; the records are read back from the
//! model's log as `reactive model debug-log` reads them: one line per message line with
//! unit, time, level and module, in time order, each record once, written while the
//! hook runs, filtered by the model's `logging-config`, which also reaches the hooks.

use std::path::Path;
use std::time::{Duration, Instant};

use charms_reactive_model::model::LogLine;
use charms_reactive_model::Helpers;
use test_support::charm::{write_charm, KV};
use test_support::{strings as s, tmp, TestModel};

fn helpers() -> Helpers {
    test_support::model::helpers(env!("CARGO_BIN_EXE_reactive-hook-tool"))
}

fn new_model(root: &Path) -> anyhow::Result<TestModel> {
    TestModel::init(&helpers(), root, 1, None)
}

fn lines(m: &TestModel) -> anyhow::Result<Vec<LogLine>> {
    let raw = m.debug_log(None)?;
    let parsed: Vec<LogLine> = raw.iter().filter_map(|l| LogLine::parse(l)).collect();
    assert_eq!(
        parsed.len(),
        raw.len(),
        "every stored line parses: {raw:#?}"
    );
    Ok(parsed)
}

/// The lines of `unit` from `module` at `level` with text `text`.
fn count(lines: &[LogLine], unit: &str, level: &str, module: &str, text: &str) -> usize {
    lines
        .iter()
        .filter(|l| l.unit == unit && l.level == level && l.module == module && l.text == text)
        .count()
}

const LOGGER: &str = "#!/bin/sh
juju-log \"hello from $JUJU_HOOK_NAME\"
juju-log -l WARNING \"careful in $JUJU_HOOK_NAME\"
juju-log --debug \"debug detail in $JUJU_HOOK_NAME\"
juju-log \"$(printf 'line one\\nline two in %s' \"$JUJU_HOOK_NAME\")\"
echo \"to stdout in $JUJU_HOOK_NAME\"
echo \"to stderr level=$CHARMS_REACTIVE_LOG\" >&2
exit 0
";

#[test]
fn item_3_records_carry_unit_time_level_and_module_once_each_and_follow_logging_config(
) -> anyhow::Result<()> {
    let root = tmp!("model-item-3-records");
    let charm = write_charm(&root, "kv", KV, LOGGER);
    let mut m = new_model(&root)?;
    m.step(|m| m.deploy(&charm, None, 2))?;
    let all = lines(&m)?;
    // Time order across units: the file is written in the order of the records' times.
    assert!(all.windows(2).all(|w| w[0].time <= w[1].time), "{all:#?}");
    for unit in ["kv/0", "kv/1"] {
        let juju_log = format!("unit.{unit}.juju-log");
        let install = format!("unit.{unit}.install");
        // juju-log records at their level, once; the relation-less hook has no prefix.
        assert_eq!(
            count(&all, unit, "INFO", &juju_log, "hello from install"),
            1
        );
        assert_eq!(
            count(&all, unit, "WARNING", &juju_log, "careful in install"),
            1
        );
        // Both lines of a multi-line message carry the record's prefix.
        assert_eq!(
            count(&all, unit, "INFO", &juju_log, "line two in install"),
            1
        );
        let second = all
            .iter()
            .position(|l| l.unit == unit && l.text == "line two in install")
            .unwrap_or(0);
        let (one, two) = (&all[second.saturating_sub(1)], &all[second]);
        assert_eq!(
            (
                &one.unit,
                &one.time,
                &one.level,
                &one.module,
                one.text.as_str()
            ),
            (&two.unit, &two.time, &two.level, &two.module, "line one"),
            "a message's lines are consecutive and share the record's prefix"
        );
        // stderr at WARNING under the hook's module; the hook was told level info.
        assert_eq!(
            count(&all, unit, "WARNING", &install, "to stderr level=info"),
            1
        );
        // The default logging-config, <root>=INFO, drops DEBUG: juju-log --debug and
        // stdout (Juju logs stdout at DEBUG).
        assert!(!all.iter().any(|l| l.level == "DEBUG"), "{all:#?}");
        // The uniter's own record of the hook.
        assert_eq!(
            count(
                &all,
                unit,
                "INFO",
                "juju.worker.uniter.operation",
                "ran \"install\" hook (via hook dispatching script: dispatch)"
            ),
            1
        );
    }

    // Units at DEBUG: the hooks are told so, and DEBUG records reach the log.
    m.step(|m| m.set_model_config(&s(&["logging-config=<root>=WARNING;unit=DEBUG"])))?;
    let before = lines(&m)?.len();
    m.step(|m| {
        m.tick();
        Ok(())
    })?;
    let new = &lines(&m)?[before..];
    let (module, juju_log) = ("unit.kv/0.update-status", "unit.kv/0.juju-log");
    assert_eq!(
        count(
            new,
            "kv/0",
            "DEBUG",
            juju_log,
            "debug detail in update-status"
        ),
        1,
        "{new:#?}"
    );
    assert_eq!(
        count(new, "kv/0", "DEBUG", module, "to stdout in update-status"),
        1
    );
    assert_eq!(
        count(new, "kv/0", "WARNING", module, "to stderr level=debug"),
        1
    );
    // <root>=WARNING: the uniter's INFO record is not kept.
    assert!(
        !new.iter()
            .any(|l| l.module == "juju.worker.uniter.operation"),
        "{new:#?}"
    );

    // A bad logging-config is refused with loggo's message and changes nothing.
    let err = m
        .set_model_config(&s(&["logging-config=unit=LOUD"]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "logging-config: unknown severity level \"LOUD\""
    );
    Ok(())
}

#[test]
fn item_3_a_hook_that_cannot_start_is_in_the_debug_log_and_the_units_status() -> anyhow::Result<()>
{
    let root = tmp!("model-item-3-cannot-start");
    let plain = write_charm(&root, "plain", &KV.replace("name: kv", "name: plain"), "");
    let dispatch = plain.join("dispatch");
    // Not executable.
    std::fs::set_permissions(
        &dispatch,
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )?;
    // Executable, but not a program the kernel can run.
    let garbage = write_charm(
        &root,
        "garbage",
        &KV.replace("name: kv", "name: garbage"),
        "",
    );
    std::fs::write(garbage.join("dispatch"), [0u8, 1, 2, 3, 4, 5, 6, 7])?;
    let mut m = new_model(&root)?;
    m.step(|m| m.deploy(&plain, None, 1))?;
    m.step(|m| m.deploy(&garbage, None, 1))?;
    let all = lines(&m)?;
    let module = "juju.worker.uniter.operation";
    assert_eq!(
        count(
            &all,
            "plain/0",
            "ERROR",
            module,
            "hook \"install\" (via unknown/invalid hook handler) failed: dispatch is not executable"
        ),
        1,
        "{all:#?}"
    );
    let exec = all
        .iter()
        .find(|l| l.unit == "garbage/0" && l.level == "ERROR" && l.module == module)
        .map(|l| l.text.clone())
        .unwrap_or_default();
    assert!(
        exec.starts_with(
            "hook \"install\" (via hook dispatching script: dispatch) failed: cannot run "
        ) && exec.contains("Exec format error"),
        "{exec}"
    );
    let status = serde_json::to_value(m.status())?;
    for (app, unit) in [("plain", "plain/0"), ("garbage", "garbage/0")] {
        let workload = &status["applications"][app]["units"][unit]["workload-status"];
        assert_eq!(workload["current"], "error", "{status}");
        assert_eq!(workload["message"], "hook failed: \"install\"", "{status}");
    }
    Ok(())
}

#[test]
fn item_3_records_reach_the_debug_log_while_the_hook_runs() -> anyhow::Result<()> {
    let root = tmp!("model-item-3-streaming");
    let go = root.join("go");
    // The install hook logs, then waits for the test's signal (a file), then logs again.
    let dispatch = format!(
        "#!/bin/sh\nif [ \"$JUJU_HOOK_NAME\" = install ]; then\n  juju-log before-the-wait\n  echo on-stderr-before >&2\n  n=0\n  while [ ! -e {go} ] && [ $n -lt 3000 ]; do sleep 0.1; n=$((n+1)); done\n  juju-log after-the-wait\nfi\nexit 0\n",
        go = go.display()
    );
    let charm = write_charm(&root, "kv", KV, &dispatch);
    let mut m = new_model(&root)?;
    let reader = charms_reactive_model::ModelView::open(m.dir(), &helpers())?;
    let deploy = std::thread::spawn(move || -> anyhow::Result<()> {
        m.step(|m| m.deploy(&charm, None, 1))?;
        Ok(())
    });
    // Both records written before the wait are in the log while the hook still waits.
    let deadline = Instant::now() + Duration::from_secs(240);
    let mut follower = reader.follow_debug_log();
    let mut seen: Vec<LogLine> = Vec::new();
    while !(seen.iter().any(|l| l.text == "before-the-wait")
        && seen.iter().any(|l| l.text == "on-stderr-before"))
    {
        assert!(
            Instant::now() < deadline,
            "no record while the hook ran: {seen:#?}"
        );
        assert!(
            !deploy.is_finished(),
            "the hook ended before the test let it"
        );
        seen.extend(follower.next_lines()?);
        // Polling a file another thread writes; the deadline above bounds the wait.
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!seen.iter().any(|l| l.text == "after-the-wait"));
    std::fs::write(&go, "")?;
    deploy
        .join()
        .map_err(|_| anyhow::anyhow!("deploy thread panicked"))??;
    seen.extend(follower.next_lines()?);
    assert_eq!(
        seen.iter().filter(|l| l.text == "after-the-wait").count(),
        1,
        "{seen:#?}"
    );
    Ok(())
}
