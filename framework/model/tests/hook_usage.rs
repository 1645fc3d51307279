//! The hook usage log (`hook-usage.log`): one record per hook that ran a process, with
//! the CPU time that process and what it waited for used, beside the hook log.

use std::collections::BTreeMap;

use test_support::charm::{write_charm, KV};
use test_support::{tmp, TestModel};

/// A dispatch that burns CPU in `install` (a shell loop, all user time) and does
/// nothing in other hooks.
const BUSY_INSTALL: &str = "#!/bin/sh
if [ \"$JUJU_HOOK_NAME\" = install ]; then
  i=0
  while [ $i -lt 200000 ]; do i=$((i + 1)); done
fi
exit 0
";

/// `seq unit label` → CPU seconds (user + system), from the usage log.
fn usage(text: &str) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        assert_eq!(fields.len(), 5, "{line:?}");
        let secs = |f: &str, key: &str| -> f64 {
            f.strip_prefix(key)
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{key} in {line:?}"))
        };
        let cpu = secs(fields[3], "user=") + secs(fields[4], "sys=");
        out.insert(fields[..3].join(" "), cpu);
    }
    out
}

#[test]
fn every_hook_run_has_a_usage_record_with_its_cpu_time() -> anyhow::Result<()> {
    let root = tmp!("hook-usage");
    let kv = write_charm(&root, "kv", KV, BUSY_INSTALL);
    let helpers = test_support::model::helpers(env!("CARGO_BIN_EXE_reactive-hook-tool"));
    let mut m = TestModel::init(&helpers, &root, 1, None)?;
    m.step(|m| m.deploy(&kv, None, 2))?;

    let hooks = m.files.log();
    let records = usage(&std::fs::read_to_string(
        m.files.dir.join("hook-usage.log"),
    )?);
    // The same hooks, by sequence number, unit and label, as the hook log.
    let ran: Vec<String> = hooks
        .lines()
        .map(|l| l.split(' ').take(3).collect::<Vec<_>>().join(" "))
        .collect();
    let recorded: Vec<String> = records.keys().cloned().collect();
    let mut sorted = ran.clone();
    sorted.sort();
    assert_eq!(recorded, sorted);

    // The busy install used more CPU than any quiet hook of the same unit.
    for unit in ["kv/0", "kv/1"] {
        let of_unit: Vec<(&String, &f64)> = records
            .iter()
            .filter(|(k, _)| k.split(' ').nth(1) == Some(unit))
            .collect();
        let install = of_unit
            .iter()
            .find(|(k, _)| k.ends_with(" install"))
            .map(|(_, v)| **v)
            .expect("install record");
        for (k, v) in &of_unit {
            if !k.ends_with(" install") {
                assert!(install > **v, "install {install} s, {k} {v} s");
            }
        }
    }
    Ok(())
}
