//! Relation data and leader settings: maps of strings, changed by merging.

use std::collections::BTreeMap;

/// A databag: relation settings of a unit or an application, or leader settings.
pub type Settings = BTreeMap<String, String>;

/// Merges `changes` into `bag` as `relation-set` and `leader-set` do: a key given an empty
/// value is deleted, every other key takes the new value.
///
/// ```
/// use charms_reactive_juju::settings::{merge, Settings};
/// let mut bag = Settings::from([("a".into(), "1".into()), ("b".into(), "2".into())]);
/// merge(&mut bag, &Settings::from([("a".into(), "".into()), ("c".into(), "3".into())]));
/// assert_eq!(bag, Settings::from([("b".into(), "2".into()), ("c".into(), "3".into())]));
/// ```
pub fn merge(bag: &mut Settings, changes: &Settings) {
    for (k, v) in changes {
        if v.is_empty() {
            bag.remove(k);
        } else {
            bag.insert(k.clone(), v.clone());
        }
    }
}
