//! A test charm run as a real hook process by the end-to-end tests.
//!
//! Every hook runs `work`, which records the run (`run.<E2E_RUN>`) and then behaves as
//! `E2E_MODE` says: `ok`; `fail` (returns an error); `block` (prints `ready`, then waits
//! on stdin until killed); `exit0` (calls `process::exit(0)` mid-handler); `log-wait`
//! (logs an INFO record, prints `ready`, waits for a line on stdin, then succeeds).

use std::io::{BufRead, Write};

use charms_reactive::prelude::*;

#[startup]
fn started() -> anyhow::Result<()> {
    set_flag("e2e.started");
    Ok(())
}

#[when_not("never.set")]
fn work() -> anyhow::Result<()> {
    let run = std::env::var("E2E_RUN").unwrap_or_default();
    set_flag(&format!("run.{run}"));
    set_flag_value("e2e.value", serde_json::json!({"run": run}));
    data_changed("e2e.data", &run)?;
    match std::env::var("E2E_MODE").unwrap_or_default().as_str() {
        "fail" => anyhow::bail!("failing on purpose"),
        "block" => {
            let mut out = std::io::stdout().lock();
            writeln!(out, "ready")?;
            out.flush()?;
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            anyhow::bail!("stdin closed before the test killed this hook")
        }
        "exit0" => std::process::exit(0),
        "log-wait" => {
            tracing::info!("e2e: logged before the wait");
            let mut out = std::io::stdout().lock();
            writeln!(out, "ready")?;
            out.flush()?;
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            Ok(())
        }
        _ => Ok(()),
    }
}

#[hook("install")]
fn install() -> anyhow::Result<()> {
    set_flag("hook.install");
    Ok(())
}

#[meter_status_changed]
fn metered() -> anyhow::Result<()> {
    set_flag("metered");
    Ok(())
}

/// Checks a database written by Python charms.reactive: its `data_changed` hash for the
/// same data must read as unchanged.
#[when("plain.flag")]
#[when_not("compat.checked")]
fn compat_check() -> anyhow::Result<()> {
    let cfg = serde_json::json!({"b": [1, 2], "a": "x", "n": null, "t": true, "u": "é"});
    let changed = data_changed("cfg", &cfg)?;
    let scalar_changed = data_changed("scalar", &42)?;
    set_flag_value(
        "compat.checked",
        serde_json::json!({"cfg": changed, "scalar": scalar_changed}),
    );
    Ok(())
}

charms_reactive::charm_main!(e2e_layer_beta, e2e_layer_alpha);
