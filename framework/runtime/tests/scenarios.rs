//! charms.reactive's behaviour, scenario by scenario, one test per scenario, named
//! after it. Each scenario's handlers live in their own module and the harness runs only
//! that module's handlers. Where this framework deliberately differs, the test asserts
//! our behaviour and says what charms.reactive does.

use charms_reactive::testing::{Harness, Outcome, State};

/// Runs `hook` with the handlers of `modules` (paths relative to this crate).
fn run(modules: &[&str], hook: &str, state: &State) -> Outcome {
    harness(modules)
        .run(hook, state)
        .unwrap_or_else(|f| panic!("hook failed: {:#}", f.error))
}

fn harness(modules: &[&str]) -> Harness {
    let prefixes: Vec<String> = modules
        .iter()
        .map(|m| format!("scenarios::{m}::"))
        .collect();
    Harness::new().only(prefixes.iter().map(String::as_str))
}

/// Handler names (last id segment) of an outcome.
fn names(ids: &[String]) -> Vec<&str> {
    ids.iter()
        .map(|id| id.rsplit("::").next().unwrap_or(id))
        .collect()
}

fn flags(state: &State) -> Vec<String> {
    state.flags()
}

mod s02_chain {
    use charms_reactive::prelude::*;

    #[when("foo")]
    fn foo() -> anyhow::Result<()> {
        set_flag("bar");
        Ok(())
    }
    #[when("bar")]
    #[only_once]
    fn bar() -> anyhow::Result<()> {
        Ok(())
    }
    #[when("foo", "bar")]
    fn both() -> anyhow::Result<()> {
        set_flag("qux");
        Ok(())
    }
    #[when("qux")]
    fn qux() -> anyhow::Result<()> {
        Ok(())
    }
    #[when("foo")]
    fn foo2() -> anyhow::Result<()> {
        Ok(())
    }
    #[when("bar")]
    fn bar2() -> anyhow::Result<()> {
        Ok(())
    }
}

#[test]
fn scenario_01_empty() {
    let out = run(&["s02_chain"], "config-changed", &State::default());
    assert!(out.invoked.is_empty());
    assert!(flags(&out.state).is_empty());
}

#[test]
fn scenario_02_chain() {
    let out = run(
        &["s02_chain"],
        "config-changed",
        &State::default().with_flags(["foo"]),
    );
    assert_eq!(
        names(&out.invoked),
        ["foo", "foo2", "bar", "both", "bar2", "qux"]
    );
    assert_eq!(flags(&out.state), ["bar", "foo", "qux"]);
}

#[test]
fn scenario_03_re_dispatch() {
    let first = run(
        &["s02_chain"],
        "config-changed",
        &State::default().with_flags(["foo"]),
    );
    let second = run(&["s02_chain"], "config-changed", &first.state);
    // `bar` is only_once; nothing transitioned, so there is no second iteration.
    assert_eq!(
        names(&second.invoked),
        ["foo", "both", "qux", "foo2", "bar2"]
    );
}

mod s04_clear_dequeues {
    use charms_reactive::prelude::*;
    #[when("foo")]
    fn h1() -> anyhow::Result<()> {
        clear_flag("foo");
        Ok(())
    }
    #[when("foo")]
    fn h2() -> anyhow::Result<()> {
        Ok(())
    }
    #[when("bar")]
    fn h3() -> anyhow::Result<()> {
        Ok(())
    }
}

#[test]
fn scenario_04_clear_dequeues() {
    let out = run(
        &["s04_clear_dequeues"],
        "config-changed",
        &State::default().with_flags(["foo", "bar"]),
    );
    assert_eq!(names(&out.invoked), ["h1", "h3"]);
}

mod s05_clear_after_the_fact {
    use charms_reactive::prelude::*;
    #[when("foo")]
    fn h2() -> anyhow::Result<()> {
        Ok(())
    }
    #[when("foo")]
    fn h1() -> anyhow::Result<()> {
        clear_flag("foo");
        Ok(())
    }
    #[when("bar")]
    fn h3() -> anyhow::Result<()> {
        Ok(())
    }
}

#[test]
fn scenario_05_clear_after_the_fact() {
    let out = run(
        &["s05_clear_after_the_fact"],
        "config-changed",
        &State::default().with_flags(["foo", "bar"]),
    );
    assert_eq!(names(&out.invoked), ["h2", "h1", "h3"]);
}

mod s06_hooks_first {
    use charms_reactive::prelude::*;
    #[when("foos")]
    fn h1() -> anyhow::Result<()> {
        Ok(())
    }
    #[hook("fook")]
    fn h2() -> anyhow::Result<()> {
        Ok(())
    }
}

mod s06_hooks_first_swapped {
    use charms_reactive::prelude::*;
    #[hook("fook")]
    fn h2() -> anyhow::Result<()> {
        Ok(())
    }
    #[when("foos")]
    fn h1() -> anyhow::Result<()> {
        Ok(())
    }
}

#[test]
fn scenario_06_hooks_first() {
    let state = State::default().with_flags(["foos"]);
    for module in ["s06_hooks_first", "s06_hooks_first_swapped"] {
        let out = run(&[module], "fook", &state);
        assert_eq!(names(&out.invoked), ["h2", "h1"], "{module}");
    }
}

mod s07_stacked {
    use charms_reactive::prelude::*;
    #[when("foo")]
    #[when("bar")]
    fn test1() -> anyhow::Result<()> {
        Ok(())
    }
    #[when("foo")]
    #[when_not("bar")]
    fn test2() -> anyhow::Result<()> {
        Ok(())
    }
}

mod s07_stacked_extra {
    use charms_reactive::prelude::*;
    #[when("foo")]
    fn test3() -> anyhow::Result<()> {
        clear_flag("bar");
        Ok(())
    }
}

#[test]
fn scenario_07_stacked_and() {
    let out = run(
        &["s07_stacked"],
        "config-changed",
        &State::default().with_flags(["foo", "bar"]),
    );
    assert_eq!(names(&out.invoked), ["test1"]);
    let out = run(
        &["s07_stacked"],
        "config-changed",
        &State::default().with_flags(["foo"]),
    );
    assert_eq!(names(&out.invoked), ["test2"]);
    // Iteration 0: test1, test3 (which clears bar); iteration 1: test2, re-tested because
    // bar transitioned.
    let out = run(
        &["s07_stacked", "s07_stacked_extra"],
        "config-changed",
        &State::default().with_flags(["foo", "bar"]),
    );
    assert_eq!(names(&out.invoked), ["test1", "test3", "test2"]);
}

mod s08_set_never_dequeues {
    use charms_reactive::prelude::*;
    #[when("go")]
    fn h1() -> anyhow::Result<()> {
        set_flag("x");
        Ok(())
    }
    #[when_not("x")]
    fn h2() -> anyhow::Result<()> {
        Ok(())
    }
}

#[test]
fn scenario_08_set_never_dequeues() {
    let out = run(
        &["s08_set_never_dequeues"],
        "config-changed",
        &State::default().with_flags(["go"]),
    );
    assert_eq!(names(&out.invoked), ["h1", "h2"]);
    assert_eq!(flags(&out.state), ["go", "x"]);
}

mod s09_flip_flop {
    use charms_reactive::prelude::*;
    #[when("x")]
    fn a() -> anyhow::Result<()> {
        clear_flag("x");
        Ok(())
    }
    #[when_not("x")]
    fn b() -> anyhow::Result<()> {
        set_flag("x");
        Ok(())
    }
}

/// charms.reactive runs 100 invocations (b, a, b, …) and silently commits; here the hook
/// fails after the same 100 invocations, naming both handlers and the flag, and the
/// state is left as it was.
#[test]
fn scenario_09_flip_flop_cap_fails_the_hook() {
    let input = State::default();
    let failure = harness(&["s09_flip_flop"])
        .run("config-changed", &input)
        .expect_err("must not settle");
    assert_eq!(
        failure.invoked.len(),
        charms_reactive::low_level::MAX_ITERATIONS
    );
    let expected: Vec<&str> = ["b", "a"].iter().cycle().take(100).copied().collect();
    assert_eq!(names(&failure.invoked), expected);
    let msg = format!("{:#}", failure.error);
    assert!(msg.contains("did not settle after 100 iterations"), "{msg}");
    assert!(
        msg.contains("scenarios::s09_flip_flop::a") && msg.contains("scenarios::s09_flip_flop::b"),
        "{msg}"
    );
    assert!(msg.contains("flags kept changing: x"), "{msg}");
    assert_eq!(failure.state, input);
}

mod s10_flagless {
    use charms_reactive::prelude::*;
    #[when()]
    fn always() -> anyhow::Result<()> {
        Ok(())
    }
    #[when_none()]
    fn always_none() -> anyhow::Result<()> {
        Ok(())
    }
}

/// charms.reactive runs a flagless always-true handler in every iteration (100 times);
/// here it runs once: nothing it watches can change.
#[test]
fn scenario_10_flagless_always_true_handler_runs_once() {
    let out = run(&["s10_flagless"], "config-changed", &State::default());
    assert_eq!(names(&out.invoked), ["always", "always_none"]);
}

mod s11_hook_sets_flag {
    use charms_reactive::prelude::*;
    #[when("installed")]
    fn w() -> anyhow::Result<()> {
        Ok(())
    }
    #[hook("install")]
    fn hk() -> anyhow::Result<()> {
        set_flag("installed");
        Ok(())
    }
    #[when_not("installed")]
    fn wn() -> anyhow::Result<()> {
        Ok(())
    }
}

#[test]
fn scenario_11_hook_sets_flag_before_handlers() {
    let out = run(&["s11_hook_sets_flag"], "install", &State::default());
    assert_eq!(names(&out.invoked), ["hk", "w"]);
}

/// charms.reactive accepts `@hook` stacked with `@when` and never runs the handler; here
/// it is a compile error (see tests/ui/hook_with_when.rs).
#[test]
fn scenario_12_hook_and_when_never_fires_is_a_compile_error() {
    trybuild::TestCases::new().compile_fail("tests/ui/hook_with_when.rs");
}

mod s13_hook_patterns {
    use charms_reactive::prelude::*;
    #[hook("install")]
    fn k1() -> anyhow::Result<()> {
        Ok(())
    }
    #[hook("install", "config-changed")]
    fn k2() -> anyhow::Result<()> {
        Ok(())
    }
    #[hook("{config,upgrade}-{changed,charm}")]
    fn k3() -> anyhow::Result<()> {
        Ok(())
    }
}

#[test]
fn scenario_13_hook_patterns() {
    assert_eq!(
        names(&run(&["s13_hook_patterns"], "install", &State::default()).invoked),
        ["k1", "k2"]
    );
    assert_eq!(
        names(&run(&["s13_hook_patterns"], "upgrade-charm", &State::default()).invoked),
        ["k3"]
    );
    assert_eq!(
        names(&run(&["s13_hook_patterns"], "config-changed", &State::default()).invoked),
        ["k2", "k3"]
    );
}

mod s14_truth_table {
    use charms_reactive::prelude::*;
    #[when_not_all("a", "b")]
    fn not_all() -> anyhow::Result<()> {
        Ok(())
    }
    #[when_any("a", "b")]
    fn any() -> anyhow::Result<()> {
        Ok(())
    }
    #[when_none("a", "b")]
    fn none() -> anyhow::Result<()> {
        Ok(())
    }
}

#[test]
fn scenario_14_predicate_truth_table() {
    let cases: [(&[&str], &[&str]); 3] = [
        (&[], &["not_all", "none"]),
        (&["a"], &["not_all", "any"]),
        (&["a", "b"], &["any"]),
    ];
    for (set, expected) in cases {
        let out = run(
            &["s14_truth_table"],
            "config-changed",
            &State::default().with_flags(set.iter().copied()),
        );
        assert_eq!(names(&out.invoked), expected, "flags {set:?}");
    }
}

mod s15_trigger_set {
    use charms_reactive::prelude::*;
    #[startup]
    fn triggers() -> anyhow::Result<()> {
        register_trigger(Trigger::when("foo").set_flag("bar"))?;
        Ok(())
    }
    #[hook("install")]
    fn check() -> anyhow::Result<()> {
        set_flag("foo");
        anyhow::ensure!(is_flag_set("bar"), "set foo must set bar");
        clear_flag("foo");
        anyhow::ensure!(is_flag_set("bar"), "clear foo must leave bar");
        Ok(())
    }
}

#[test]
fn scenario_15_trigger_when_set_flag() {
    let out = run(&["s15_trigger_set"], "install", &State::default());
    assert_eq!(names(&out.invoked), ["check"]);
    assert_eq!(flags(&out.state), ["bar"]);
}

mod s16_trigger_clear {
    use charms_reactive::prelude::*;
    #[startup]
    fn triggers() -> anyhow::Result<()> {
        register_trigger(Trigger::when("foo").clear_flag("qux"))?;
        Ok(())
    }
    #[hook("install")]
    fn check() -> anyhow::Result<()> {
        set_flag("qux");
        set_flag("foo");
        anyhow::ensure!(!is_flag_set("qux"), "set foo must clear qux");
        Ok(())
    }
}

#[test]
fn scenario_16_trigger_when_clear_flag() {
    let out = run(&["s16_trigger_clear"], "install", &State::default());
    assert_eq!(flags(&out.state), ["foo"]);
}

mod s17_trigger_when_not {
    use charms_reactive::prelude::*;
    #[startup]
    fn triggers() -> anyhow::Result<()> {
        register_trigger(Trigger::when_not("foo").set_flag("bar").clear_flag("qux"))?;
        Ok(())
    }
    #[hook("install")]
    fn check() -> anyhow::Result<()> {
        set_flag("noop");
        clear_flag("noop");
        anyhow::ensure!(!is_flag_set("bar"), "noop must not fire");
        set_flag("foo");
        set_flag("qux");
        anyhow::ensure!(!is_flag_set("bar"), "setting foo must not fire");
        clear_flag("foo");
        anyhow::ensure!(
            is_flag_set("bar") && !is_flag_set("qux"),
            "clearing foo must set bar, clear qux"
        );
        Ok(())
    }
}

#[test]
fn scenario_17_trigger_when_not() {
    let out = run(&["s17_trigger_when_not"], "install", &State::default());
    assert_eq!(flags(&out.state), ["bar"]);
}

mod s18_trigger_callbacks {
    use charms_reactive::prelude::*;
    fn on_a() -> anyhow::Result<()> {
        let n = get_flag_value("calls.a")
            .and_then(|v| v.as_u64())
            .unwrap_or(0);
        set_flag_value("calls.a", (n + 1).into());
        Ok(())
    }
    fn on_not_b() -> anyhow::Result<()> {
        let n = get_flag_value("calls.b")
            .and_then(|v| v.as_u64())
            .unwrap_or(0);
        set_flag_value("calls.b", (n + 1).into());
        Ok(())
    }
    #[startup]
    fn triggers() -> anyhow::Result<()> {
        register_trigger(Trigger::when("a").callback(on_a))?;
        register_trigger(Trigger::when_not("b").callback(on_not_b))?;
        Ok(())
    }
    #[hook("install")]
    fn check() -> anyhow::Result<()> {
        for f in ["a", "b", "c"] {
            set_flag(f);
            clear_flag(f);
        }
        Ok(())
    }
}

#[test]
fn scenario_18_trigger_callbacks() {
    let out = run(&["s18_trigger_callbacks"], "install", &State::default());
    assert_eq!(
        out.state
            .unit_state
            .get("reactive.states.calls.a")
            .map(String::as_str),
        Some("1")
    );
    assert_eq!(
        out.state
            .unit_state
            .get("reactive.states.calls.b")
            .map(String::as_str),
        Some("1")
    );
}

mod s19_only_once {
    use charms_reactive::prelude::*;
    #[when("x")]
    #[only_once]
    fn h() -> anyhow::Result<()> {
        Ok(())
    }
}

#[test]
fn scenario_19_only_once() {
    let first = run(
        &["s19_only_once"],
        "config-changed",
        &State::default().with_flags(["x"]),
    );
    assert_eq!(names(&first.invoked), ["h"]);
    assert_eq!(
        first
            .state
            .unit_state
            .get("reactive.invoked.scenarios::s19_only_once::h")
            .map(String::as_str),
        Some("true")
    );
    let second = run(&["s19_only_once"], "config-changed", &first.state);
    assert!(second.invoked.is_empty());
}

mod s20_phase_agnostic {
    use charms_reactive::prelude::*;
    #[when_not("nothing")]
    fn wn() -> anyhow::Result<()> {
        Ok(())
    }
    #[only_once]
    fn oo() -> anyhow::Result<()> {
        Ok(())
    }
    #[when_file_changed("s20-watched.txt")]
    fn fc() -> anyhow::Result<()> {
        Ok(())
    }
}

#[test]
fn scenario_20_phase_agnostic_handlers() {
    let dir = tempdir("s20");
    std::fs::write(dir.join("s20-watched.txt"), "one").unwrap();
    let h = harness(&["s20_phase_agnostic"]).charm_dir(&dir);
    let first = h.run("config-changed", &State::default()).unwrap();
    // Bare only_once and when_file_changed handlers run in the hooks phase, first.
    assert_eq!(names(&first.invoked), ["oo", "fc", "wn"]);
    let second = h.run("config-changed", &first.state).unwrap();
    assert_eq!(names(&second.invoked), ["wn"]);
    std::fs::write(dir.join("s20-watched.txt"), "two").unwrap();
    let third = h.run("config-changed", &second.state).unwrap();
    assert_eq!(names(&third.invoked), ["fc", "wn"]);
}

mod s21_restricted {
    use charms_reactive::prelude::*;
    #[collect_metrics]
    fn metrics() -> anyhow::Result<()> {
        Ok(())
    }
    #[meter_status_changed]
    fn meter() -> anyhow::Result<()> {
        Ok(())
    }
    #[hook("collect-metrics")]
    fn hooked() -> anyhow::Result<()> {
        Ok(())
    }
    #[when_not("x")]
    fn flagged() -> anyhow::Result<()> {
        Ok(())
    }
    #[only_once]
    fn once() -> anyhow::Result<()> {
        Ok(())
    }
    #[startup]
    fn start() -> anyhow::Result<()> {
        set_flag("startup.ran");
        Ok(())
    }
}

/// charms.reactive runs the collect_metrics handler and the bare only_once handler;
/// here only the restricted handler runs. No startup, no automatic flags, no config-get.
#[test]
fn scenario_21_restricted_mode() {
    let out = run(&["s21_restricted"], "collect-metrics", &State::default());
    assert_eq!(names(&out.invoked), ["metrics"]);
    assert!(out.record.calls_to("config-get").next().is_none());
    assert!(flags(&out.state).is_empty());
    let out = run(
        &["s21_restricted"],
        "meter-status-changed",
        &State::default(),
    );
    assert_eq!(names(&out.invoked), ["meter"]);
    // In a normal hook a restricted handler never runs.
    let out = run(&["s21_restricted"], "update-status", &State::default());
    assert_eq!(names(&out.invoked), ["once", "flagged"]);
    assert_eq!(flags(&out.state), ["startup.ran"]);
}

mod s22_main {
    use charms_reactive::prelude::*;
    #[startup]
    fn start() -> anyhow::Result<()> {
        set_flag("started");
        Ok(())
    }
    #[when_not("done")]
    fn work() -> anyhow::Result<()> {
        set_flag("done");
        Ok(())
    }
    #[when("fail.please")]
    fn fail() -> anyhow::Result<()> {
        anyhow::bail!("asked to fail")
    }
}

/// The in-process half of scenario 22 (the process half, with SQLite, is in the e2e
/// tests): success keeps the changes, failure keeps none, a restricted hook skips startup.
#[test]
fn scenario_22_main() {
    let ok = run(&["s22_main"], "config-changed", &State::default());
    assert_eq!(flags(&ok.state), ["done", "started"]);
    let input = State::default().with_flags(["fail.please"]);
    let failed = harness(&["s22_main"])
        .run("config-changed", &input)
        .expect_err("must fail");
    assert_eq!(failed.state, input);
    assert!(format!("{:#}", failed.error).contains("asked to fail"));
    let restricted = run(&["s22_main"], "meter-status-changed", &State::default());
    assert!(flags(&restricted.state).is_empty());
}

mod s23_transactional {
    use charms_reactive::prelude::*;
    /// The line of `sets_then_fails` (two below).
    pub const LINE: u32 = line!() + 2;
    #[when_not("a")]
    fn sets_then_fails() -> anyhow::Result<()> {
        set_flag("a");
        set_flag("b");
        anyhow::bail!("boom")
    }
}

#[test]
fn scenario_23_transactionality() {
    let input = State::default();
    let failure = harness(&["s23_transactional"])
        .run("install", &input)
        .expect_err("must fail");
    assert_eq!(failure.state, input);
    assert!(failure.state.flags().is_empty());
    let msg = format!("{:#}", failure.error);
    assert!(
        msg.contains("scenarios::s23_transactional::sets_then_fails") && msg.contains("boom"),
        "{msg}"
    );
    // The handler records its file and the line of its `fn`.
    let at = format!(
        "framework/runtime/tests/scenarios.rs:{})",
        s23_transactional::LINE
    );
    assert!(msg.contains(&at), "{msg} lacks {at}");
}

mod s24_data_changed {
    use charms_reactive::prelude::*;
    #[hook("install")]
    fn check() -> anyhow::Result<()> {
        let data = serde_json::json!({"foo": "bar", "n": 1});
        anyhow::ensure!(data_changed("foo", &data)?, "first call is a change");
        anyhow::ensure!(!data_changed("foo", &data)?, "same data is no change");
        anyhow::ensure!(data_changed("bar", &data)?, "another id is a change");
        let other = serde_json::json!({"foo": "baz"});
        anyhow::ensure!(is_data_changed("foo", &other)?, "is_data_changed sees it");
        anyhow::ensure!(data_changed("foo", &other)?, "changed data is a change");
        anyhow::ensure!(!data_changed("foo", &other)?, "then no change");
        Ok(())
    }
}

#[test]
fn scenario_24_data_changed() {
    let out = run(&["s24_data_changed"], "install", &State::default());
    assert_eq!(names(&out.invoked), ["check"]);
    assert!(out
        .state
        .unit_state
        .contains_key("reactive.data_changed.foo"));
}

mod s25_any_hook {
    use charms_reactive::prelude::*;
    #[hook("{config,option}-{changed,set}")]
    fn config() -> anyhow::Result<()> {
        Ok(())
    }
    #[hook("{requires:mysql}-relation-changed")]
    fn mysql() -> anyhow::Result<()> {
        Ok(())
    }
}

#[test]
fn scenario_25_any_hook_expansion() {
    let meta =
        "name: x\nsummary: s\ndescription: d\nrequires:\n  db1: {interface: mysql}\n  db2: pgsql\n";
    let h = harness(&["s25_any_hook"]).metadata(meta).unwrap();
    assert_eq!(
        names(&h.run("config-changed", &State::default()).unwrap().invoked),
        ["config"]
    );
    assert_eq!(
        names(
            &h.run("db1-relation-changed", &State::default())
                .unwrap()
                .invoked
        ),
        ["mysql"]
    );
    assert!(h
        .run("db2-relation-changed", &State::default())
        .unwrap()
        .invoked
        .is_empty());
}

/// A fresh directory under the target dir for one test.
fn tempdir(name: &str) -> std::path::PathBuf {
    test_support::tmp!(format!("scenarios-{name}"))
}
