//! `reactive explain <unit> [--hook HOOK]`: for a unit of the local model, which handlers
//! the hook would run with the unit's current flags, and for each that would not, the
//! condition that fails.
//!
//! The flags are read from the unit's state, `.unit-state.db` in its charm directory
//! (charmhelpers' SQLite schema: table `kv`, keys `reactive.states.<flag>`), opened
//! read-only; the handlers from the unit's charm (`dispatch --describe`). The evaluation
//! is the composer's (`explain`): one pass, as the first iteration of the flag loop.
//! Without `--hook` the hook is the unit's next one as the model's resolver picks it
//! (Juju's order), or `update-status`, the one Juju runs on an idle unit.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Context as _;
use charms_reactive_compose::describe::describe;
use charms_reactive_compose::explain::explain;
use charms_reactive_compose::flag_lint::CharmHooks;
use charms_reactive_model::resolver::next_hook;
use charms_reactive_model::ModelView;

/// The key prefix of flags in the unit state.
const FLAG_PREFIX: &str = "reactive.states.";

/// The flags set in a unit state database (none if it does not exist yet).
pub fn unit_flags(db: &Path) -> anyhow::Result<BTreeSet<String>> {
    if !db.exists() {
        return Ok(BTreeSet::new());
    }
    let conn = rusqlite::Connection::open_with_flags(
        db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("opening {}", db.display()))?;
    let mut stmt = conn
        .prepare("SELECT key FROM kv WHERE key LIKE 'reactive.states.%'")
        .with_context(|| format!("{}: no charmhelpers kv table", db.display()))?;
    let keys = stmt
        .query_map([], |row| row.get::<_, String>(0))
        .with_context(|| format!("reading {}", db.display()))?;
    let mut flags = BTreeSet::new();
    for key in keys {
        let key = key.with_context(|| format!("reading {}", db.display()))?;
        if let Some(flag) = key.strip_prefix(FLAG_PREFIX) {
            flags.insert(flag.to_string());
        }
    }
    Ok(flags)
}

/// `reactive model explain <unit> [--hook HOOK]`.
pub fn run(model: &ModelView, unit: &str, hook: Option<String>) -> anyhow::Result<()> {
    let charm_dir = &model.unit(unit)?.charm_dir;
    let (hook, why) = match hook {
        Some(hook) => (hook, "--hook"),
        None => match next_hook(model.state(), unit) {
            Some(next) => (next.name, "its next hook"),
            None => ("update-status".to_string(), "the unit is idle"),
        },
    };
    print(unit, charm_dir, &hook, why)
}

/// Prints the explanation for the unit whose charm is in `charm_dir`, for `hook`
/// (chosen because of `why`).
fn print(unit: &str, charm_dir: &Path, hook: &str, why: &str) -> anyhow::Result<()> {
    let charm = CharmHooks::load(charm_dir);
    if !charm.hooks.contains(hook) {
        anyhow::bail!("--hook {hook:?}: the charm of {unit} has no such hook");
    }
    let desc = describe(charm_dir)?;
    let flags = unit_flags(&charm_dir.join(".unit-state.db"))?;
    println!("unit {unit}, hook {hook} ({why})");
    if flags.is_empty() {
        println!("flags: (none)");
    } else {
        let list: Vec<&str> = flags.iter().map(String::as_str).collect();
        println!("flags: {}", list.join(", "));
    }
    for v in explain(&desc, &charm, &flags, hook) {
        let mark = if v.runs { "runs    " } else { "skipped " };
        println!("{mark}{} ({}): {}", v.id, v.at, v.reason);
    }
    Ok(())
}
