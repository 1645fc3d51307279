//! Issue item 6, unreadable state: a model whose state file cannot be read says so in one
//! line naming the file and `destroy --force`, for every command, and
//! [`Model::destroy_forced`] removes it.

use std::path::Path;

use charms_reactive_model::{Helpers, Model, ModelView};
use test_support::charm::{write_charm, KV, NOOP};
use test_support::{tmp, TestModel};

fn helpers() -> Helpers {
    test_support::model::helpers(env!("CARGO_BIN_EXE_reactive-hook-tool"))
}

/// Asserts `err` is the one-line unreadable-state error naming `file`.
fn assert_unreadable(err: &anyhow::Error, file: &Path) {
    let text = format!("{err:#}");
    assert!(
        text.starts_with(&format!("cannot read the model state {}: ", file.display())),
        "{text}"
    );
    assert!(
        text.ends_with("the model may be damaged: `reactive model destroy --force` removes it"),
        "{text}"
    );
    assert!(!text.contains('\n'), "one line: {text}");
}

#[test]
fn item_6_a_truncated_state_names_the_file_and_destroy_force_removes_the_model(
) -> anyhow::Result<()> {
    let root = tmp!("model-unreadable-state");
    let kv = write_charm(&root, "kv", KV, NOOP);
    let mut m = TestModel::init(&helpers(), &root, 1, None)?;
    m.step(|m| m.deploy(&kv, None, 2))?;
    let dir = m.dir().to_path_buf();
    drop(m);
    let state = dir.join("model.json");
    let text = std::fs::read(&state)?;
    std::fs::write(&state, &text[..text.len() / 2])?;

    let err = ModelView::open(&dir, &helpers()).unwrap_err();
    assert_unreadable(&err, &state);
    assert!(format!("{err:#}").contains("line "), "{err:#}");
    let err = Model::open(&dir, &helpers()).unwrap_err();
    assert_unreadable(&err, &state);

    // Not JSON at all: the same line, and the text itself is never quoted (it may be a
    // secret).
    std::fs::write(&state, "{\"name\": \"s3cret\" oops")?;
    let err = ModelView::open(&dir, &helpers()).unwrap_err();
    assert_unreadable(&err, &state);
    assert!(!format!("{err:#}").contains("s3cret"), "{err:#}");

    let gone = Model::destroy_forced(&dir, &helpers(), || {})?;
    assert_eq!(gone, dir);
    assert!(!dir.exists(), "nothing of the model is left");
    Ok(())
}

#[test]
fn item_6_unreadable_secret_content_is_the_same_error_and_force_needs_a_model() -> anyhow::Result<()>
{
    let root = tmp!("model-unreadable-secrets");
    let m = TestModel::init(&helpers(), &root, 1, None)?;
    let dir = m.dir().to_path_buf();
    drop(m);
    let secrets = dir.join("secrets.json");
    std::fs::write(&secrets, "{")?;
    assert_unreadable(&ModelView::open(&dir, &helpers()).unwrap_err(), &secrets);
    Model::destroy_forced(&dir, &helpers(), || {})?;
    assert!(!dir.exists());
    // Nothing there: an error, not a silent success.
    let err = Model::destroy_forced(&dir, &helpers(), || {}).unwrap_err();
    assert!(err.to_string().starts_with("no model in "), "{err}");
    Ok(())
}
