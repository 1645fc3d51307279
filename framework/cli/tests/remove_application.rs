//! `reactive model remove-application` as a user runs it (issue 16, item 7): what it
//! prints, that the application and its units are gone after, and that an unknown
//! application is a one-line error. The order of the units' hooks is tested through the
//! library in framework/model/tests/juju_rules.rs.

use test_support::charm::{write_charm, KV, NOOP, WEB};
use test_support::cli::{stderr, stdout, CliModel};
use test_support::tmp;

const REACTIVE: &str = env!("CARGO_BIN_EXE_reactive");

#[test]
fn item_7_remove_application_says_what_it_removes_and_settles() {
    let root = tmp!("cli-remove-application");
    let kv = write_charm(&root, "kv", KV, NOOP);
    let web = write_charm(&root, "web", WEB, NOOP);
    let m = CliModel::new(REACTIVE, root.join("model"));
    m.ok(&["init"]);
    m.ok(&["deploy", kv.to_str().unwrap(), "store", "-n", "2"]);
    m.ok(&["deploy", web.to_str().unwrap()]);
    m.ok(&["relate", "store:db", "web"]);
    let o = m.ok(&["remove-application", "store"]);
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.starts_with(
            "will remove application store\n- will remove unit store/0\n- will remove unit store/1\nsettled after "
        ),
        "{err}"
    );
    let status = m.ok_stdout(&["status", "--format", "json"]);
    assert!(!status.contains("store"), "{status}");
    // Gone: a second removal names it, on one line.
    let again = m.run(&["remove-application", "store"]);
    assert_ne!(again.status.code(), Some(0));
    assert_eq!(stderr(&again).lines().count(), 1, "{}", stderr(&again));
    assert!(
        stderr(&again).contains("application \"store\" not found"),
        "{}",
        stderr(&again)
    );
    // The name is free again.
    m.ok(&["deploy", kv.to_str().unwrap(), "store"]);
}
