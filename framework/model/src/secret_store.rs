//! The model's secrets, as Juju's controller keeps them: each secret's metadata,
//! revisions, grants and per-unit tracking ([`SecretStore`], saved in `model.json`), and
//! the revisions' content ([`SecretContents`], saved apart in `secrets.json`, mode 0600,
//! and never in `model.json`). Committed hook changes are applied here. Layer: state
//! (beside and below [`crate::state`], which holds both).
//!
//! See <https://documentation.ubuntu.com/juju/3.6/reference/secret/>.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::context::SecretChange;
use crate::secret::{next_rotate, Grant, GrantTarget, Owner, SecretContent};

/// The file holding secret content inside the model directory (mode 0600).
pub const SECRETS_FILE: &str = "secrets.json";

/// One revision's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    /// When it was made (model clock, seconds).
    pub created: i64,
    /// When its metadata last changed.
    pub updated: i64,
    /// When it expires.
    pub expire: Option<i64>,
    /// When `secret-expired` is due for it next (its expiry, then every 5 minutes of the
    /// model clock until it is removed).
    pub expire_due: Option<i64>,
}

impl Revision {
    /// A revision made at `now`, expiring at `expire` (and `secret-expired` due then).
    fn new(now: i64, expire: Option<i64>) -> Revision {
        Revision {
            created: now,
            updated: now,
            expire,
            expire_due: expire,
        }
    }
}

/// What a unit tracks of a secret it read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consumer {
    /// The revision `secret-get` returns to it (pinned by its first read, moved by
    /// `--refresh`).
    pub tracked: u32,
    /// Its own label for the secret.
    pub label: Option<String>,
    /// The latest revision it was told of (by `secret-changed`, or by reading it).
    pub notified: u32,
}

/// One secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretRecord {
    /// Its owner.
    pub owner: Owner,
    /// The owner's label.
    pub label: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// Its rotate policy as given (`hourly`, …; `never` or none: no rotation).
    pub rotate: Option<String>,
    /// When `secret-rotate` is due next.
    pub next_rotate: Option<i64>,
    /// When it was created.
    pub created: i64,
    /// When it last changed.
    pub updated: i64,
    /// Its revisions.
    pub revisions: BTreeMap<u32, Revision>,
    /// The latest revision.
    pub latest: u32,
    /// Who else may read it.
    pub grants: Vec<Grant>,
    /// Every unit that read it, by unit name.
    pub consumers: BTreeMap<String, Consumer>,
    /// Old revisions the owner was told nobody tracks (`secret-remove` ran).
    pub obsolete_notified: BTreeSet<u32>,
}

impl SecretRecord {
    /// Old revisions nobody tracks whose `secret-remove` has not run yet.
    pub fn obsolete(&self) -> Vec<u32> {
        self.revisions
            .keys()
            .copied()
            .filter(|r| *r < self.latest)
            .filter(|r| !self.consumers.values().any(|c| c.tracked == *r))
            .filter(|r| !self.obsolete_notified.contains(r))
            .collect()
    }
}

/// Every secret of the model, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretStore {
    /// The secrets, by id.
    pub secrets: BTreeMap<String, SecretRecord>,
}

/// The content of every revision: id → revision → content. `Debug` shows no value.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretContents(pub BTreeMap<String, BTreeMap<u32, SecretContent>>);

impl std::fmt::Debug for SecretContents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let revisions: BTreeMap<&String, Vec<&u32>> = self
            .0
            .iter()
            .map(|(id, r)| (id, r.keys().collect()))
            .collect();
        write!(
            f,
            "SecretContents {{ revisions: {revisions:?}, values: <redacted> }}"
        )
    }
}

impl SecretContents {
    /// Stores revision `revision`'s content of secret `id`.
    fn insert(&mut self, id: &str, revision: u32, content: SecretContent) {
        self.0
            .entry(id.to_string())
            .or_default()
            .insert(revision, content);
    }

    /// Reads `<dir>/secrets.json` (empty if there is none). The error names the file,
    /// never its content.
    pub fn load(dir: &Path) -> anyhow::Result<SecretContents> {
        let path = dir.join(SECRETS_FILE);
        match std::fs::read(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SecretContents::default()),
            Err(e) => anyhow::bail!("{}: {e}", path.display()),
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                // serde's message may quote the text it choked on: say where only.
                anyhow::anyhow!(
                    "{}: not valid secret content (line {}, column {})",
                    path.display(),
                    e.line(),
                    e.column()
                )
            }),
        }
    }

    /// Writes `<dir>/secrets.json` atomically, readable by its owner only (0600); nothing
    /// when there is no content and no file yet.
    pub fn save(&self, dir: &Path) -> anyhow::Result<()> {
        use std::os::unix::fs::OpenOptionsExt;
        let path = dir.join(SECRETS_FILE);
        if self.0.is_empty() && !path.exists() {
            return Ok(());
        }
        let tmp = dir.join(format!("{SECRETS_FILE}.tmp"));
        let _ = std::fs::remove_file(&tmp);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| anyhow::anyhow!("{}: {e}", tmp.display()))?;
        let text = serde_json::to_vec(self)?;
        file.write_all(&text)
            .and_then(|()| file.sync_all())
            .map_err(|e| anyhow::anyhow!("{}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// One revision's content.
    pub fn get(&self, id: &str, revision: u32) -> Option<&SecretContent> {
        self.0.get(id)?.get(&revision)
    }
}

impl SecretStore {
    /// Whether `unit` (of application `app`) may read secret `id`: its owner, a unit of
    /// the owning application, or a unit granted access (itself or its application).
    pub fn readable(&self, id: &str, unit: &str, app: &str) -> bool {
        let Some(s) = self.secrets.get(id) else {
            return false;
        };
        match &s.owner {
            Owner::Unit(u) if u == unit => return true,
            Owner::Application(a) if a == app => return true,
            _ => {}
        }
        s.grants.iter().any(|g| match &g.target {
            GrantTarget::Application(a) => a == app,
            GrantTarget::Unit(u) => u == unit,
        })
    }

    /// Applies a committed change made by `unit` at model time `now`.
    pub fn apply(
        &mut self,
        contents: &mut SecretContents,
        unit: &str,
        now: i64,
        change: &SecretChange,
    ) {
        match change {
            SecretChange::Create {
                id,
                owner,
                label,
                description,
                rotate,
                expire,
                content,
            } => {
                let revision = Revision::new(now, *expire);
                self.secrets.insert(
                    id.clone(),
                    SecretRecord {
                        owner: owner.clone(),
                        label: label.clone(),
                        description: description.clone(),
                        rotate: rotate.clone(),
                        next_rotate: rotate.as_deref().and_then(|p| next_rotate(p, now, now)),
                        created: now,
                        updated: now,
                        revisions: [(1, revision)].into(),
                        latest: 1,
                        grants: Vec::new(),
                        consumers: BTreeMap::new(),
                        obsolete_notified: BTreeSet::new(),
                    },
                );
                contents.insert(id, 1, content.clone());
            }
            SecretChange::Update {
                id,
                label,
                description,
                rotate,
                expire,
                content,
            } => {
                let Some(s) = self.secrets.get_mut(id) else {
                    return;
                };
                if label.is_some() {
                    s.label = label.clone();
                }
                if description.is_some() {
                    s.description = description.clone();
                }
                if let Some(policy) = rotate {
                    s.rotate = Some(policy.clone());
                    s.next_rotate = next_rotate(policy, now, now);
                }
                let latest_content = contents.get(id, s.latest);
                let new_content = content.as_ref().filter(|c| latest_content != Some(*c));
                if let Some(c) = new_content {
                    s.latest += 1;
                    s.revisions.insert(s.latest, Revision::new(now, *expire));
                    contents.insert(id, s.latest, c.clone());
                } else if let Some(e) = expire {
                    if let Some(r) = s.revisions.get_mut(&s.latest) {
                        r.expire = Some(*e);
                        r.expire_due = Some(*e);
                        r.updated = now;
                    }
                }
                s.updated = now;
            }
            SecretChange::Remove { id, revision } => {
                let gone = match (revision, self.secrets.get_mut(id)) {
                    (_, None) => return,
                    (None, Some(_)) => true,
                    (Some(r), Some(s)) => {
                        s.revisions.remove(r);
                        s.obsolete_notified.remove(r);
                        if let Some(c) = contents.0.get_mut(id) {
                            c.remove(r);
                        }
                        if let Some(max) = s.revisions.keys().max() {
                            s.latest = *max;
                        }
                        s.updated = now;
                        s.revisions.is_empty()
                    }
                };
                if gone {
                    self.secrets.remove(id);
                    contents.0.remove(id);
                }
            }
            SecretChange::Grant { id, grant } => {
                if let Some(s) = self.secrets.get_mut(id) {
                    if !s.grants.contains(grant) {
                        s.grants.push(grant.clone());
                    }
                }
            }
            SecretChange::Revoke { id, target } => {
                if let Some(s) = self.secrets.get_mut(id) {
                    s.grants.retain(|g| &g.target != target);
                }
            }
            SecretChange::Track {
                id,
                revision,
                label,
            } => {
                if let Some(s) = self.secrets.get_mut(id) {
                    let c = s.consumers.entry(unit.to_string()).or_default();
                    c.tracked = *revision;
                    c.notified = c.notified.max(*revision);
                    if label.is_some() {
                        c.label = label.clone();
                    }
                }
            }
        }
    }

    /// A relation is gone: so are the grants made in its scope.
    pub fn forget_relation(&mut self, relation: u32) {
        for s in self.secrets.values_mut() {
            s.grants.retain(|g| g.relation != relation);
        }
    }

    /// A unit is gone: its own secrets, its grants and its tracking go with it.
    pub fn forget_unit(&mut self, contents: &mut SecretContents, unit: &str) {
        let owned: Vec<String> = self
            .secrets
            .iter()
            .filter(|(_, s)| s.owner == Owner::Unit(unit.to_string()))
            .map(|(id, _)| id.clone())
            .collect();
        for id in owned {
            self.secrets.remove(&id);
            contents.0.remove(&id);
        }
        for s in self.secrets.values_mut() {
            s.consumers.remove(unit);
            s.grants
                .retain(|g| g.target != GrantTarget::Unit(unit.to_string()));
        }
    }
}
