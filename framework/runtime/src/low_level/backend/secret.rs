//! `secret-add`, `secret-get`, `secret-set`, `secret-remove`, `secret-grant`,
//! `secret-revoke`, `secret-ids`, `secret-info-get`, and the types they take and give.
//!
//! Content never goes on a command line (any user can read a process's arguments): like
//! the ops library, each value is written to a file of a private temporary folder and
//! passed as `key#file=<path>`, which Juju reads and stores base64-encoded. Secret reads
//! are never cached, so no content stays in [`JujuTools`]; errors never carry content
//! (the tool's stderr is scrubbed of every value sent).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use charms_reactive_juju::names::is_secret_key;
use charms_reactive_juju::secrets;
use serde_json::Value;

use super::{JujuTools, ToolError};
use crate::Scope;

/// A secret's URI: `secret:<id>`, or `secret://<model-uuid>/<id>` for a secret another
/// model offers. The id is Juju's 20-character unique id (an `xid`).
///
/// Parsing follows Juju's rules: the `secret:` scheme may be left out (`secret-ids` and
/// `secret-info-get` print bare ids), the model UUID is optional.
///
/// ```
/// use charms_reactive::secrets::SecretId;
/// let id: SecretId = "secret:9m4e2mr0ui3e8a215n4g".parse().unwrap();
/// assert_eq!(id.unique(), "9m4e2mr0ui3e8a215n4g");
/// assert_eq!(id.to_string(), "secret:9m4e2mr0ui3e8a215n4g");
/// assert_eq!("9m4e2mr0ui3e8a215n4g".parse::<SecretId>().unwrap(), id);
/// assert!("secret:too-short".parse::<SecretId>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SecretId(secrets::SecretUri);

/// A string that is not a secret URI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("secret URI {0:?} not valid")]
pub struct ParseSecretIdError(String);

impl SecretId {
    /// The 20-character unique id, without scheme or model.
    pub fn unique(&self) -> &str {
        &self.0.id
    }

    /// The UUID of the model that owns the secret, when the URI names one.
    pub fn source_model(&self) -> Option<&str> {
        self.0.source.as_deref()
    }
}

impl FromStr for SecretId {
    type Err = ParseSecretIdError;

    fn from_str(s: &str) -> Result<SecretId, ParseSecretIdError> {
        secrets::parse_uri(s)
            .map(SecretId)
            .map_err(|_| ParseSecretIdError(s.to_string()))
    }
}

impl fmt::Display for SecretId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// As its URI string, so a config option of type `secret` reads as a `SecretId`
/// (`config::get::<SecretId>("tls")`) and an id can travel in relation data.
impl serde::Serialize for SecretId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for SecretId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<SecretId, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Debug for SecretId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretId({self})")
    }
}

/// A secret's content: keys (Juju's rule: [`is_secret_key`]) and string values.
///
/// Its `Debug` output shows the keys only; it has no `Display` and no `Serialize`, so
/// content cannot reach a log by accident. Read a value with [`SecretContent::get`].
///
/// ```
/// use charms_reactive::secrets::SecretContent;
/// let content = SecretContent::from([("password", "s3cret")]);
/// assert_eq!(content.get("password"), Some("s3cret"));
/// assert_eq!(format!("{content:?}"), r#"SecretContent {"password": "…"}"#);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretContent(BTreeMap<String, String>);

impl SecretContent {
    /// No content.
    pub fn new() -> SecretContent {
        SecretContent::default()
    }

    /// Sets `key` to `value`.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.0.insert(key.into(), value.into());
    }

    /// With `key` set to `value`.
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> SecretContent {
        self.insert(key, value);
        self
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// The keys, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// Keys and values, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no key.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first key Juju would refuse ([`is_secret_key`]), if any.
    pub fn invalid_key(&self) -> Option<&str> {
        self.keys().find(|k| !is_secret_key(k))
    }

    /// The content as a plain map (e.g. to build a configuration file from it).
    pub fn into_map(self) -> BTreeMap<String, String> {
        self.0
    }
}

impl fmt::Debug for SecretContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Redacted;
        impl fmt::Debug for Redacted {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("\"…\"")
            }
        }
        f.write_str("SecretContent ")?;
        f.debug_map()
            .entries(self.0.keys().map(|k| (k, Redacted)))
            .finish()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for SecretContent {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> SecretContent {
        SecretContent(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl<K: Into<String>, V: Into<String>, const N: usize> From<[(K, V); N]> for SecretContent {
    fn from(pairs: [(K, V); N]) -> SecretContent {
        pairs.into_iter().collect()
    }
}

impl From<BTreeMap<String, String>> for SecretContent {
    fn from(map: BTreeMap<String, String>) -> SecretContent {
        SecretContent(map)
    }
}

/// How often Juju runs `secret-rotate` on the owner (`--rotate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RotatePolicy {
    /// `never`
    Never,
    /// `hourly`
    Hourly,
    /// `daily`
    Daily,
    /// `weekly`
    Weekly,
    /// `monthly`
    Monthly,
    /// `quarterly`
    Quarterly,
    /// `yearly`
    Yearly,
}

impl RotatePolicy {
    /// Every policy, in Juju's order.
    pub const ALL: [RotatePolicy; 7] = [
        RotatePolicy::Never,
        RotatePolicy::Hourly,
        RotatePolicy::Daily,
        RotatePolicy::Weekly,
        RotatePolicy::Monthly,
        RotatePolicy::Quarterly,
        RotatePolicy::Yearly,
    ];

    /// The word Juju uses.
    pub fn as_str(self) -> &'static str {
        // The variants are declared in Juju's order, the facts crate's list.
        secrets::ROTATE_POLICIES[self as usize]
    }
}

impl fmt::Display for RotatePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A word that is not a rotate policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rotate policy {0:?} not valid")]
pub struct ParseRotatePolicyError(String);

impl FromStr for RotatePolicy {
    type Err = ParseRotatePolicyError;

    fn from_str(s: &str) -> Result<RotatePolicy, ParseRotatePolicyError> {
        RotatePolicy::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| ParseRotatePolicyError(s.to_string()))
    }
}

/// When a secret revision expires (`--expire`): Juju runs `secret-expired` on the owner
/// then, until the revision is removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expire {
    /// This long after the hook runs the tool (a Go duration such as `24h0m0s`).
    After(Duration),
    /// At this time (RFC 3339, UTC).
    At(SystemTime),
}

impl Expire {
    /// The `--expire` argument.
    pub fn to_arg(self) -> String {
        match self {
            Expire::After(d) => go_duration(d),
            Expire::At(t) => format_rfc3339(t),
        }
    }
}

/// A duration as Go's `time.ParseDuration` reads it: `1h2m3s`, `45s`, `1500ms`, `0s`.
fn go_duration(d: Duration) -> String {
    let secs = d.as_secs();
    let nanos = d.subsec_nanos();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 {
        out.push_str(&format!("{s}s"));
    }
    if nanos > 0 {
        out.push_str(&format!("{nanos}ns"));
    }
    if out.is_empty() {
        out.push_str("0s");
    }
    out
}

/// `t` as RFC 3339 in UTC, to the second: `2025-01-01T06:06:06Z`.
pub(crate) fn format_rfc3339(t: SystemTime) -> String {
    let secs = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    };
    secrets::format_time(secs)
}

/// Parses RFC 3339 as Go's JSON encoding of a time prints it: `2025-01-01T06:06:06Z`,
/// with optional fractional seconds and a `Z` or `±hh:mm` offset.
pub(crate) fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut nanos = 0u32;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let kept = &frac[..digits.min(9)];
        nanos = kept.parse::<u32>().ok()? * 10u32.pow(9 - kept.len() as u32);
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (oh, om) = rest[1..].split_once(':')?;
            if oh.len() != 2 || om.len() != 2 {
                return None;
            }
            sign * (oh.parse::<i64>().ok()? * 3600 + om.parse::<i64>().ok()? * 60)
        }
    };
    let days = secrets::days_from_civil(y, mo, d);
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset;
    let base = if secs >= 0 {
        UNIX_EPOCH + Duration::from_secs(secs as u64)
    } else {
        UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
    };
    Some(base + Duration::from_nanos(u64::from(nanos)))
}

/// Which revision `secret-get` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum SecretRead {
    /// The revision this unit tracks; the first read tracks the latest revision.
    #[default]
    Tracked,
    /// The latest revision, and track it from now on (`--refresh`; the move is kept only
    /// if the hook succeeds).
    Refresh,
    /// The latest revision, this once; tracking stays where it is (`--peek`).
    Peek,
}

/// Which secret: by URI, or by the label this unit gave it (as owner or consumer).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SecretRef {
    /// By URI.
    Id(SecretId),
    /// By label.
    Label(String),
}

impl SecretRef {
    /// By label.
    pub fn label(label: impl Into<String>) -> SecretRef {
        SecretRef::Label(label.into())
    }
}

impl From<SecretId> for SecretRef {
    fn from(id: SecretId) -> SecretRef {
        SecretRef::Id(id)
    }
}

impl From<&SecretId> for SecretRef {
    fn from(id: &SecretId) -> SecretRef {
        SecretRef::Id(id.clone())
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretRef::Id(id) => write!(f, "{id}"),
            SecretRef::Label(label) => write!(f, "with label {label:?}"),
        }
    }
}

/// A secret to create with `secret-add`: content and metadata.
///
/// ```
/// use charms_reactive::prelude::*;
/// use charms_reactive::secrets::{NewSecret, RotatePolicy, SecretContent};
/// let new = NewSecret::new(SecretContent::from([("password", "s3cret")]))
///     .owner(Scope::Unit)
///     .label("db-password")
///     .rotate(RotatePolicy::Monthly);
/// assert_eq!(new.owner, Scope::Unit);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NewSecret {
    /// The content of revision 1.
    pub content: SecretContent,
    /// The owner: the application (Juju's default; only its leader manages the secret)
    /// or this unit.
    pub owner: Scope,
    /// The owner's label, to find the secret again and to name its hooks' flags.
    pub label: Option<String>,
    /// A description for the operator (`juju secrets`).
    pub description: Option<String>,
    /// When revision 1 expires.
    pub expire: Option<Expire>,
    /// How often to rotate.
    pub rotate: Option<RotatePolicy>,
}

impl NewSecret {
    /// An application-owned secret with this content and no metadata.
    pub fn new(content: SecretContent) -> NewSecret {
        NewSecret {
            content,
            owner: Scope::App,
            label: None,
            description: None,
            expire: None,
            rotate: None,
        }
    }

    /// Owned by the application ([`Scope::App`], the default) or this unit.
    pub fn owner(mut self, owner: Scope) -> NewSecret {
        self.owner = owner;
        self
    }

    /// With the owner's label.
    pub fn label(mut self, label: impl Into<String>) -> NewSecret {
        self.label = Some(label.into());
        self
    }

    /// With a description.
    pub fn description(mut self, description: impl Into<String>) -> NewSecret {
        self.description = Some(description.into());
        self
    }

    /// Expiring then.
    pub fn expire(mut self, expire: Expire) -> NewSecret {
        self.expire = Some(expire);
        self
    }

    /// Rotated on this policy.
    pub fn rotate(mut self, rotate: RotatePolicy) -> NewSecret {
        self.rotate = Some(rotate);
        self
    }
}

/// Changes to a secret for `secret-set`: new content (a new revision, if it differs from
/// the latest) and/or metadata. What is `None` stays as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SecretUpdate {
    /// New content: a new revision.
    pub content: Option<SecretContent>,
    /// A new owner label.
    pub label: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// A new expiry for the latest revision.
    pub expire: Option<Expire>,
    /// A new rotate policy.
    pub rotate: Option<RotatePolicy>,
}

impl SecretUpdate {
    /// New content and nothing else.
    pub fn content(content: SecretContent) -> SecretUpdate {
        SecretUpdate {
            content: Some(content),
            ..SecretUpdate::default()
        }
    }

    /// With a new owner label.
    pub fn label(mut self, label: impl Into<String>) -> SecretUpdate {
        self.label = Some(label.into());
        self
    }

    /// With a new description.
    pub fn description(mut self, description: impl Into<String>) -> SecretUpdate {
        self.description = Some(description.into());
        self
    }

    /// With a new expiry.
    pub fn expire(mut self, expire: Expire) -> SecretUpdate {
        self.expire = Some(expire);
        self
    }

    /// With a new rotate policy.
    pub fn rotate(mut self, rotate: RotatePolicy) -> SecretUpdate {
        self.rotate = Some(rotate);
        self
    }

    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.content.is_none()
            && self.label.is_none()
            && self.description.is_none()
            && self.expire.is_none()
            && self.rotate.is_none()
    }
}

/// What `secret-remove` removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Revisions {
    /// The whole secret, every revision.
    All,
    /// One revision (typically in `secret-remove`, once no consumer tracks it).
    One(u32),
}

/// A secret's metadata as its owner sees it (`secret-info-get`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretInfo {
    /// The secret.
    pub id: SecretId,
    /// The owner's label.
    pub label: Option<String>,
    /// Owned by the application or by this unit.
    pub owner: Scope,
    /// The description.
    pub description: Option<String>,
    /// When the latest revision expires.
    pub expiry: Option<SystemTime>,
    /// The rotate policy.
    pub rotation: Option<RotatePolicy>,
    /// When the next rotation is due.
    pub rotates: Option<SystemTime>,
    /// The latest revision.
    pub revision: u32,
}

/// Juju's secrets.
pub trait SecretTools {
    /// Creates a secret (`secret-add`) and returns its URI. Kept only if the hook
    /// succeeds.
    fn secret_add(&self, secret: &NewSecret) -> Result<SecretId, ToolError>;
    /// A secret's content (`secret-get`), by URI and/or label: with both, the secret is
    /// read by URI and the label becomes this unit's label for it.
    fn secret_get(
        &self,
        id: Option<&SecretId>,
        label: Option<&str>,
        read: SecretRead,
    ) -> Result<SecretContent, ToolError>;
    /// Changes a secret this unit (or, as leader, its application) owns (`secret-set`).
    fn secret_set(&self, id: &SecretId, update: &SecretUpdate) -> Result<(), ToolError>;
    /// Removes a secret or one of its revisions (`secret-remove`).
    fn secret_remove(&self, id: &SecretId, revisions: Revisions) -> Result<(), ToolError>;
    /// Lets the remote application of `relation_id` (or only `unit` of it) read the
    /// secret (`secret-grant`), until revoked or until the relation is removed.
    fn secret_grant(
        &self,
        id: &SecretId,
        relation_id: &str,
        unit: Option<&str>,
    ) -> Result<(), ToolError>;
    /// Withdraws what [`SecretTools::secret_grant`] gave (`secret-revoke`).
    fn secret_revoke(
        &self,
        id: &SecretId,
        relation_id: &str,
        unit: Option<&str>,
    ) -> Result<(), ToolError>;
    /// The secrets this unit and its application own (`secret-ids`).
    fn secret_ids(&self) -> Result<Vec<SecretId>, ToolError>;
    /// An owned secret's metadata (`secret-info-get`).
    fn secret_info_get(&self, secret: &SecretRef) -> Result<SecretInfo, ToolError>;
}

/// How content appears in an argument vector: written to a file, or (for records and
/// errors) as a placeholder.
pub(crate) enum ContentArgs<'a> {
    /// `key#file=<dir>/<key>`.
    Files(&'a Path),
    /// `key#file=…`, for the harness's record.
    Redacted,
}

fn content_args(content: &SecretContent, how: &ContentArgs<'_>) -> Vec<String> {
    content
        .keys()
        .map(|k| match how {
            ContentArgs::Files(dir) => format!("{k}#file={}", dir.join(k).display()),
            ContentArgs::Redacted => format!("{k}#file=…"),
        })
        .collect()
}

fn metadata_args(
    label: Option<&str>,
    description: Option<&str>,
    expire: Option<Expire>,
    rotate: Option<RotatePolicy>,
) -> Vec<String> {
    let mut args = Vec::new();
    if let Some(label) = label {
        args.push(format!("--label={label}"));
    }
    if let Some(description) = description {
        args.push(format!("--description={description}"));
    }
    if let Some(expire) = expire {
        args.push(format!("--expire={}", expire.to_arg()));
    }
    if let Some(rotate) = rotate {
        args.push(format!("--rotate={rotate}"));
    }
    args
}

/// `secret-add`'s arguments.
pub(crate) fn add_args(secret: &NewSecret, how: &ContentArgs<'_>) -> Vec<String> {
    let owner = if secret.owner.is_app() {
        "application"
    } else {
        "unit"
    };
    let mut args = vec![format!("--owner={owner}")];
    args.extend(metadata_args(
        secret.label.as_deref(),
        secret.description.as_deref(),
        secret.expire,
        secret.rotate,
    ));
    args.extend(content_args(&secret.content, how));
    args
}

/// `secret-get`'s arguments, `--format=json` included.
pub(crate) fn get_args(
    id: Option<&SecretId>,
    label: Option<&str>,
    read: SecretRead,
) -> Vec<String> {
    let mut args: Vec<String> = id.map(|id| id.to_string()).into_iter().collect();
    if let Some(label) = label {
        args.push(format!("--label={label}"));
    }
    match read {
        SecretRead::Tracked => {}
        SecretRead::Refresh => args.push("--refresh".into()),
        SecretRead::Peek => args.push("--peek".into()),
    }
    args.push("--format=json".into());
    args
}

/// `secret-set`'s arguments.
pub(crate) fn set_args(id: &SecretId, update: &SecretUpdate, how: &ContentArgs<'_>) -> Vec<String> {
    let mut args = vec![id.to_string()];
    args.extend(metadata_args(
        update.label.as_deref(),
        update.description.as_deref(),
        update.expire,
        update.rotate,
    ));
    if let Some(content) = &update.content {
        args.extend(content_args(content, how));
    }
    args
}

/// `secret-remove`'s arguments.
pub(crate) fn remove_args(id: &SecretId, revisions: Revisions) -> Vec<String> {
    let mut args = vec![id.to_string()];
    if let Revisions::One(n) = revisions {
        args.push(format!("--revision={n}"));
    }
    args
}

/// `secret-grant`'s and `secret-revoke`'s arguments.
pub(crate) fn grant_args(id: &SecretId, relation_id: &str, unit: Option<&str>) -> Vec<String> {
    let mut args = vec![id.to_string(), format!("--relation={relation_id}")];
    if let Some(unit) = unit {
        args.push(format!("--unit={unit}"));
    }
    args
}

/// `secret-info-get`'s arguments, `--format=json` included.
pub(crate) fn info_args(secret: &SecretRef) -> Vec<String> {
    let mut args = match secret {
        SecretRef::Id(id) => vec![id.to_string()],
        SecretRef::Label(label) => vec![format!("--label={label}")],
    };
    args.push("--format=json".into());
    args
}

/// Refuses content Juju would refuse, naming the key (never a value).
pub(crate) fn check_content(tool: &str, content: &SecretContent) -> Result<(), ToolError> {
    match content.invalid_key() {
        Some(key) => Err(ToolError::Refused(format!(
            "{tool}: key {key:?} not valid (lowercase letters, digits and single hyphens, starting with a letter, at least 3 characters)"
        ))),
        None => Ok(()),
    }
}

/// Decodes `secret-get --format=json` output (`{"key":"value",…}`). The error never
/// quotes the output: it may be content.
pub(crate) fn parse_content(out: &[u8]) -> Result<SecretContent, ToolError> {
    #[derive(Debug, thiserror::Error)]
    #[error("{0}")]
    struct Shape(&'static str);
    let value: Value = serde_json::from_slice(out)
        .map_err(|e| ToolError::bad_output("secret-get", Shape(syntax_only(&e))))?;
    let Value::Object(map) = value else {
        return Err(ToolError::bad_output(
            "secret-get",
            Shape("expected a JSON object of strings"),
        ));
    };
    map.into_iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k, s)),
            _ => Err(ToolError::bad_output(
                "secret-get",
                Shape("expected a JSON object of strings"),
            )),
        })
        .collect()
}

/// A JSON error's category, without its message (which may quote the input).
fn syntax_only(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Eof => "the JSON ends early",
        _ => "not valid JSON",
    }
}

/// Decodes `secret-ids --format=json` output: a list of bare ids (`null` when none).
pub(crate) fn parse_ids(out: &[u8]) -> Result<Vec<SecretId>, ToolError> {
    let ids: Option<Vec<String>> =
        serde_json::from_slice(out).map_err(|e| ToolError::bad_output("secret-ids", e))?;
    ids.unwrap_or_default()
        .iter()
        .map(|id| {
            id.parse()
                .map_err(|e| ToolError::bad_output("secret-ids", e))
        })
        .collect()
}

/// Decodes `secret-info-get --format=json` output:
/// `{"<id>": {"revision": 1, "label": "", "owner": "application", "description": …,
/// "rotation": …, "expiry": …, "rotates": …}}`.
pub(crate) fn parse_info(out: &[u8]) -> Result<SecretInfo, ToolError> {
    #[derive(serde::Deserialize)]
    struct Raw {
        revision: u32,
        #[serde(default)]
        label: String,
        owner: String,
        #[serde(default)]
        description: String,
        #[serde(default)]
        rotation: Option<String>,
        #[serde(default)]
        expiry: Option<String>,
        #[serde(default)]
        rotates: Option<String>,
    }
    let bad = |why: String| ToolError::bad_output("secret-info-get", why);
    let map: BTreeMap<String, Raw> =
        serde_json::from_slice(out).map_err(|e| ToolError::bad_output("secret-info-get", e))?;
    let mut entries = map.into_iter();
    let (Some((id, raw)), None) = (entries.next(), entries.next()) else {
        return Err(bad("expected exactly one secret".into()));
    };
    let time = |field: &str, value: Option<String>| -> Result<Option<SystemTime>, ToolError> {
        value
            .map(|v| {
                parse_rfc3339(&v)
                    .ok_or_else(|| bad(format!("{field} {v:?} is not an RFC 3339 time")))
            })
            .transpose()
    };
    Ok(SecretInfo {
        id: id
            .parse()
            .map_err(|e| ToolError::bad_output("secret-info-get", e))?,
        label: Some(raw.label).filter(|l| !l.is_empty()),
        owner: match raw.owner.as_str() {
            "application" => Scope::App,
            "unit" => Scope::Unit,
            other => return Err(bad(format!("unknown owner {other:?}"))),
        },
        description: Some(raw.description).filter(|d| !d.is_empty()),
        expiry: time("expiry", raw.expiry)?,
        rotation: raw
            .rotation
            .map(|r| {
                r.parse()
                    .map_err(|e| ToolError::bad_output("secret-info-get", e))
            })
            .transpose()?,
        rotates: time("rotates", raw.rotates)?,
        revision: raw.revision,
    })
}

/// A private folder holding one file per content key, removed when dropped.
struct ContentFiles {
    dir: PathBuf,
}

impl ContentFiles {
    fn write(tool: &str, content: &SecretContent) -> Result<ContentFiles, ToolError> {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let io = |source| ToolError::Io {
            tool: tool.to_string(),
            source,
        };
        let base = std::env::temp_dir();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let mut attempt = 0;
        let dir = loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let dir = base.join(format!(
                "charms-reactive-secret-{}-{n}-{nanos}",
                std::process::id()
            ));
            // Mode 0700 and create-new: no one else can see or pre-create the files.
            match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) => break dir,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 16 => {
                    attempt += 1;
                }
                Err(e) => return Err(io(e)),
            }
        };
        let files = ContentFiles { dir };
        for (key, value) in content.iter() {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(files.dir.join(key))
                .map_err(io)?;
            std::io::Write::write_all(&mut file, value.as_bytes()).map_err(io)?;
        }
        Ok(files)
    }
}

impl Drop for ContentFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl JujuTools {
    /// Runs a secret tool that takes content: the values go in files, and are scrubbed
    /// from any error.
    fn run_with_content(
        &self,
        tool: &str,
        content: Option<&SecretContent>,
        build: impl FnOnce(&ContentArgs<'_>) -> Vec<String>,
    ) -> Result<Vec<u8>, ToolError> {
        let files = content
            .filter(|c| !c.is_empty())
            .map(|c| ContentFiles::write(tool, c))
            .transpose()?;
        let args = match &files {
            Some(f) => build(&ContentArgs::Files(&f.dir)),
            None => build(&ContentArgs::Redacted),
        };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let values: Vec<&str> = content
            .iter()
            .flat_map(|c| c.iter().map(|(_, v)| v))
            .collect();
        self.run_scrubbed(tool, &args, &values)
    }

    fn run_strings(&self, tool: &str, args: &[String]) -> Result<Vec<u8>, ToolError> {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.run(tool, &args, None)
    }
}

impl SecretTools for JujuTools {
    fn secret_add(&self, secret: &NewSecret) -> Result<SecretId, ToolError> {
        check_content("secret-add", &secret.content)?;
        let out = self.run_with_content("secret-add", Some(&secret.content), |how| {
            add_args(secret, how)
        })?;
        String::from_utf8_lossy(&out)
            .trim()
            .parse()
            .map_err(|e| ToolError::bad_output("secret-add", e))
    }

    fn secret_get(
        &self,
        id: Option<&SecretId>,
        label: Option<&str>,
        read: SecretRead,
    ) -> Result<SecretContent, ToolError> {
        // Never through the read cache: content must not stay in memory, and the tracked
        // revision may move.
        parse_content(&self.run_strings("secret-get", &get_args(id, label, read))?)
    }

    fn secret_set(&self, id: &SecretId, update: &SecretUpdate) -> Result<(), ToolError> {
        if let Some(content) = &update.content {
            check_content("secret-set", content)?;
        }
        self.run_with_content("secret-set", update.content.as_ref(), |how| {
            set_args(id, update, how)
        })
        .map(drop)
    }

    fn secret_remove(&self, id: &SecretId, revisions: Revisions) -> Result<(), ToolError> {
        self.run_strings("secret-remove", &remove_args(id, revisions))
            .map(drop)
    }

    fn secret_grant(
        &self,
        id: &SecretId,
        relation_id: &str,
        unit: Option<&str>,
    ) -> Result<(), ToolError> {
        self.run_strings("secret-grant", &grant_args(id, relation_id, unit))
            .map(drop)
    }

    fn secret_revoke(
        &self,
        id: &SecretId,
        relation_id: &str,
        unit: Option<&str>,
    ) -> Result<(), ToolError> {
        self.run_strings("secret-revoke", &grant_args(id, relation_id, unit))
            .map(drop)
    }

    fn secret_ids(&self) -> Result<Vec<SecretId>, ToolError> {
        parse_ids(&self.run("secret-ids", &["--format=json"], None)?)
    }

    fn secret_info_get(&self, secret: &SecretRef) -> Result<SecretInfo, ToolError> {
        parse_info(&self.run_strings("secret-info-get", &info_args(secret))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_as_juju_does() {
        let plain: SecretId = "secret:9m4e2mr0ui3e8a215n4g".parse().unwrap();
        assert_eq!(plain.source_model(), None);
        let uuid = "fd1c4e4f-7f1b-4a5c-8a9e-0123456789ab";
        let hosted: SecretId = format!("secret://{uuid}/9m4e2mr0ui3e8a215n4g")
            .parse()
            .unwrap();
        assert_eq!(hosted.source_model(), Some(uuid));
        assert_eq!(hosted.unique(), "9m4e2mr0ui3e8a215n4g");
        assert_eq!(
            hosted.to_string(),
            format!("secret://{uuid}/9m4e2mr0ui3e8a215n4g")
        );
        let opaque: SecretId = format!("secret:{uuid}/9m4e2mr0ui3e8a215n4g")
            .parse()
            .unwrap();
        assert_eq!(opaque, hosted);
        for bad in [
            "",
            "secret:",
            "secret:9m4e2mr0ui3e8a215n4",
            "secret:9m4e2mr0ui3e8a215n4gx",
            "secret:9M4E2MR0UI3E8A215N4G",
            "secret:9m4e2mr0ui3e8a215n4z",
            "other:9m4e2mr0ui3e8a215n4g",
            "secret://not-a-uuid/9m4e2mr0ui3e8a215n4g",
            "secret:x/9m4e2mr0ui3e8a215n4g",
        ] {
            let err = bad.parse::<SecretId>().unwrap_err();
            assert_eq!(err.to_string(), format!("secret URI {bad:?} not valid"));
        }
    }

    #[test]
    fn ids_read_and_write_as_uri_strings() {
        let id: SecretId = serde_json::from_str("\"secret:9m4e2mr0ui3e8a215n4g\"").unwrap();
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"secret:9m4e2mr0ui3e8a215n4g\""
        );
        let err = serde_json::from_str::<SecretId>("\"secret:x\"").unwrap_err();
        assert!(
            err.to_string()
                .contains("secret URI \"secret:x\" not valid"),
            "{err}"
        );
    }

    #[test]
    fn durations_and_times_as_go_reads_them() {
        assert_eq!(go_duration(Duration::from_secs(86_400)), "24h");
        assert_eq!(go_duration(Duration::from_secs(5400)), "1h30m");
        assert_eq!(go_duration(Duration::from_millis(1500)), "1s500000000ns");
        assert_eq!(go_duration(Duration::ZERO), "0s");
        let t = UNIX_EPOCH + Duration::from_secs(1_735_711_566);
        assert_eq!(format_rfc3339(t), "2025-01-01T06:06:06Z");
        assert_eq!(parse_rfc3339("2025-01-01T06:06:06Z"), Some(t));
        assert_eq!(parse_rfc3339("2025-01-01T08:06:06+02:00"), Some(t));
        assert_eq!(
            parse_rfc3339("2025-01-01T06:06:06.25Z"),
            Some(t + Duration::from_millis(250))
        );
        assert_eq!(
            parse_rfc3339("1969-12-31T23:59:59Z"),
            Some(UNIX_EPOCH - Duration::from_secs(1))
        );
        assert_eq!(format_rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        for bad in [
            "",
            "2025-01-01",
            "2025-13-01T00:00:00Z",
            "2025-01-01T00:00:00",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn content_debug_shows_keys_only() {
        let c = SecretContent::from([("password", "hunter2-sentinel"), ("user", "admin")]);
        let shown = format!("{c:?} {:#?}", c);
        assert!(
            !shown.contains("hunter2-sentinel") && !shown.contains("admin"),
            "{shown}"
        );
        assert!(shown.contains("password") && shown.contains("user"));
        assert_eq!(c.invalid_key(), None);
        assert_eq!(SecretContent::from([("pw", "x")]).invalid_key(), Some("pw"));
    }

    #[test]
    fn content_parse_errors_never_quote_the_output() {
        for out in [
            &b"\"hunter2-sentinel\""[..],
            b"{\"k\": 5, \"x\": \"hunter2-sentinel\"}",
            b"hunter2-sentinel",
        ] {
            let err = parse_content(out).unwrap_err();
            let chain = format!("{:#}", anyhow::Error::from(err));
            assert!(!chain.contains("hunter2-sentinel"), "{chain}");
        }
    }
}
