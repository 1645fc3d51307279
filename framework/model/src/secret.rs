//! Juju's secret vocabulary: secret URIs (`secret:<xid>`), owners, rotate policies,
//! the model clock's times and Go durations, and secret content (key values stored
//! base64-encoded, as Juju stores them) whose `Debug` never shows a value. Bottom layer
//! (vocabulary): uses only [`crate::gostr`].
//!
//! The rules are Juju 3.6's (`core/secrets` in Juju's source); see
//! <https://documentation.ubuntu.com/juju/3.6/reference/secret/>.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use charms_reactive_juju::secrets::{self, civil_from_days, days_from_civil, SecretUriError};

use crate::gostr::quote;

/// Where a new model's clock starts (2025-01-01T00:00:00Z): fixed, so runs are
/// reproducible; `reactive model tick --advance` moves it.
pub const MODEL_EPOCH: i64 = 1_735_689_600;

/// How long Juju waits before running `secret-rotate` again when the charm did not make
/// a new revision (Juju's `RotateRetryDelay`), in seconds.
pub const ROTATE_RETRY_DELAY: i64 = 5 * 60;

/// How long Juju waits before running `secret-expired` again while the expired revision
/// is not removed (Juju's `ExpireRetryDelay`), in seconds.
pub const EXPIRE_RETRY_DELAY: i64 = 5 * 60;

/// The rotate policies `--rotate` accepts.
pub const ROTATE_POLICIES: &[&str] = &secrets::ROTATE_POLICIES;

/// Who owns a secret: an application (managed by its leader, readable by all its units)
/// or one unit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "kebab-case")]
pub enum Owner {
    /// Owned by an application.
    Application(String),
    /// Owned by a unit.
    Unit(String),
}

impl Owner {
    /// `application` or `unit`, as `secret-info-get` prints it.
    pub fn kind(&self) -> &'static str {
        match self {
            Owner::Application(_) => "application",
            Owner::Unit(_) => "unit",
        }
    }

    /// The application's or unit's name.
    pub fn name(&self) -> &str {
        match self {
            Owner::Application(n) | Owner::Unit(n) => n,
        }
    }

    /// Its Juju tag: `application-kv`, `unit-kv-0`.
    pub fn tag(&self) -> String {
        format!("{}-{}", self.kind(), self.name().replace('/', "-"))
    }
}

/// Who a grant gives read access to: every unit of an application, or one unit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "kebab-case")]
pub enum GrantTarget {
    /// All units of an application.
    Application(String),
    /// One unit.
    Unit(String),
}

impl GrantTarget {
    /// Its Juju tag: `application-web`, `unit-web-0`.
    pub fn tag(&self) -> String {
        match self {
            GrantTarget::Application(a) => format!("application-{a}"),
            GrantTarget::Unit(u) => format!("unit-{}", u.replace('/', "-")),
        }
    }
}

/// Read access to a secret, given in the scope of a relation: it ends when the relation
/// is removed (or when revoked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// Who may read.
    pub target: GrantTarget,
    /// The relation's id.
    pub relation: u32,
    /// The relation's Juju tag (`relation-web.database#kv.db`), as `secret-info-get`
    /// shows the grant's scope.
    pub scope: String,
}

/// Secret content: key → base64-encoded value, as Juju stores it. `Debug` shows the keys
/// only, so a value never reaches a log or an error message through it.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretContent(pub BTreeMap<String, String>);

impl std::fmt::Debug for SecretContent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<&String> = self.0.keys().collect();
        write!(f, "SecretContent {{ keys: {keys:?}, values: <redacted> }}")
    }
}

impl SecretContent {
    /// Whether it has no key.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The decoded values (Juju's `Values`); the error names the key, never a value.
    pub fn values(&self) -> Result<BTreeMap<String, String>, String> {
        self.0
            .iter()
            .map(|(k, v)| {
                let bytes = base64_decode(v)
                    .ok_or_else(|| format!("illegal base64 data in secret key {}", quote(k)))?;
                Ok((k.clone(), String::from_utf8_lossy(&bytes).into_owned()))
            })
            .collect()
    }

    /// One value (Juju's `KeyValue`): decoded, or as stored with a `#base64` suffix.
    pub fn key_value(&self, key: &str) -> Result<String, String> {
        let (key, raw) = match key.strip_suffix("#base64") {
            Some(k) => (k, true),
            None => (key, false),
        };
        let value = self
            .0
            .get(key)
            .ok_or_else(|| format!("secret key value {} not found", quote(key)))?;
        if raw {
            return Ok(value.clone());
        }
        let bytes = base64_decode(value)
            .ok_or_else(|| format!("illegal base64 data in secret key {}", quote(key)))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// Juju's limit on one base64-encoded value, and on a revision's whole content (bytes).
const MAX_CONTENT_BYTES: usize = 1000 * 1000;

/// Juju's `CreateSecretData`: `key=value`, `key#base64=<base64>` and `key#file=<path>`
/// arguments as stored content. `read_file` reads a `#file` path (its error text follows
/// `reading content for secret key "k": `).
pub fn content_from_args(
    args: &[String],
    read_file: &mut dyn FnMut(&str) -> Result<Vec<u8>, String>,
) -> Result<BTreeMap<String, String>, String> {
    let mut data = BTreeMap::new();
    for arg in args {
        // Base64 padding may end the value: it does not count as the separator.
        let stripped = arg.trim_end_matches('=');
        let idx = stripped.find('=').unwrap_or(0);
        if idx < 1 {
            return Err(format!("key value {} not valid", quote(arg)));
        }
        let (key, value) = (&arg[..idx], &arg[idx + 1..]);
        match key.strip_suffix("#file") {
            Some(key) => {
                let bytes = read_file(value)
                    .map_err(|e| format!("reading content for secret key {}: {e}", quote(key)))?;
                data.insert(
                    key.to_string(),
                    String::from_utf8_lossy(&bytes).into_owned(),
                );
            }
            None => {
                data.insert(key.to_string(), value.to_string());
            }
        }
    }
    Ok(data)
}

/// Juju's `encodeBase64`: checks each key (`#base64` keys keep their value as given,
/// the others are encoded) and the size limits.
pub fn encode_content(data: BTreeMap<String, String>) -> Result<SecretContent, String> {
    let mut out = BTreeMap::new();
    let mut total = 0;
    for (key, value) in data {
        let (key, value) = match key.strip_suffix("#base64") {
            Some(k) => (k.to_string(), value),
            None => (key.clone(), base64_encode(value.as_bytes())),
        };
        if !charms_reactive_juju::names::is_secret_key(&key) {
            return Err(format!("key {} not valid", quote(&key)));
        }
        if value.len() > MAX_CONTENT_BYTES {
            return Err(format!(
                "base64 encoded secret content for key {} too large: {} bytes",
                quote(&key),
                value.len()
            ));
        }
        total += value.len();
        out.insert(key, value);
    }
    if total > MAX_CONTENT_BYTES {
        return Err(format!(
            "base64 encoded secret content too large: {total} bytes"
        ));
    }
    Ok(SecretContent(out))
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (Go's `base64.StdEncoding`).
pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 (padding required, as Go's `StdEncoding`); `None` if invalid.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for (ci, chunk) in bytes.chunks(4).enumerate() {
        let last = ci == bytes.len() / 4 - 1;
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut n = 0u32;
        for &c in &chunk[..4 - pad] {
            let v = B64.iter().position(|&x| x == c)? as u32;
            n = (n << 6) | v;
        }
        n <<= 6 * pad as u32;
        let got = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&got[..3 - pad]);
    }
    Some(out)
}

// A secret's URI and its xid are Juju's facts, kept in the facts crate.
pub use charms_reactive_juju::secrets::{is_xid, xid_string, SecretUri};

/// Juju's `secrets.ParseURI`: `secret:<id>`, `<id>` or `secret://<uuid>/<id>`. The error
/// is Juju's text (`secret URI "x" not valid`, `secret URI scheme "x" not valid`).
pub fn parse_uri(text: &str) -> Result<SecretUri, String> {
    secrets::parse_uri(text).map_err(|e| match e {
        SecretUriError::Scheme(scheme) => format!("secret URI scheme {} not valid", quote(&scheme)),
        SecretUriError::Host(host) => format!("host controller UUID {} not valid", quote(&host)),
        SecretUriError::Invalid => format!("secret URI {} not valid", quote(text)),
    })
}

// ---- the model clock: seconds since the Unix epoch, UTC ----

/// A time as Go prints a UTC `time.Time` in YAML and JSON (RFC 3339):
/// `2025-01-01T01:00:00Z`.
pub use charms_reactive_juju::secrets::format_time;

/// Go's `AddDate(years, months, days)` on a UTC time: out-of-range days roll over into
/// the next month, as Go normalises them.
pub fn add_date(secs: i64, years: i64, months: i64, days: i64) -> i64 {
    let (day, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(day);
    let total = (y + years) * 12 + (m - 1) + months;
    let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) + 1);
    (days_from_civil(ny, nm, 1) + d - 1 + days) * 86_400 + rem
}

/// Parses `--expire`'s absolute forms: RFC 3339 (`2025-01-01T06:06:06Z`,
/// `…+02:00`, fractional seconds dropped) or without a zone (`2025-01-01T06:06:06`,
/// UTC).
pub fn parse_time(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 59 {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "" | "Z" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let hm = &rest[1..];
            if hm.len() != 5 || hm.as_bytes()[2] != b':' {
                return None;
            }
            let oh: i64 = hm[..2].parse().ok()?;
            let om: i64 = hm[3..].parse().ok()?;
            sign * (oh * 3600 + om * 60)
        }
    };
    // RFC 3339 needs a zone; the zoneless form is Juju's second layout.
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset)
}

/// Go's `time.ParseDuration`, in nanoseconds (`1h30m`, `90s`, `1.5h`, `-2m`); `None` when
/// Go would refuse it.
pub fn parse_duration(text: &str) -> Option<i128> {
    let (neg, mut s) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if s == "0" {
        return Some(0);
    }
    if s.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    while !s.is_empty() {
        let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
        let mut num_len = int_len;
        let mut frac_len = 0;
        if s[int_len..].starts_with('.') {
            frac_len = s[int_len + 1..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            num_len = int_len + 1 + frac_len;
        }
        if int_len == 0 && frac_len == 0 {
            return None;
        }
        let value: f64 = s[..num_len].trim_end_matches('.').parse().ok()?;
        s = &s[num_len..];
        let unit_len = s
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map_or(s.len(), |(i, _)| i);
        let scale: f64 = match &s[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        s = &s[unit_len..];
        total += value * scale;
    }
    let nanos = total as i128;
    Some(if neg { -nanos } else { nanos })
}

/// When a secret with `policy` rotates next after `last` (Juju's `NextRotateTime`),
/// never before `now`; `None` for `never` or an unknown policy.
pub fn next_rotate(policy: &str, last: i64, now: i64) -> Option<i64> {
    let next = match policy {
        "hourly" => last + 3600,
        "daily" => add_date(last, 0, 0, 1),
        "weekly" => add_date(last, 0, 0, 7),
        "monthly" => add_date(last, 0, 1, 0),
        "quarterly" => add_date(last, 0, 3, 0),
        "yearly" => add_date(last, 1, 0, 0),
        _ => return None,
    };
    Some(next.max(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_as_go_does() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("s3cret", "czNjcmV0"),
        ] {
            assert_eq!(base64_encode(plain.as_bytes()), encoded);
            assert_eq!(base64_decode(encoded), Some(plain.as_bytes().to_vec()));
        }
        assert_eq!(base64_decode("Zg="), None);
        assert_eq!(base64_decode("Z!=="), None);
    }

    #[test]
    fn uris_parse_as_juju_parses_them() {
        let id = "9m4e2mr0ui3e8a215n4g";
        assert!(is_xid(id));
        for text in [format!("secret:{id}"), id.to_string()] {
            assert_eq!(parse_uri(&text).map(|u| u.id), Ok(id.to_string()));
        }
        let full = format!("secret://f2f0e0c1-5d5e-4c6e-9d21-6f1f4b7e9a10/{id}");
        assert_eq!(parse_uri(&full).map(|u| u.to_string()), Ok(full.clone()));
        assert_eq!(
            parse_uri("secret:bad"),
            Err("secret URI \"secret:bad\" not valid".into())
        );
        assert_eq!(
            parse_uri(&format!("foo:{id}")),
            Err("secret URI scheme \"foo\" not valid".into())
        );
        assert_eq!(xid_string([0; 12]), "00000000000000000000");
        assert!(is_xid(&xid_string([255; 12])));
    }

    #[test]
    fn times_and_durations() {
        assert_eq!(format_time(MODEL_EPOCH), "2025-01-01T00:00:00Z");
        assert_eq!(parse_time("2025-01-01T00:00:00Z"), Some(MODEL_EPOCH));
        assert_eq!(parse_time("2025-01-01T02:00:00+02:00"), Some(MODEL_EPOCH));
        assert_eq!(parse_time("2025-01-01T00:00:00"), Some(MODEL_EPOCH));
        assert_eq!(parse_time("24h"), None);
        assert_eq!(parse_duration("1h30m"), Some(5400 * 1_000_000_000));
        assert_eq!(parse_duration("-1h"), Some(-3600 * 1_000_000_000));
        assert_eq!(parse_duration("1.5s"), Some(1_500_000_000));
        assert_eq!(parse_duration("1d"), None);
        // Jan 31 + 1 month rolls over into March, as Go's AddDate does.
        let jan31 = parse_time("2025-01-31T00:00:00Z").unwrap_or_default();
        assert_eq!(
            format_time(add_date(jan31, 0, 1, 0)),
            "2025-03-03T00:00:00Z"
        );
        assert_eq!(
            next_rotate("hourly", MODEL_EPOCH, 0),
            Some(MODEL_EPOCH + 3600)
        );
        assert_eq!(next_rotate("never", MODEL_EPOCH, 0), None);
    }

    #[test]
    fn content_args_and_redaction() {
        let args: Vec<String> = ["token=s3cret", "cert#base64=AA=="]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let data = content_from_args(&args, &mut |_| Err("no files".into())).unwrap_or_default();
        let content = encode_content(data).unwrap_or_default();
        assert_eq!(content.key_value("token"), Ok("s3cret".into()));
        assert_eq!(content.key_value("cert#base64"), Ok("AA==".into()));
        assert!(!format!("{content:?}").contains("s3cret"));
        assert_eq!(
            content_from_args(&["=x".to_string()], &mut |_| Ok(vec![])),
            Err("key value \"=x\" not valid".into())
        );
        assert_eq!(
            encode_content([("ab".to_string(), "x".to_string())].into()),
            Err("key \"ab\" not valid".into())
        );
    }
}
