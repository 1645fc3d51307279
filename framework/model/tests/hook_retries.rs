//! Issue 16 item 2, through the model's library: failed hooks are retried as Juju's
//! `automatically-retry-hooks` retries them (on by default; 5s, then twice the delay
//! each failure in a row, at most 5 minutes), on the model's clock, so settling never
//! waits: it reports the retries it leaves. A model can turn them off, at init or with
//! the model option; `resolve` still retries at once.

use std::path::Path;

use charms_reactive_model::retry::Pending;
use charms_reactive_model::{Helpers, InitOptions, Model, Resolve};
use test_support::charm::{write_charm, KV};
use test_support::{tmp, TestModel};

fn helpers() -> Helpers {
    test_support::model::helpers(env!("CARGO_BIN_EXE_reactive-hook-tool"))
}

/// A kv charm whose config-changed fails until `<root>/allow` exists.
fn failing_charm(root: &Path) -> std::path::PathBuf {
    let dispatch = format!(
        "#!/bin/sh\nif [ \"$JUJU_HOOK_NAME\" = config-changed ] && [ ! -f {}/allow ]; then exit 1; fi\nexit 0\n",
        root.display()
    );
    write_charm(root, "kv", KV, &dispatch)
}

fn runs(m: &TestModel, hook: &str) -> usize {
    m.trace("kv/0").iter().filter(|h| *h == hook).count()
}

fn pending(wait: i64) -> Vec<Pending> {
    vec![Pending {
        unit: "kv/0".into(),
        hook: "config-changed".into(),
        wait,
    }]
}

/// Moves the model clock on by `duration` and settles; what settling left to retry.
fn advance(m: &mut TestModel, duration: &str) -> anyhow::Result<Vec<Pending>> {
    m.tick_advance(duration)?;
    let settled = m.settle()?;
    m.reopen()?;
    Ok(settled.retries)
}

#[test]
fn item_2_a_failed_hook_is_retried_with_jujus_backoff_on_the_model_clock() -> anyhow::Result<()> {
    let root = tmp!("retry-backoff");
    let kv = failing_charm(&root);
    let mut m = TestModel::init(&helpers(), &root, 1, None)?;
    m.deploy(&kv, None, 1)?;
    let settled = m.settle()?;
    // Settling does not wait for the retry: it says when it is due.
    assert_eq!(settled.errors, ["kv/0"]);
    assert_eq!(settled.retries, pending(5));
    assert_eq!(
        settled.retries[0].to_string(),
        "kv/0: config-changed hook failed; retry in 5s (automatically-retry-hooks)"
    );
    assert_eq!(runs(&m, "config-changed"), 1);

    // Not yet due: nothing runs (a unit in error runs no update-status either).
    assert_eq!(advance(&mut m, "4s")?, pending(1));
    assert_eq!(runs(&m, "config-changed"), 1);
    // Due: run again, failing again; the next delay is twice as long.
    assert_eq!(advance(&mut m, "1s")?, pending(10));
    assert_eq!(runs(&m, "config-changed"), 2);
    assert_eq!(advance(&mut m, "10s")?, pending(20));
    assert_eq!(advance(&mut m, "20s")?, pending(40));
    assert_eq!(runs(&m, "config-changed"), 4);
    // A long wait runs it once, not once per missed delay.
    assert_eq!(advance(&mut m, "1h")?, pending(80));
    assert_eq!(runs(&m, "config-changed"), 5);
    for expected in [160, 300, 300] {
        let wait = advance(&mut m, "1h")?;
        assert_eq!(wait, pending(expected));
    }

    // Fixed: the retry succeeds and the unit carries on (start runs).
    std::fs::write(root.join("allow"), "")?;
    assert_eq!(advance(&mut m, "5m")?, Vec::new());
    assert_eq!(m.json()["units"]["kv/0"]["agent"]["state"], "idle");
    assert_eq!(
        m.trace("kv/0").last().map(String::as_str),
        Some("update-status")
    );
    assert!(m.trace("kv/0").contains(&"start".to_string()));
    assert!(
        m.json()["units"]["kv/0"].get("hook_failures").is_none(),
        "the count starts again"
    );
    Ok(())
}

#[test]
fn item_2_a_model_made_without_retries_keeps_a_failed_hook_failed_until_resolved(
) -> anyhow::Result<()> {
    let root = tmp!("retry-off");
    let kv = failing_charm(&root);
    let options = InitOptions {
        retry_hooks: false,
        ..InitOptions::default()
    };
    let mut m = Model::init(&root.join("model"), &options, &helpers())?;
    m.deploy(&kv, None, 1)?;
    let settled = m.settle()?;
    assert_eq!(settled.errors, ["kv/0"]);
    assert!(settled.retries.is_empty());
    m.tick_advance("1h")?;
    let settled = m.settle()?;
    assert_eq!(settled.errors, ["kv/0"]);
    assert!(settled.retries.is_empty(), "never retried");
    let options = m.model_config();
    assert_eq!(options["automatically-retry-hooks"].value, false);
    assert_eq!(options["automatically-retry-hooks"].from, "model");

    // Turned on: the unit already in error is retried after the usual delay.
    m.set_model_config(&["automatically-retry-hooks=true".to_string()])?;
    assert_eq!(
        m.model_config()["automatically-retry-hooks"].from,
        "default"
    );
    let settled = m.settle()?;
    assert_eq!(settled.retries.len(), 1);
    assert_eq!(settled.retries[0].wait, 5);
    // Bad input changes nothing and names the key.
    for (pair, error) in [
        (
            "automatically-retry-hooks=maybe",
            "automatically-retry-hooks: expected bool, got string(\"maybe\")",
        ),
        (
            "no-such-option=1",
            "unknown model config key \"no-such-option\"",
        ),
    ] {
        let e = m.set_model_config(&[pair.to_string()]).unwrap_err();
        assert!(e.to_string().contains(error), "{e}");
    }
    assert_eq!(m.model_config()["automatically-retry-hooks"].value, true);

    // resolve retries at once, whatever the option.
    std::fs::write(root.join("allow"), "")?;
    m.resolve("kv/0", Resolve::Retry)?;
    assert_eq!(
        m.state().units["kv/0"].retry_at,
        None,
        "resolved by hand: no automatic retry pending"
    );
    let settled = m.settle()?;
    assert!(settled.errors.is_empty() && settled.retries.is_empty());
    Ok(())
}
