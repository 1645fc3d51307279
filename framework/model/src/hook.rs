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
    /// The secret of a secret hook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<SecretHook>,
}

/// What a secret hook (`secret-changed`, `secret-rotate`, `secret-expired`,
/// `secret-remove`) is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretHook {
    /// The secret's id (`JUJU_SECRET_ID` is `secret:<id>`).
    pub id: String,
    /// Its label as this unit knows it (`JUJU_SECRET_LABEL`).
    pub label: String,
    /// `JUJU_SECRET_REVISION`: the new revision (`secret-changed`), or the revision
    /// concerned (`secret-expired`, `secret-remove`).
    pub revision: Option<u32>,
    /// The secret's latest revision when the hook was chosen.
    pub latest: u32,
}

impl Hook {
    /// A hook with no relation.
    pub fn plain(name: &str) -> Hook {
        Hook {
            name: name.to_string(),
            relation: None,
            remote_unit: None,
            departing_unit: None,
            secret: None,
        }
    }

    /// A secret hook (`secret-<kind>`).
    pub fn secret(name: &str, secret: SecretHook) -> Hook {
        Hook {
            secret: Some(secret),
            ..Hook::plain(name)
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
            secret: None,
        }
    }

    /// How the hook log shows it: `name`, `name(remote)`, or for a secret hook
    /// `name(secret:<id>)` (`name(secret:<id>/<revision>)` for `secret-expired` and
    /// `secret-remove`, as Juju writes a revision).
    pub fn label(&self) -> String {
        match (&self.remote_unit, &self.secret) {
            (Some(u), _) => format!("{}({u})", self.name),
            (None, Some(s)) => match (self.name.as_str(), s.revision) {
                ("secret-expired" | "secret-remove", Some(r)) => {
                    format!("{}(secret:{}/{r})", self.name, s.id)
                }
                _ => format!("{}(secret:{})", self.name, s.id),
            },
            (None, None) => self.name.clone(),
        }
    }
}
