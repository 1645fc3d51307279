//! The model's secrets as `juju secrets` and `juju show-secret` show them (the keys of
//! their yaml and json in Juju 3.6's `cmd/juju/secrets`): metadata always, content only
//! when revealed.

use std::collections::BTreeMap;

use serde::Serialize;

use super::ModelView;
use crate::secret::{format_time, parse_uri};
use crate::secret_store::SecretRecord;

/// Revealed content: key → value. Serialised as the map; `Debug` shows the keys only.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Revealed(pub BTreeMap<String, String>);

impl std::fmt::Debug for Revealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<&String> = self.0.keys().collect();
        write!(f, "Revealed {{ keys: {keys:?}, values: <redacted> }}")
    }
}

/// One revision's metadata (`--revisions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevisionDetails {
    /// The revision.
    pub revision: u32,
    /// When it was made.
    pub created: String,
    /// When it last changed.
    pub updated: String,
    /// When it expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// One grant (`show-secret`'s `access`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessDetails {
    /// `application-web`, `unit-web-0`.
    pub target: String,
    /// The relation it was given in: `relation-web.database#kv.db`.
    pub scope: String,
    /// Always `view`.
    pub role: String,
}

/// A secret as `juju secrets` and `juju show-secret` show it; serialised, it has their
/// keys, in their order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretDetails {
    /// The secret's id (the key its details are shown under).
    #[serde(skip)]
    pub id: String,
    /// When it last changed, model clock (for "Last updated").
    #[serde(skip)]
    pub updated_at: i64,
    /// The latest revision.
    pub revision: u32,
    /// When the latest revision expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// The rotate policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation: Option<String>,
    /// When it rotates next.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotates: Option<String>,
    /// The owning application or unit.
    pub owner: String,
    /// Its description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The owner's label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// When it was created.
    pub created: String,
    /// When it last changed.
    pub updated: String,
    /// The content, with `--reveal` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<Revealed>,
    /// Every revision, with `--revisions`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revisions: Option<Vec<RevisionDetails>>,
    /// Its grants (`show-secret`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access: Option<Vec<AccessDetails>>,
}

/// What `show-secret` adds to a secret's metadata.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShowSecret {
    /// Show the content (`--reveal`).
    pub reveal: bool,
    /// Show every revision's metadata (`--revisions`).
    pub revisions: bool,
    /// Show this revision's content instead of the latest's (`--revision`).
    pub revision: Option<u32>,
}

fn details(id: &str, s: &SecretRecord) -> SecretDetails {
    SecretDetails {
        id: id.to_string(),
        updated_at: s.updated,
        revision: s.latest,
        expires: s
            .revisions
            .get(&s.latest)
            .and_then(|r| r.expire)
            .map(format_time),
        rotation: s.rotate.clone().filter(|p| !p.is_empty()),
        rotates: s.next_rotate.map(format_time),
        owner: s.owner.name().to_string(),
        description: s.description.clone().filter(|d| !d.is_empty()),
        label: s.label.clone().filter(|l| !l.is_empty()),
        created: format_time(s.created),
        updated: format_time(s.updated),
        content: None,
        revisions: None,
        access: None,
    }
}

impl ModelView {
    /// The model clock: seconds since the Unix epoch.
    pub fn clock(&self) -> i64 {
        self.state.clock
    }

    /// Every secret, by id, without content (`juju secrets`).
    pub fn secrets(&self) -> Vec<SecretDetails> {
        self.state
            .secrets
            .secrets
            .iter()
            .map(|(id, s)| details(id, s))
            .collect()
    }

    /// One secret, by URI, id or owner's label (`juju show-secret`), with its grants,
    /// and what `how` asks for. The errors are Juju's.
    pub fn show_secret(&self, query: &str, how: ShowSecret) -> anyhow::Result<SecretDetails> {
        if how.revisions {
            anyhow::ensure!(
                !how.reveal,
                "specify either --revisions or --reveal but not both"
            );
            anyhow::ensure!(
                how.revision.is_none(),
                "specify either --revisions or --revision but not both"
            );
        }
        let store = &self.state.secrets.secrets;
        let found = match parse_uri(query) {
            Ok(uri) => store.get_key_value(&uri.id),
            Err(_) => store
                .iter()
                .find(|(_, s)| s.label.as_deref() == Some(query)),
        };
        let Some((id, s)) = found else {
            let shown = parse_uri(query).map_or(query.to_string(), |u| u.id);
            anyhow::bail!("secret {shown:?} not found");
        };
        let mut d = details(id, s);
        d.access = Some(
            s.grants
                .iter()
                .map(|g| AccessDetails {
                    target: g.target.tag(),
                    scope: g.scope.clone(),
                    role: "view".into(),
                })
                .collect(),
        )
        .filter(|a: &Vec<AccessDetails>| !a.is_empty());
        if how.revisions {
            d.revisions = Some(
                s.revisions
                    .iter()
                    .map(|(n, r)| RevisionDetails {
                        revision: *n,
                        created: format_time(r.created),
                        updated: format_time(r.updated),
                        expires: r.expire.map(format_time),
                    })
                    .collect(),
            );
        }
        if how.reveal {
            let revision = how.revision.unwrap_or(s.latest);
            let content = self
                .state
                .secret_contents
                .get(id, revision)
                .ok_or_else(|| anyhow::anyhow!("secret {id:?} revision {revision} not found"))?;
            d.content = Some(Revealed(content.values().map_err(anyhow::Error::msg)?));
        }
        Ok(d)
    }
}

/// Juju's `UserFriendlyDuration`: how long before `now` a time was, as `juju secrets`
/// shows "Last updated".
pub fn user_friendly_duration(when: i64, now: i64) -> String {
    let since = now - when;
    if since >= 24 * 3600 {
        return format_time(when)[..10].to_string();
    }
    let plural = |n: i64, unit: &str| format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" });
    if since >= 3600 {
        return plural(since / 3600, "hour");
    }
    if since >= 60 {
        return plural(since / 60, "minute");
    }
    if since >= 2 {
        return format!("{since} seconds ago");
    }
    "now".to_string()
}
