//! Change detection: `data_changed` and file hashes.

use std::path::Path;

use md5::{Digest, Md5};
use serde::Serialize;

use crate::context::{current, Context};
use crate::pyjson;

const DATA_PREFIX: &str = "reactive.data_changed.";
const FILES_PREFIX: &str = "reactive.files_changed.";
const INVOKED_PREFIX: &str = "reactive.invoked.";

fn hash_of(data: &impl Serialize) -> Result<String, serde_json::Error> {
    Ok(hash_value(&serde_json::to_value(data)?))
}

/// charms.reactive's `data_changed` hash of a JSON value.
pub(crate) fn hash_value(value: &serde_json::Value) -> String {
    hex(&Md5::digest(pyjson::dumps(value).as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `data` differs from what was last given for `id`, remembering it either way.
/// True the first time. The hash is charms.reactive's (md5 of sorted-keys JSON, stored at
/// `reactive.data_changed.<id>`), so it carries over from a Python charm; like every
/// unit-state change it is kept only if the hook succeeds.
///
/// ```no_run
/// # fn f() -> anyhow::Result<()> {
/// let cfg = serde_json::json!({"port": 5672});
/// if charms_reactive::data_changed("rabbitmq.config", &cfg)? {
///     // re-render the configuration file
/// }
/// # Ok(()) }
/// ```
pub fn data_changed(id: &str, data: &impl Serialize) -> Result<bool, serde_json::Error> {
    let hash = hash_of(data)?;
    let ctx = current();
    let mut kv = ctx.kv.borrow_mut();
    let key = format!("{DATA_PREFIX}{id}");
    let changed = kv
        .get(&key)
        .and_then(|v| v.as_str().map(str::to_string))
        .as_deref()
        != Some(&hash);
    kv.set(&key, &serde_json::Value::String(hash));
    Ok(changed)
}

/// Like [`data_changed`] but does not remember the new data.
pub fn is_data_changed(id: &str, data: &impl Serialize) -> Result<bool, serde_json::Error> {
    let hash = hash_of(data)?;
    let ctx = current();
    let kv = ctx.kv.borrow();
    let stored = kv.get(&format!("{DATA_PREFIX}{id}"));
    Ok(stored.as_ref().and_then(|v| v.as_str()) != Some(&hash))
}

/// md5 of a file's content; `None` if it cannot be read (e.g. does not exist).
fn file_hash(charm_dir: &Path, path: &str) -> Option<String> {
    std::fs::read(charm_dir.join(path))
        .ok()
        .map(|data| hex(&Md5::digest(&data)))
}

fn file_key(handler_id: &str, path: &str) -> String {
    format!("{FILES_PREFIX}{handler_id}:{path}")
}

/// Whether any of `paths` changed since handler `handler_id` last ran successfully. Pure:
/// nothing is recorded until [`record_files`] after the handler succeeded.
pub(crate) fn files_changed(ctx: &Context, handler_id: &str, paths: &[&str]) -> bool {
    let kv = ctx.kv.borrow();
    paths.iter().any(|p| {
        let stored = kv
            .get(&file_key(handler_id, p))
            .and_then(|v| v.as_str().map(str::to_string));
        file_hash(&ctx.charm_dir, p) != stored
    })
}

/// Records the current hashes of `paths` for `handler_id`.
pub(crate) fn record_files(ctx: &Context, handler_id: &str, paths: &[&str]) {
    let mut kv = ctx.kv.borrow_mut();
    for p in paths {
        let key = file_key(handler_id, p);
        match file_hash(&ctx.charm_dir, p) {
            Some(h) => kv.set(&key, &serde_json::Value::String(h)),
            None => {
                kv.unset(&key);
            }
        }
    }
}

/// Whether an `#[only_once]` handler already ran successfully.
pub(crate) fn was_invoked(ctx: &Context, handler_id: &str) -> bool {
    ctx.kv
        .borrow()
        .contains(&format!("{INVOKED_PREFIX}{handler_id}"))
}

/// Marks an `#[only_once]` handler as run.
pub(crate) fn mark_invoked(ctx: &Context, handler_id: &str) {
    ctx.kv.borrow_mut().set(
        &format!("{INVOKED_PREFIX}{handler_id}"),
        &serde_json::Value::Bool(true),
    );
}
