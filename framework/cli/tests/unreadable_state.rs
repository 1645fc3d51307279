//! Issue item 6, unreadable state, as a user meets it: a truncated `model.json` is one
//! line on stderr naming the file and `destroy --force` (exit 1), for reading and
//! changing commands and plain `destroy`; `destroy --force` then removes the model.

use test_support::charm::{write_charm, KV, NOOP};
use test_support::cli::{stderr, CliModel};
use test_support::tmp;

const REACTIVE: &str = env!("CARGO_BIN_EXE_reactive");

#[test]
fn item_6_a_truncated_model_json_is_one_line_and_destroy_force_removes_the_model() {
    let root = tmp!("cli-unreadable-state");
    let kv = write_charm(&root, "kv", KV, NOOP);
    let m = CliModel::new(REACTIVE, root.join("model"));
    m.ok(&["init"]);
    m.ok(&["deploy", &kv.to_string_lossy()]);
    let state = m.dir.join("model.json");
    let text = std::fs::read(&state).unwrap_or_default();
    assert!(!text.is_empty());
    std::fs::write(&state, &text[..text.len() / 2]).unwrap_or_else(|e| panic!("{e}"));
    let prefix = format!("error: cannot read the model state {}: ", state.display());
    let suffix = "the model may be damaged: `reactive model destroy --force` removes it\n";
    for args in [vec!["status"], vec!["tick"], vec!["destroy"]] {
        let o = m.run(&args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = stderr(&o);
        assert!(err.starts_with(&prefix), "{args:?}: {err}");
        assert!(err.ends_with(suffix), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
    assert!(state.exists(), "a plain destroy removed nothing");
    let out = m.ok_stdout(&["destroy", "--force"]);
    assert_eq!(out, format!("destroyed {}\n", m.dir.display()));
    assert!(!m.dir.exists(), "nothing of the model is left");
}
