//! Issue 13 items 1 and 6: what `--describe` reports of the handlers linked into a
//! binary (here, this test's), and the DEBUG line saying why a handler ran.

use charms_reactive::low_level::describe::{describe, FORMAT};
use charms_reactive::prelude::*;
use charms_reactive::testing::{Harness, State};
use serde_json::Value;

mod flags {
    pub const READY: &str = "demo.ready";
    pub const NOT_A_FLAG: u32 = 3;
}

const LOCK: &str = "db";

charms_reactive::declare_flags!("demo.declared.{thing}");
charms_reactive::declare_flags!(fn request => "demo.requested.{0}");

/// A layer function that sets a flag whose name it computes (declared above).
fn request(what: &str) {
    set_flag(&format!("demo.requested.{what}"));
}

fn takes_number(_n: u32) {}

#[when("demo.start")]
#[when_not("demo.ready")]
fn configure() -> Result<()> {
    set_flag(flags::READY);
    clear_flag("demo.start");
    toggle_flag("demo.toggled", true);
    let _ = is_flag_set("demo.read");
    takes_number(flags::NOT_A_FLAG);
    request(LOCK);
    set_flag(&format!("demo.computed.{}", 1));
    Ok(())
}

#[startup]
fn triggers() -> Result<()> {
    register_trigger(Trigger::when("demo.ready").set_flag("demo.announced"))?;
    Ok(())
}

const METADATA: &str =
    "name: demo\nsummary: s\ndescription: d\npeers:\n  mates:\n    interface: demo-peers\n";
const CONFIG: &str = "options:\n  greeting:\n    type: string\n    default: hi\n";

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

#[test]
fn item_1_describe_reports_conditions_flags_written_triggers_and_declared_and_automatic_flags() {
    let dir = test_support::tmp!("runtime-describe");
    std::fs::write(dir.join("metadata.yaml"), METADATA).unwrap();
    std::fs::write(dir.join("config.yaml"), CONFIG).unwrap();
    let d = describe(&[], &dir).unwrap();
    assert_eq!(d["format"], FORMAT);
    assert_eq!(d["charm"], "demo");
    let h = d["handlers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == "describe::configure")
        .expect("configure is described")
        .clone();
    assert_eq!(strings(&h["conditions"]["when_all"]), ["demo.start"]);
    assert_eq!(strings(&h["conditions"]["when_none"]), ["demo.ready"]);
    assert_eq!(h["phase"], "flags");
    assert!(h["file"].as_str().unwrap().ends_with("tests/describe.rs"));
    assert!(h["line"].as_u64().unwrap() > 0);
    // Literals and &str constants; the declared function's flag with its argument; not
    // the computed name, nor a constant that is not a string.
    assert_eq!(
        strings(&h["sets"]),
        ["demo.ready", "demo.requested.db", "demo.toggled"]
    );
    assert_eq!(strings(&h["clears"]), ["demo.start", "demo.toggled"]);
    assert_eq!(strings(&h["reads"]), ["demo.read"]);

    let s = d["startups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "describe::triggers")
        .expect("the startup function is described")
        .clone();
    assert_eq!(s["triggers"][0]["when"], "demo.ready");
    assert_eq!(strings(&s["triggers"][0]["sets"]), ["demo.announced"]);

    let declared: Vec<&str> = d["declared"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["layer"] == "describe")
        .flat_map(|d| strings(&d["flags"]))
        .collect();
    assert_eq!(declared, ["demo.declared.{thing}"]);
    let automatic: Vec<&str> = d["automatic"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| strings(&a["flags"]))
        .collect();
    for flag in [
        "config.changed",
        "config.changed.greeting",
        "config.set.greeting",
        "config.default.greeting",
        "endpoint.mates.joined",
        "endpoint.mates.changed",
    ] {
        assert!(automatic.contains(&flag), "{flag} in {automatic:?}");
    }
}

#[test]
fn item_6_each_invocation_logs_once_the_flags_that_made_it_run() {
    let harness = Harness::new().metadata(METADATA).unwrap();
    let out = harness
        .run(
            "update-status",
            &State::default().with_flags(["demo.start"]),
        )
        .unwrap();
    assert!(out.invoked.iter().any(|h| h == "describe::configure"));
    let why: Vec<&String> = out
        .record
        .logs
        .iter()
        .map(|(_, line)| line)
        .filter(|l| l.contains("describe::configure runs because"))
        .collect();
    assert_eq!(
        why,
        // In evaluation order: the attribute nearest the `fn` first, as charms.reactive.
        ["describe::configure runs because: not demo.ready, demo.start"],
        "{:?}",
        out.record.logs
    );
    assert!(out
        .record
        .logs
        .iter()
        .any(|(_, l)| l == "Invoking reactive handler: describe::configure"));
}
