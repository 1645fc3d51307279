//! One hook to run on a unit: its name and what it is about. Bottom layer
//! (vocabulary): depends on no other module of the crate.

use charms_reactive_juju::hooks;
use serde::{Deserialize, Serialize};

/// A hook and what it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hook {
    /// Full hook name, e.g. `cluster-relation-joined`.
    pub name: String,
    /// Relation id, for relation hooks.
    pub relation: Option<u32>,
    /// Remote unit (`JUJU_REMOTE_UNIT`), for unit-level relation hooks.
    pub remote_unit: Option<String>,
    /// Departing unit, for `-relation-departed`.
    pub departing_unit: Option<String>,
}

impl Hook {
    /// A hook with no relation.
    pub fn plain(name: &str) -> Hook {
        Hook {
            name: name.to_string(),
            relation: None,
            remote_unit: None,
            departing_unit: None,
        }
    }

    /// A relation hook `<endpoint>-relation-<kind>`.
    pub fn relation(endpoint: &str, kind: &str, id: u32, remote_unit: Option<&str>) -> Hook {
        Hook {
            name: hooks::relation_hook(endpoint, kind),
            relation: Some(id),
            remote_unit: remote_unit.map(String::from),
            departing_unit: (kind == "departed")
                .then(|| remote_unit.map(String::from))
                .flatten(),
        }
    }

    /// How the hook log shows it: `name` or `name(remote)`.
    pub fn label(&self) -> String {
        match &self.remote_unit {
            Some(u) => format!("{}({u})", self.name),
            None => self.name.clone(),
        }
    }
}
