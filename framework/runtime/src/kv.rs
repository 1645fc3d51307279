//! The in-memory, transactional view of the unit's key-value state during one hook.
//!
//! Everything a hook changes lives here until the dispatch succeeds; only then is the
//! difference written to the store in one transaction. A failed, panicking or killed
//! hook therefore persists nothing.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::pyjson;

/// Keys and raw (JSON text) values, with the snapshot they were loaded from.
#[derive(Debug, Clone, Default)]
pub struct Kv {
    original: BTreeMap<String, String>,
    current: BTreeMap<String, String>,
}

/// What a commit must write.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct KvChanges {
    /// Keys to insert or replace, with their new raw values.
    pub upserts: Vec<(String, String)>,
    /// Keys to delete.
    pub deletes: Vec<String>,
}

impl Kv {
    /// A view over a snapshot of the store.
    pub fn new(snapshot: BTreeMap<String, String>) -> Kv {
        Kv {
            original: snapshot.clone(),
            current: snapshot,
        }
    }

    /// The raw JSON text stored under `key`.
    pub fn get_raw(&self, key: &str) -> Option<&str> {
        self.current.get(key).map(String::as_str)
    }

    /// The value under `key`, decoded; `None` when absent or not JSON.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.get_raw(key)
            .and_then(|raw| serde_json::from_str(raw).ok())
    }

    /// Whether `key` exists.
    pub fn contains(&self, key: &str) -> bool {
        self.current.contains_key(key)
    }

    /// Stores `value` under `key`, encoded as Python's `json.dumps` would.
    pub fn set(&mut self, key: &str, value: &Value) {
        self.current.insert(key.to_string(), pyjson::dumps(value));
    }

    /// Removes `key`; returns whether it existed.
    pub fn unset(&mut self, key: &str) -> bool {
        self.current.remove(key).is_some()
    }

    /// Keys starting with `prefix` (exact, case-sensitive prefix match), with the prefix
    /// stripped, in sorted order.
    pub fn keys_with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.current
            .range(prefix.to_string()..)
            .take_while(move |(k, _)| k.starts_with(prefix))
            .map(move |(k, _)| &k[prefix.len()..])
    }

    /// Removes every key starting with `prefix`.
    pub fn unset_prefix(&mut self, prefix: &str) {
        let doomed: Vec<String> = self
            .keys_with_prefix(prefix)
            .map(|k| format!("{prefix}{k}"))
            .collect();
        for key in doomed {
            self.current.remove(&key);
        }
    }

    /// The whole current content.
    pub fn snapshot(&self) -> &BTreeMap<String, String> {
        &self.current
    }

    /// The difference between the loaded snapshot and now.
    pub fn changes(&self) -> KvChanges {
        let upserts = self
            .current
            .iter()
            .filter(|(k, v)| self.original.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let deletes = self
            .original
            .keys()
            .filter(|k| !self.current.contains_key(*k))
            .cloned()
            .collect();
        KvChanges { upserts, deletes }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_scan_is_exact_and_sorted() {
        let mut kv = Kv::default();
        for k in [
            "reactive.states.b",
            "reactive.states.a",
            "reactive_states.x",
            "reactive.statesz",
        ] {
            kv.set(k, &Value::Null);
        }
        let got: Vec<&str> = kv.keys_with_prefix("reactive.states.").collect();
        assert_eq!(got, ["a", "b"]);
    }

    #[test]
    fn changes_are_the_difference() {
        let snap = BTreeMap::from([
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "2".to_string()),
        ]);
        let mut kv = Kv::new(snap);
        kv.set("a", &Value::from(1));
        kv.set("c", &Value::from(3));
        kv.unset("b");
        assert_eq!(
            kv.changes(),
            KvChanges {
                upserts: vec![("c".into(), "3".into())],
                deletes: vec!["b".into()]
            }
        );
    }
}
