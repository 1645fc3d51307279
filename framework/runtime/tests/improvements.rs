//! The deliberate differences from charms.reactive (crate docs, "Differences"), each
//! shown against what charms.reactive does, plus automatic flags, actions and logging.

use charms_reactive::low_level::backend::LogLevel;
use charms_reactive::testing::{Harness, Outcome, State};

fn harness(module: &str) -> Harness {
    Harness::new().only([format!("improvements::{module}::").as_str()])
}

fn run(module: &str, hook: &str, state: &State) -> Outcome {
    harness(module)
        .run(hook, state)
        .unwrap_or_else(|f| panic!("hook failed: {:#}", f.error))
}

fn names(ids: &[String]) -> Vec<&str> {
    ids.iter()
        .map(|id| id.rsplit("::").next().unwrap_or(id))
        .collect()
}

fn tempdir(name: &str) -> std::path::PathBuf {
    test_support::tmp!(format!("improvements-{name}"))
}

mod source_order {
    use charms_reactive::prelude::*;
    #[when("go")]
    fn zulu_defined_first() -> anyhow::Result<()> {
        Ok(())
    }
    #[when("go")]
    fn alpha_defined_second() -> anyhow::Result<()> {
        Ok(())
    }
}

/// Handlers of one layer run in source order, whatever their names (charms.reactive:
/// import order, which depends on the file system).
#[test]
fn order_is_source_order_within_a_layer() {
    let out = run(
        "source_order",
        "config-changed",
        &State::default().with_flags(["go"]),
    );
    assert_eq!(
        names(&out.invoked),
        ["zulu_defined_first", "alpha_defined_second"]
    );
}

mod file_stacking {
    use charms_reactive::prelude::*;
    // charms.reactive bug: with @when above @when_file_changed the file predicate is
    // consumed in the hooks phase and the handler never fires.
    #[when("x")]
    #[when_file_changed("config.txt")]
    fn when_above_file() -> anyhow::Result<()> {
        Ok(())
    }
    // Two handlers watching one file both see the change (charms.reactive #25).
    #[when("x")]
    #[when_file_changed("config.txt")]
    fn second_watcher() -> anyhow::Result<()> {
        Ok(())
    }
}

#[test]
fn f3_file_change_fires_whatever_the_attribute_order_and_for_every_watcher() {
    let dir = tempdir("f3");
    std::fs::write(dir.join("config.txt"), "a").unwrap();
    let h = harness("file_stacking").charm_dir(&dir);
    let first = h
        .run("config-changed", &State::default().with_flags(["x"]))
        .unwrap();
    assert_eq!(names(&first.invoked), ["when_above_file", "second_watcher"]);
    let unchanged = h.run("config-changed", &first.state).unwrap();
    assert!(unchanged.invoked.is_empty());
    std::fs::write(dir.join("config.txt"), "b").unwrap();
    let changed = h.run("config-changed", &unchanged.state).unwrap();
    assert_eq!(
        names(&changed.invoked),
        ["when_above_file", "second_watcher"]
    );
}

mod file_retest {
    use charms_reactive::prelude::*;
    #[when("x")]
    fn clears_something() -> anyhow::Result<()> {
        clear_flag("y");
        Ok(())
    }
    #[when("x")]
    #[when_file_changed("watched.txt")]
    fn watcher() -> anyhow::Result<()> {
        Ok(())
    }
}

/// charms.reactive bug: the re-test after a clear evaluates the file predicate a second
/// time, which now says "unchanged", and the watcher is dropped for good.
#[test]
fn f2_retest_after_a_clear_does_not_eat_the_file_change() {
    let dir = tempdir("f2");
    std::fs::write(dir.join("watched.txt"), "v1").unwrap();
    let out = harness("file_retest")
        .charm_dir(&dir)
        .run("config-changed", &State::default().with_flags(["x", "y"]))
        .unwrap();
    assert_eq!(names(&out.invoked), ["clears_something", "watcher"]);
}

mod file_startup {
    use charms_reactive::prelude::*;
    #[when_file_changed("watched.txt")]
    fn watcher() -> anyhow::Result<()> {
        Ok(())
    }
}

/// charms.reactive bug: flags changing at hook start (config flags here) make the tracer
/// test every handler, storing the file hash, so the change is never seen.
#[test]
fn f1_flag_changes_at_start_do_not_eat_the_file_change() {
    let dir = tempdir("f1");
    std::fs::write(dir.join("watched.txt"), "v1").unwrap();
    let h = harness("file_startup")
        .charm_dir(&dir)
        .config_yaml("options:\n  port: {type: int, default: 1}\n")
        .unwrap();
    let out = h.run("config-changed", &State::default()).unwrap();
    assert_eq!(names(&out.invoked), ["watcher"]);
}

mod once_fails {
    use charms_reactive::prelude::*;
    #[when("x")]
    #[only_once]
    fn once() -> anyhow::Result<()> {
        anyhow::ensure!(is_flag_set("fixed"), "not yet");
        Ok(())
    }
}

/// The only_once mark is recorded only after the handler succeeded.
#[test]
fn only_once_mark_is_recorded_after_success() {
    let input = State::default().with_flags(["x"]);
    let failed = harness("once_fails")
        .run("config-changed", &input)
        .expect_err("fails first");
    assert_eq!(failed.state, input);
    let ok = run(
        "once_fails",
        "config-changed",
        &input.clone().with_flags(["fixed"]),
    );
    assert_eq!(names(&ok.invoked), ["once"]);
    assert!(run("once_fails", "config-changed", &ok.state)
        .invoked
        .is_empty());
}

mod unset_clear {
    use charms_reactive::prelude::*;
    #[when("a")]
    fn sets_b() -> anyhow::Result<()> {
        set_flag("b");
        Ok(())
    }
    #[when("a")]
    fn clears_unset() -> anyhow::Result<()> {
        clear_flag("never.set");
        Ok(())
    }
    #[when_not("b")]
    fn queued_when_not_b() -> anyhow::Result<()> {
        Ok(())
    }
}

/// charms.reactive re-tests the queue on any clear, so clearing a flag that was never set
/// drops `queued_when_not_b` (b was set earlier in the iteration). Here it still runs.
#[test]
fn clearing_an_unset_flag_does_not_retest_the_queue() {
    let out = run(
        "unset_clear",
        "config-changed",
        &State::default().with_flags(["a"]),
    );
    assert_eq!(
        names(&out.invoked),
        ["sets_b", "clears_unset", "queued_when_not_b"]
    );
}

mod config_flags {
    use charms_reactive::prelude::*;
    #[when("config.changed.greeting")]
    fn saw_changed() -> anyhow::Result<()> {
        set_flag("saw.changed.greeting");
        Ok(())
    }
    #[when("config.changed")]
    fn saw_any_change() -> anyhow::Result<()> {
        set_flag("saw.changed");
        Ok(())
    }
    #[when("config.set.greeting")]
    fn saw_set() -> anyhow::Result<()> {
        set_flag("saw.set.greeting");
        Ok(())
    }
    #[when("config.default.greeting")]
    fn saw_default() -> anyhow::Result<()> {
        set_flag("saw.default.greeting");
        Ok(())
    }
    #[hook("config-changed")]
    fn forget() -> anyhow::Result<()> {
        for f in get_flags() {
            if f.starts_with("saw.") {
                clear_flag(&f);
            }
        }
        Ok(())
    }
}

#[test]
fn config_flags_last_one_hook_and_compare_with_the_previous_hook() {
    let h = harness("config_flags")
        .config_yaml("options:\n  greeting: {type: string, default: hello}\n  other: {type: int}\n")
        .unwrap();
    let first = h.run("config-changed", &State::default()).unwrap();
    let saw = |o: &Outcome| {
        o.state
            .flags()
            .into_iter()
            .filter(|f| f.starts_with("saw."))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        saw(&first),
        [
            "saw.changed",
            "saw.changed.greeting",
            "saw.default.greeting",
            "saw.set.greeting"
        ]
    );
    assert!(
        first
            .state
            .flags()
            .iter()
            .all(|f| !f.starts_with("config.")),
        "config flags must not persist"
    );
    let same = h.run("config-changed", &first.state).unwrap();
    assert_eq!(saw(&same), ["saw.default.greeting", "saw.set.greeting"]);
    let mut changed_state = same.state.clone();
    changed_state.config.insert("greeting".into(), "".into());
    let changed = h.run("config-changed", &changed_state).unwrap();
    assert_eq!(saw(&changed), ["saw.changed", "saw.changed.greeting"]);
}

mod series {
    use charms_reactive::prelude::*;
    #[when("upgrade.series.in-progress")]
    fn upgrading() -> anyhow::Result<()> {
        Ok(())
    }
}

#[test]
fn upgrade_series_flag_spans_pre_to_post_series_upgrade() {
    let pre = run("series", "pre-series-upgrade", &State::default());
    assert!(pre
        .state
        .flags()
        .contains(&"upgrade.series.in-progress".to_string()));
    let during = run("series", "update-status", &pre.state);
    assert_eq!(names(&during.invoked), ["upgrading"]);
    let post = run("series", "post-series-upgrade", &during.state);
    assert!(post.invoked.is_empty());
    assert!(!post
        .state
        .flags()
        .contains(&"upgrade.series.in-progress".to_string()));
}

mod failing_callback {
    use charms_reactive::prelude::*;
    fn refuse() -> anyhow::Result<()> {
        anyhow::bail!("callback refused")
    }
    #[startup]
    fn triggers() -> anyhow::Result<()> {
        register_trigger(Trigger::when("a").callback(refuse))?;
        anyhow::ensure!(
            register_trigger(Trigger::when("a")).is_err(),
            "a trigger without action is refused"
        );
        Ok(())
    }
    #[hook("install")]
    fn sets_a() -> anyhow::Result<()> {
        set_flag("a");
        Ok(())
    }
}

#[test]
fn a_failing_trigger_callback_fails_the_hook() {
    let failure = harness("failing_callback")
        .run("install", &State::default())
        .expect_err("must fail");
    let msg = format!("{:#}", failure.error);
    assert!(
        msg.contains("sets_a") && msg.contains("callback refused"),
        "{msg}"
    );
}

mod panics {
    use charms_reactive::prelude::*;
    #[hook("install")]
    fn panicking() -> anyhow::Result<()> {
        status::maintenance("about to panic")?;
        set_flag("lost");
        let v: Vec<u8> = Vec::new();
        let _ = v[3];
        Ok(())
    }
}

/// A panicking handler fails the hook with its message; the state is unchanged but the
/// status set before it stays (status-set is not transactional in Juju).
#[test]
fn a_panicking_handler_fails_the_hook_and_loses_nothing() {
    let input = State::default();
    let failure = harness("panics")
        .run("install", &input)
        .expect_err("must fail");
    let msg = format!("{:#}", failure.error);
    assert!(
        msg.contains("panicked") && msg.contains("index out of bounds"),
        "{msg}"
    );
    assert_eq!(failure.state, input);
    assert_eq!(
        failure
            .record
            .unit_statuses
            .last()
            .map(|s| s.message.as_str()),
        Some("about to panic")
    );
}

mod logs {
    use charms_reactive::prelude::*;
    #[when_not("done")]
    fn work() -> anyhow::Result<()> {
        set_flag("done");
        Ok(())
    }
}

#[test]
fn each_invocation_is_logged_at_info_and_dispatch_detail_at_debug() {
    let out = run("logs", "install", &State::default());
    let info: Vec<&str> = out
        .record
        .logs
        .iter()
        .filter(|(l, _)| *l == LogLevel::Info)
        .map(|(_, m)| m.as_str())
        .collect();
    assert_eq!(
        info,
        ["Invoking reactive handler: improvements::logs::work"]
    );
    assert!(out
        .record
        .logs
        .iter()
        .any(|(l, m)| *l == LogLevel::Debug && m == "set flag done"));
    let quiet = harness("logs")
        .log_level(tracing::level_filters::LevelFilter::INFO)
        .run("install", &State::default())
        .unwrap();
    assert!(quiet.record.logs.iter().all(|(l, _)| *l >= LogLevel::Info));
}

mod actions {
    use charms_reactive::prelude::*;
    #[action("backup")]
    #[when("db.ready")]
    fn backup() -> anyhow::Result<()> {
        let params = charms_reactive::low_level::hook_tools().action_get()?;
        let target = params
            .get("target")
            .and_then(|t| t.as_str())
            .unwrap_or("none")
            .to_string();
        charms_reactive::low_level::hook_tools()
            .action_set(&[("target".to_string(), target)].into())?;
        set_flag("backup.done");
        Ok(())
    }
    #[hook("install")]
    fn install_only() -> anyhow::Result<()> {
        Ok(())
    }
    #[when("backup.done")]
    fn after_backup() -> anyhow::Result<()> {
        Ok(())
    }
}

/// charms.reactive has no actions. Action handlers run first, then the flag loop.
#[test]
fn actions_dispatch_to_their_handlers() {
    let state = State::default().with_flags(["db.ready"]);
    let out = harness("actions")
        .run_action("backup", serde_json::json!({"target": "/srv"}), &state)
        .unwrap();
    assert_eq!(names(&out.invoked), ["backup", "after_backup"]);
    assert_eq!(
        out.record.action_results.get("target").map(String::as_str),
        Some("/srv")
    );
    assert_eq!(out.record.action_failure, None);
}

#[test]
fn an_action_whose_conditions_fail_is_marked_failed_with_the_reason() {
    let out = harness("actions")
        .run_action("backup", serde_json::json!({}), &State::default())
        .unwrap();
    assert!(out.invoked.is_empty());
    let failure = out.record.action_failure.expect("action-fail");
    assert!(
        failure.contains("improvements::actions::backup") && failure.contains("not met"),
        "{failure}"
    );
    let unknown = harness("actions")
        .run_action("restore", serde_json::json!({}), &State::default())
        .unwrap();
    assert_eq!(
        unknown.record.action_failure.as_deref(),
        Some("no handler for action \"restore\"")
    );
}

mod flag_api {
    use charms_reactive::prelude::*;
    #[hook("install")]
    fn check() -> anyhow::Result<()> {
        anyhow::ensure!(all_flags_set(&[]) && !any_flags_set(&[]));
        toggle_flag("t", true);
        set_flag_value("v", serde_json::json!({"port": 1}));
        // Re-setting an already set flag changes its value only.
        set_flag_value("v", serde_json::json!({"port": 2}));
        anyhow::ensure!(get_flag_value("v") == Some(serde_json::json!({"port": 2})));
        anyhow::ensure!(get_flag_value("t") == Some(serde_json::Value::Null));
        anyhow::ensure!(get_flag_value("nope").is_none());
        anyhow::ensure!(get_unset_flags(&["t", "z", "a", "z"]) == ["a", "z"]);
        anyhow::ensure!(
            all_flags_set(&["t", "v"]) && any_flags_set(&["t", "q"]) && !any_flags_set(&["q"])
        );
        toggle_flag("t", false);
        anyhow::ensure!(!is_flag_set("t"));
        anyhow::ensure!(get_flags() == ["v"]);
        Ok(())
    }
}

#[test]
fn flag_api_behaves_like_charms_reactive() {
    let out = run("flag_api", "install", &State::default());
    assert_eq!(
        out.state
            .unit_state
            .get("reactive.states.v")
            .map(String::as_str),
        Some(r#"{"port": 2}"#)
    );
}

mod bare_watch {
    use charms_reactive::prelude::*;
    #[when("render")]
    fn render() -> anyhow::Result<()> {
        std::fs::write(charm_dir().join("rendered.conf"), "new")?;
        clear_flag("render");
        Ok(())
    }
    #[when_file_changed("rendered.conf")]
    fn restart() -> anyhow::Result<()> {
        set_flag("restarted");
        Ok(())
    }
}

/// A bare file watcher is re-tested in every iteration, as in charms.reactive: a file
/// rewritten by a handler is acted on in the same hook.
#[test]
fn a_bare_file_watcher_sees_a_file_rewritten_earlier_in_the_hook() {
    let dir = tempdir("bare-watch");
    std::fs::write(dir.join("rendered.conf"), "old").unwrap();
    let h = harness("bare_watch").charm_dir(&dir);
    let first = h.run("update-status", &State::default()).unwrap();
    assert_eq!(names(&first.invoked), ["restart"]);
    let second = h
        .run(
            "config-changed",
            &first.state.clone().with_flags(["render"]),
        )
        .unwrap();
    assert_eq!(names(&second.invoked), ["render", "restart"]);
}

mod trigger_cycle {
    use charms_reactive::prelude::*;
    #[startup]
    fn triggers() -> anyhow::Result<()> {
        register_trigger(Trigger::when("a").set_flag("b"))?;
        register_trigger(Trigger::when("b").clear_flag("a"))?;
        register_trigger(Trigger::when_not("a").clear_flag("b"))?;
        register_trigger(Trigger::when_not("b").set_flag("a"))?;
        Ok(())
    }
    #[hook("install")]
    fn start_it() -> anyhow::Result<()> {
        set_flag("a");
        Ok(())
    }
}

#[test]
fn a_cycle_of_triggers_fails_the_hook_naming_the_flags() {
    let failure = harness("trigger_cycle")
        .run("install", &State::default())
        .expect_err("must fail");
    let msg = format!("{:#}", failure.error);
    assert!(
        msg.contains("trigger cascade deeper than 100") && msg.contains("a -> b"),
        "{msg}"
    );
}

mod restricted_publish {
    use charms_reactive::endpoint::Endpoint;
    use charms_reactive::prelude::*;
    #[collect_metrics]
    fn metrics() -> anyhow::Result<()> {
        for rel in Endpoint::from_name("db").expect("db").relations()? {
            rel.to_publish_raw().set("x", "y")?;
        }
        Ok(())
    }
}

#[test]
fn relation_data_written_in_a_restricted_hook_fails_it() {
    use charms_reactive::testing::Relation;
    let h = harness("restricted_publish")
        .metadata("name: a\nrequires:\n  db: pgsql\n")
        .unwrap();
    let state = State::default().with_relation(Relation::new("db", 1, "pg").unit("pg/0", []));
    let failure = h.run("collect-metrics", &state).expect_err("must fail");
    assert!(
        format!("{:#}", failure.error).contains("restricted hook"),
        "{:#}",
        failure.error
    );
}

mod config_edge {
    use charms_reactive::prelude::*;
    #[when("config.default.ratio")]
    fn ratio_default() -> anyhow::Result<()> {
        set_flag("seen.ratio.default");
        Ok(())
    }
    #[when("config.default.unset")]
    fn unset_default() -> anyhow::Result<()> {
        set_flag("seen.unset.default");
        Ok(())
    }
    #[hook("install")]
    fn own_config_flag() -> anyhow::Result<()> {
        set_flag("config.changed_by_admin");
        Ok(())
    }
}

/// `default: 1.0` in YAML against `1` from config-get is a default (as `1 == 1.0` in
/// Python); an option without a default is `null` and at its default; a charm's own flag
/// that merely starts with `config.changed` survives the hook.
#[test]
fn config_defaults_compare_numbers_by_value_and_only_automatic_flags_are_removed() {
    let h = harness("config_edge")
        .config_yaml(
            "options:\n  ratio: {type: float, default: 1.0}\n  unset: {type: string}\n  empty:\n",
        )
        .unwrap();
    let out = h
        .run("install", &State::default().with_config("ratio", 1))
        .unwrap();
    let flags = out.state.flags();
    assert!(
        flags.contains(&"seen.ratio.default".to_string()),
        "{flags:?}"
    );
    assert!(
        flags.contains(&"seen.unset.default".to_string()),
        "{flags:?}"
    );
    assert!(
        flags.contains(&"config.changed_by_admin".to_string()),
        "{flags:?}"
    );
}

#[test]
fn metadata_with_empty_sections_is_accepted() {
    let h = Harness::new()
        .only(["improvements::nothing::"])
        .metadata("name: a\nrequires:\nprovides:\npeers:\n")
        .unwrap();
    assert!(h.run("install", &State::default()).is_ok());
}

mod leader_values {
    use charms_reactive::prelude::*;
    #[hook("install")]
    fn set_padded() -> anyhow::Result<()> {
        leadership::set(&[("cert".to_string(), "PEM\n".to_string())].into())?;
        Ok(())
    }
}

mod bad_endpoint_read {
    use charms_reactive::prelude::*;
    #[when_not("never")]
    fn runs() -> anyhow::Result<()> {
        Ok(())
    }
}

/// A relation that cannot be read does not wedge unrelated hooks: it is logged, and the
/// endpoint's flags stay as they were. In its own relation hooks it fails the hook.
#[test]
fn an_unreadable_relation_fails_only_its_own_hooks() {
    use charms_reactive::testing::Relation;
    let meta = "name: a\nrequires:\n  db: pgsql\n";
    let h = harness("bad_endpoint_read")
        .metadata(meta)
        .unwrap()
        .failing_tool("relation-get");
    let state = State::default().with_relation(Relation::new("db", 1, "pg").unit("pg/0", []));
    let out = h.run("update-status", &state).unwrap();
    assert_eq!(names(&out.invoked), ["runs"]);
    assert!(
        out.record
            .logs
            .iter()
            .any(|(l, m)| *l == LogLevel::Warning && m.contains("endpoint \"db\"")),
        "{:?}",
        out.record.logs
    );
    assert!(h
        .run_relation("db-relation-changed", "db:1", Some("pg/0"), &state)
        .is_err());
}

mod leader_whitespace {
    use charms_reactive::prelude::*;

    #[when_not("stored")]
    fn store() -> anyhow::Result<()> {
        let settings = [("cert".to_string(), "PEM\n".to_string())]
            .into_iter()
            .collect();
        leadership::set(&settings)?;
        set_flag("stored");
        Ok(())
    }
}

#[test]
fn the_harness_refuses_a_leader_setting_juju_would_strip_as_the_real_backend_does() {
    let failure = harness("leader_whitespace")
        .run("update-status", &State::default().with_leader(true))
        .expect_err("refused");
    let text = format!("{:#}", failure.error);
    assert!(text.contains("leading or trailing whitespace"), "{text}");
}
