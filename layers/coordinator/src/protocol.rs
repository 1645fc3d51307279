//! The lock protocol's data, as charmhelpers' `coordinator` module keeps it, and the
//! leader's decision. Pure functions: no hook tool, no unit state.
//!
//! * Requests: each unit publishes its own in its peer-relation data, key `coordinator`,
//!   as the JSON object `{lock: timestamp}`.
//! * Grants: the leader keeps them in the leader settings, key `coordinator`, as the JSON
//!   object `{unit: {lock: timestamp}}`: a unit holds a lock while the timestamp granted
//!   equals the one it requested.
//!
//! Both are written as Python's `json.dumps(…, sort_keys=True)` writes them, so a unit
//! upgraded from a Python charm keeps its requests and its grants.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use charms_reactive::low_level::pyjson;
use serde_json::Value;

/// One unit's requests or grants: lock name → request timestamp.
pub type Locks = BTreeMap<String, String>;
/// Every unit's requests or grants: unit name → its locks.
pub type Table = BTreeMap<String, Locks>;

/// How the leader decides who gets a lock (layer option `class`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// charmhelpers' `Serial`: each lock is held by at most one unit at a time; different
    /// locks may be held by different units at once.
    Serial,
    /// layer-coordinator's `SimpleCoordinator`: at most one unit holds locks at a time,
    /// whatever their names; the unit holding one may get others too.
    Simple,
}

impl std::str::FromStr for Class {
    type Err = String;
    fn from_str(s: &str) -> Result<Class, String> {
        match s {
            "serial" => Ok(Class::Serial),
            "simple" => Ok(Class::Simple),
            other => Err(format!(
                "layer option coordinator.class is {other:?}: use serial or simple"
            )),
        }
    }
}

/// The leader's decision. Keeps the grants whose unit is still present (in `requests`)
/// and still requests the lock with the same timestamp (a unit releases a lock by
/// dropping its request, or asks again later with a new timestamp); then grants the
/// outstanding requests first come, first served: by timestamp, ties by unit name,
/// then lock name.
pub fn decide(class: Class, grants: &Table, requests: &Table) -> Table {
    let mut kept = Table::new();
    for (unit, locks) in grants {
        for (lock, ts) in locks {
            let requested = requests.get(unit).and_then(|r| r.get(lock));
            if requested == Some(ts) {
                kept.entry(unit.clone())
                    .or_default()
                    .insert(lock.clone(), ts.clone());
            }
        }
    }
    let mut queue: Vec<(&String, &String, &String)> = requests
        .iter()
        .flat_map(|(unit, locks)| locks.iter().map(move |(lock, ts)| (ts, unit, lock)))
        .filter(|(_, unit, lock)| !holds(&kept, unit, lock))
        .collect();
    queue.sort();
    for (ts, unit, lock) in queue {
        let free = match class {
            Class::Serial => !kept.values().any(|l| l.contains_key(lock)),
            Class::Simple => !kept.iter().any(|(u, l)| u != unit && !l.is_empty()),
        };
        if free {
            kept.entry(unit.clone())
                .or_default()
                .insert(lock.clone(), ts.clone());
        }
    }
    kept.retain(|_, locks| !locks.is_empty());
    kept
}

/// Whether `unit` holds `lock` in `grants`.
pub fn holds(grants: &Table, unit: &str, lock: &str) -> bool {
    grants.get(unit).is_some_and(|l| l.contains_key(lock))
}

/// A unit's requests from their JSON text; `None` if it is not a JSON object of strings.
pub fn parse_locks(raw: &str) -> Option<Locks> {
    let value: Value = serde_json::from_str(raw).ok()?;
    let map = value.as_object()?;
    map.iter()
        .map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect()
}

/// Every unit's grants from their JSON text; `None` if it is not such an object.
pub fn parse_table(raw: &str) -> Option<Table> {
    let value: Value = serde_json::from_str(raw).ok()?;
    let map = value.as_object()?;
    map.iter()
        .map(|(unit, locks)| {
            let locks = locks
                .as_object()?
                .iter()
                .map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect::<Option<Locks>>()?;
            Some((unit.clone(), locks))
        })
        .collect()
}

/// `json.dumps(locks, sort_keys=True)`.
pub fn dumps_locks(locks: &Locks) -> String {
    pyjson::dumps(&locks_value(locks))
}

/// `json.dumps(table, sort_keys=True)`.
pub fn dumps_table(table: &Table) -> String {
    let value = table
        .iter()
        .map(|(unit, locks)| (unit.clone(), locks_value(locks)))
        .collect();
    pyjson::dumps(&Value::Object(value))
}

fn locks_value(locks: &Locks) -> Value {
    Value::Object(
        locks
            .iter()
            .map(|(lock, ts)| (lock.clone(), Value::String(ts.clone())))
            .collect(),
    )
}

/// Now, as charmhelpers writes request timestamps: UTC `%Y-%m-%d %H:%M:%S.%fZ`
/// (sortable as text).
pub fn timestamp_now() -> String {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    timestamp(since.as_secs(), since.subsec_micros())
}

/// The timestamp of `secs` seconds and `micros` microseconds after the Unix epoch.
pub fn timestamp(secs: u64, micros: u32) -> String {
    let days = (secs / 86_400) as i64;
    let rest = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{micros:06}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Year, month, day of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locks(pairs: &[(&str, &str)]) -> Locks {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn table(rows: &[(&str, &[(&str, &str)])]) -> Table {
        rows.iter()
            .map(|(u, l)| (u.to_string(), locks(l)))
            .collect()
    }

    #[test]
    fn timestamps_are_charmhelpers_utc_format() {
        assert_eq!(timestamp(0, 0), "1970-01-01 00:00:00.000000Z");
        // 2024-02-29 23:59:59.123456 UTC
        assert_eq!(
            timestamp(1_709_251_199, 123_456),
            "2024-02-29 23:59:59.123456Z"
        );
        assert_eq!(timestamp(951_782_400, 7), "2000-02-29 00:00:00.000007Z");
        assert_eq!(timestamp_now().len(), "1970-01-01 00:00:00.000000Z".len());
    }

    #[test]
    fn json_is_written_as_python_writes_it() {
        let t = table(&[
            ("b/1", &[("restart", "2024-01-01 00:00:00.000000Z")]),
            ("a/0", &[("x", "1"), ("é\"", "2")]),
        ]);
        assert_eq!(
            dumps_table(&t),
            r#"{"a/0": {"x": "1", "\u00e9\"": "2"}, "b/1": {"restart": "2024-01-01 00:00:00.000000Z"}}"#
        );
        assert_eq!(parse_table(&dumps_table(&t)), Some(t));
        assert_eq!(dumps_locks(&Locks::new()), "{}");
        assert_eq!(parse_locks("{}"), Some(Locks::new()));
        assert_eq!(parse_locks("[1]"), None);
        assert_eq!(parse_locks(r#"{"a": 1}"#), None);
        assert_eq!(parse_table(r#"{"a/0": "x"}"#), None);
    }

    #[test]
    fn serial_grants_each_lock_to_the_earliest_request() {
        let requests = table(&[
            ("a/0", &[("restart", "3")]),
            ("a/1", &[("restart", "1"), ("upgrade", "5")]),
            ("a/2", &[("restart", "2"), ("upgrade", "4")]),
        ]);
        let grants = decide(Class::Serial, &Table::new(), &requests);
        assert_eq!(
            grants,
            table(&[("a/1", &[("restart", "1")]), ("a/2", &[("upgrade", "4")])])
        );
        // Stable: deciding again changes nothing.
        assert_eq!(decide(Class::Serial, &grants, &requests), grants);
    }

    #[test]
    fn a_released_or_re_requested_grant_goes_to_the_next_in_line() {
        let grants = table(&[("a/1", &[("restart", "1")])]);
        // a/1 released: its request is gone.
        let requests = table(&[("a/0", &[("restart", "3")]), ("a/2", &[("restart", "2")])]);
        assert_eq!(
            decide(Class::Serial, &grants, &requests),
            table(&[("a/2", &[("restart", "2")])])
        );
        // a/1 asked again later: it goes to the back.
        let requests = table(&[
            ("a/0", &[("restart", "3")]),
            ("a/1", &[("restart", "9")]),
            ("a/2", &[("restart", "2")]),
        ]);
        assert_eq!(
            decide(Class::Serial, &grants, &requests),
            table(&[("a/2", &[("restart", "2")])])
        );
    }

    #[test]
    fn a_grant_of_a_unit_no_longer_present_is_released() {
        let grants = table(&[("a/1", &[("restart", "1")])]);
        let requests = table(&[("a/2", &[("restart", "2")])]);
        assert_eq!(
            decide(Class::Serial, &grants, &requests),
            table(&[("a/2", &[("restart", "2")])])
        );
    }

    #[test]
    fn ties_go_to_the_lower_unit_name() {
        let requests = table(&[("a/2", &[("restart", "1")]), ("a/1", &[("restart", "1")])]);
        assert_eq!(
            decide(Class::Serial, &Table::new(), &requests),
            table(&[("a/1", &[("restart", "1")])])
        );
    }

    #[test]
    fn simple_lets_one_unit_hold_locks_at_a_time() {
        let requests = table(&[
            ("a/1", &[("restart", "1"), ("upgrade", "5")]),
            ("a/2", &[("upgrade", "4")]),
        ]);
        // a/1 first; a/2's upgrade waits although nobody holds `upgrade`; a/1 gets it too.
        assert_eq!(
            decide(Class::Simple, &Table::new(), &requests),
            table(&[("a/1", &[("restart", "1"), ("upgrade", "5")])])
        );
        assert_eq!("simple".parse::<Class>(), Ok(Class::Simple));
        assert!("Serial"
            .parse::<Class>()
            .unwrap_err()
            .contains("serial or simple"));
    }
}
