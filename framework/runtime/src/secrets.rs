//! Juju secrets (Juju 3): passwords, keys and certificates kept by Juju, not in relation
//! data or the unit state.
//!
//! A secret is owned by the application (the default; only its leader manages it, every
//! unit reads it) or by one unit; its owner [`add`]s it, changes it with [`set`] (each
//! new content is a new revision), shares it over a relation with [`grant`] and
//! [`revoke`], and [`remove`]s it or old revisions. Anyone allowed reads it with [`get`]:
//! a unit keeps reading the revision it tracks until it asks for the latest
//! ([`SecretRead::Refresh`]). Juju applies every change, and a tracking move, only if
//! the hook succeeds.
//!
//! Content is a [`SecretContent`], which never shows its values in `Debug` output, and is
//! never written to a command line, a log or an error by this module.
//!
//! # Automatic flags
//!
//! In the secret hooks the framework sets, for the duration of the hook only,
//! `secret.changed.<label>` (on a consumer, when a newer revision exists),
//! `secret.rotate.<label>`, `secret.expired.<label>` and `secret.remove.<label>` (on the
//! owner; for an application-owned secret, on the leader), where `<label>` is the label
//! this unit gave the secret, or the secret's unique id ([`SecretId::unique`]) if it has
//! none. [`hook_secret`] tells which secret and revision the hook is about.
//!
//! ```no_run
//! use charms_reactive::prelude::*;
//! use charms_reactive::secrets::{self, NewSecret, SecretContent, SecretRef, SecretRead};
//!
//! #[when("leadership.is_leader")]
//! #[when_not("app.password-created")]
//! fn create_password() -> Result<()> {
//!     let content = SecretContent::from([("password", "generated-elsewhere")]);
//!     secrets::add(NewSecret::new(content).label("admin-password"))?;
//!     set_flag("app.password-created");
//!     Ok(())
//! }
//!
//! #[when("secret.changed.db-credentials")]
//! fn reconfigure() -> Result<()> {
//!     let creds = secrets::get(SecretRef::label("db-credentials"), SecretRead::Refresh)?;
//!     let _user = creds.get("username");
//!     Ok(())
//! }
//! ```

use std::fmt;

use crate::backend::ToolError;
use crate::context::current;

pub use crate::backend::{
    Expire, NewSecret, ParseRotatePolicyError, ParseSecretIdError, Revisions, RotatePolicy,
    SecretContent, SecretId, SecretInfo, SecretRead, SecretRef, SecretUpdate,
};

/// A secret operation that failed. No message ever contains secret content. (The
/// tool's error is boxed: it is large, and every secret call returns this type.)
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// No such secret, or not one this unit may see.
    #[error("secret {secret} not found")]
    NotFound {
        /// The secret asked for (URI or label).
        secret: String,
        /// Juju's answer.
        source: Box<ToolError>,
    },
    /// The secret exists but this unit may not read or change it.
    #[error("permission denied for secret {secret}")]
    PermissionDenied {
        /// The secret asked for (URI or label).
        secret: String,
        /// Juju's answer.
        source: Box<ToolError>,
    },
    /// An application-owned secret can be created or managed only by the leader.
    #[error("secret {secret}: only the leader manages the application's secrets")]
    NotLeader {
        /// The secret (URI or label; `new` for one being added).
        secret: String,
        /// Juju's answer.
        source: Box<ToolError>,
    },
    /// A content key Juju would refuse.
    #[error(
        "secret content key {key:?} is not valid: lowercase letters, digits and single hyphens, starting with a letter, at least 3 characters"
    )]
    BadContent {
        /// The key.
        key: String,
    },
    /// `add` with no content (Juju refuses an empty secret).
    #[error("a new secret needs at least one content key")]
    EmptyContent,
    /// Any other failure of the tool.
    #[error("secret {secret}: the hook tool failed")]
    Tool {
        /// The secret (URI or label; `new` for one being added).
        secret: String,
        /// The tool's error.
        source: Box<ToolError>,
    },
}

impl SecretError {
    /// Sorts a tool's failure by Juju's message.
    fn from_tool(secret: impl fmt::Display, source: ToolError) -> SecretError {
        let secret = secret.to_string();
        let text = match &source {
            ToolError::Failed { stderr, .. } => stderr.as_str(),
            _ => "",
        };
        let text = text.to_string();
        let source = Box::new(source);
        if text.contains("not the leader") {
            SecretError::NotLeader { secret, source }
        } else if text.contains("permission denied") {
            SecretError::PermissionDenied { secret, source }
        } else if text.contains("not found") && !text.contains("relation not found") {
            SecretError::NotFound { secret, source }
        } else {
            SecretError::Tool { secret, source }
        }
    }
}

fn check(content: &SecretContent) -> Result<(), SecretError> {
    match content.invalid_key() {
        Some(key) => Err(SecretError::BadContent {
            key: key.to_string(),
        }),
        None => Ok(()),
    }
}

/// Creates a secret (`secret-add`) and returns its URI, to pass to consumers (e.g. in
/// relation data) after granting them access. An application-owned secret needs the
/// leader. Kept only if the hook succeeds.
pub fn add(secret: NewSecret) -> Result<SecretId, SecretError> {
    if secret.content.is_empty() {
        return Err(SecretError::EmptyContent);
    }
    check(&secret.content)?;
    let name = secret
        .label
        .as_deref()
        .map_or_else(|| "new".to_string(), |l| format!("with label {l:?}"));
    current()
        .backend
        .secret_add(&secret)
        .map_err(|e| SecretError::from_tool(name, e))
}

/// A secret's content (`secret-get`): the tracked revision ([`SecretRead::Tracked`], the
/// first read tracks the latest), or the latest ([`SecretRead::Refresh`] moves tracking
/// to it, [`SecretRead::Peek`] does not).
pub fn get(secret: impl Into<SecretRef>, read: SecretRead) -> Result<SecretContent, SecretError> {
    let secret = secret.into();
    let (id, label) = match &secret {
        SecretRef::Id(id) => (Some(id), None),
        SecretRef::Label(label) => (None, Some(label.as_str())),
    };
    current()
        .backend
        .secret_get(id, label, read)
        .map_err(|e| SecretError::from_tool(&secret, e))
}

/// Reads a secret by URI and gives it `label` as this unit's name for it (how a consumer
/// names a secret whose URI it received, so later reads and the automatic flags can use
/// the label).
pub fn get_labelled(
    id: &SecretId,
    label: &str,
    read: SecretRead,
) -> Result<SecretContent, SecretError> {
    current()
        .backend
        .secret_get(Some(id), Some(label), read)
        .map_err(|e| SecretError::from_tool(id, e))
}

/// The URI of a secret named by label, asking Juju (`secret-info-get`, owner only).
fn resolve(secret: &SecretRef) -> Result<SecretId, SecretError> {
    match secret {
        SecretRef::Id(id) => Ok(id.clone()),
        SecretRef::Label(_) => Ok(info(secret.clone())?.id),
    }
}

/// Runs a tool that takes an owned secret's id (a label is looked up first: those tools
/// take no `--label`), with its error named after the secret as the caller gave it.
fn on_owned(
    secret: SecretRef,
    call: impl FnOnce(&dyn crate::backend::Backend, &SecretId) -> Result<(), ToolError>,
) -> Result<(), SecretError> {
    let id = resolve(&secret)?;
    call(current().backend.as_ref(), &id).map_err(|e| SecretError::from_tool(&secret, e))
}

/// Changes a secret this unit (or, as leader, its application) owns (`secret-set`): new
/// content makes a new revision (when it differs from the latest); metadata changes in
/// place. Kept only if the hook succeeds.
pub fn set(secret: impl Into<SecretRef>, update: SecretUpdate) -> Result<(), SecretError> {
    if let Some(content) = &update.content {
        check(content)?;
    }
    on_owned(secret.into(), |b, id| b.secret_set(id, &update))
}

/// Removes an owned secret, or one revision of it (`secret-remove`). Kept only if the
/// hook succeeds.
pub fn remove(secret: impl Into<SecretRef>, revisions: Revisions) -> Result<(), SecretError> {
    on_owned(secret.into(), |b, id| b.secret_remove(id, revisions))
}

/// Lets the remote application of relation `relation_id` (`endpoint:N`), or only its
/// unit `unit`, read an owned secret (`secret-grant`); the grant ends when the relation
/// is removed. Kept only if the hook succeeds.
pub fn grant(
    secret: impl Into<SecretRef>,
    relation_id: &str,
    unit: Option<&str>,
) -> Result<(), SecretError> {
    on_owned(secret.into(), |b, id| b.secret_grant(id, relation_id, unit))
}

/// Withdraws a grant made with [`grant`] (`secret-revoke`). Kept only if the hook
/// succeeds.
pub fn revoke(
    secret: impl Into<SecretRef>,
    relation_id: &str,
    unit: Option<&str>,
) -> Result<(), SecretError> {
    on_owned(secret.into(), |b, id| {
        b.secret_revoke(id, relation_id, unit)
    })
}

/// The secrets this unit and its application own (`secret-ids`).
pub fn ids() -> Result<Vec<SecretId>, SecretError> {
    current()
        .backend
        .secret_ids()
        .map_err(|e| SecretError::from_tool("ids", e))
}

/// An owned secret's metadata (`secret-info-get`): label, owner, description, expiry,
/// rotation policy, next rotation, latest revision.
pub fn info(secret: impl Into<SecretRef>) -> Result<SecretInfo, SecretError> {
    let secret = secret.into();
    current()
        .backend
        .secret_info_get(&secret)
        .map_err(|e| SecretError::from_tool(&secret, e))
}

/// The secret a secret hook (`secret-changed`, `secret-rotate`, `secret-expired`,
/// `secret-remove`) is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookSecret {
    /// The secret (`JUJU_SECRET_ID`).
    pub id: SecretId,
    /// This unit's label for it (`JUJU_SECRET_LABEL`), if any.
    pub label: Option<String>,
    /// The revision concerned (`JUJU_SECRET_REVISION`): in `secret-expired` and
    /// `secret-remove`, and in `secret-changed` when Juju gives it.
    pub revision: Option<u32>,
}

impl HookSecret {
    /// The name used in the automatic flags: the label, or the unique id without one.
    pub fn flag_name(&self) -> &str {
        self.label.as_deref().unwrap_or(self.id.unique())
    }
}

/// The secret the running hook is about; `None` outside the secret hooks.
pub fn hook_secret() -> Option<HookSecret> {
    current().secret.clone()
}
