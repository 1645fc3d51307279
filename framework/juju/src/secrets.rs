//! Juju's secret facts: secret URIs (`secret:<xid>`, `secret://<model-uuid>/<xid>`) as
//! Juju's `secrets.ParseURI` reads them, the 20-character xid, the rotate policies, and
//! times as Juju prints a secret's expiry (RFC 3339, UTC). The key rule is
//! [`crate::names::is_secret_key`].
//!
//! The rules are Juju 3.6's; see
//! <https://documentation.ubuntu.com/juju/3.6/reference/secret/>.
//!
//! ```
//! use charms_reactive_juju::secrets::{parse_uri, SecretUriError};
//!
//! let uri = parse_uri("secret:9m4e2mr0ui3e8a215n4g").unwrap();
//! assert_eq!(uri.id, "9m4e2mr0ui3e8a215n4g");
//! assert_eq!(uri.to_string(), "secret:9m4e2mr0ui3e8a215n4g");
//! assert_eq!(parse_uri("foo:9m4e2mr0ui3e8a215n4g"), Err(SecretUriError::Scheme("foo".into())));
//! ```

use std::fmt;

/// The rotate policies `secret-add --rotate` accepts, in Juju's order.
pub const ROTATE_POLICIES: [&str; 7] = [
    "never",
    "hourly",
    "daily",
    "weekly",
    "monthly",
    "quarterly",
    "yearly",
];

/// A secret's URI: `secret:<id>`, optionally with the model it comes from
/// (`secret://<model-uuid>/<id>`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SecretUri {
    /// The source model's UUID, when given.
    pub source: Option<String>,
    /// The 20-character xid.
    pub id: String,
}

impl fmt::Display for SecretUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            None => write!(f, "secret:{}", self.id),
            Some(uuid) => write!(f, "secret://{uuid}/{}", self.id),
        }
    }
}

/// Why a text is not a secret URI. Juju's messages are `secret URI scheme "x" not valid`,
/// `host controller UUID "x" not valid` and `secret URI "x" not valid`; the caller quotes
/// the text its own way (Go's `%q` in the local model, Rust's `{:?}` in the runtime).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretUriError {
    /// The URI has a scheme other than `secret` (the scheme).
    Scheme(String),
    /// The host (`secret://<host>/…`) is not a model UUID (the host).
    Host(String),
    /// Anything else: no valid xid, or a bad model part.
    Invalid,
}

const XID_CHARS: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";

/// An xid's text: 12 bytes in lowercase base32hex, 20 characters.
///
/// ```
/// use charms_reactive_juju::secrets::{is_xid, xid_string};
/// assert_eq!(xid_string([0; 12]), "00000000000000000000");
/// assert!(is_xid(&xid_string([255; 12])));
/// ```
pub fn xid_string(bytes: [u8; 12]) -> String {
    let mut bits: u128 = 0;
    for b in bytes {
        bits = (bits << 8) | u128::from(b);
    }
    // 96 bits, padded with 4 zero bits to 100 = 20 × 5.
    bits <<= 4;
    (0..20)
        .rev()
        .map(|i| XID_CHARS[((bits >> (5 * i)) & 31) as usize] as char)
        .collect()
}

/// Whether `s` is an xid's text (what `xid.FromString` accepts): 20 characters of
/// base32hex (`0-9`, `a-v`).
pub fn is_xid(s: &str) -> bool {
    s.len() == 20
        && s.bytes().all(|b| XID_CHARS.contains(&b))
        // The last character carries one bit and four zero bits of padding.
        && s.ends_with(['0', 'g'])
}

/// Juju's UUID form: 8-4-4-4-12 lowercase hex digits.
fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

/// Juju's `secrets.ParseURI`: `secret:<id>`, `<id>` (`secret-ids` prints bare ids),
/// `secret:<uuid>/<id>` or `secret://<uuid>/<id>`.
pub fn parse_uri(text: &str) -> Result<SecretUri, SecretUriError> {
    // Go's url.Parse: a scheme is a letter then letters, digits, `+`, `-` or `.`.
    let (scheme, rest) = match text.find(':') {
        Some(i)
            if text[..i].starts_with(|c: char| c.is_ascii_alphabetic())
                && text[..i]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            (&text[..i], &text[i + 1..])
        }
        _ => ("", text),
    };
    if !scheme.is_empty() && scheme != "secret" {
        return Err(SecretUriError::Scheme(scheme.to_string()));
    }
    let (host, path) = match rest.strip_prefix("//") {
        Some(authority) => match authority.find('/') {
            Some(i) => (&authority[..i], &authority[i..]),
            None => (authority, ""),
        },
        None => ("", rest),
    };
    if !host.is_empty() && !is_uuid(host) {
        return Err(SecretUriError::Host(host.to_string()));
    }
    let id_str = path.trim_start_matches('/');
    let (source, id) = match id_str.split_once('/') {
        Some((uuid, id)) if is_uuid(uuid) => (Some(uuid.to_string()), id),
        Some(_) => return Err(SecretUriError::Invalid),
        None => ((!host.is_empty()).then(|| host.to_string()), id_str),
    };
    if !is_xid(id) {
        return Err(SecretUriError::Invalid);
    }
    Ok(SecretUri {
        source,
        id: id.to_string(),
    })
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian; `m` may be 1 to 12, `d`
/// past the month's end rolls over as Go's `time.Date` does).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date `(year, month, day)` of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Seconds since the Unix epoch as Juju prints a UTC time (RFC 3339, to the second):
/// `2025-01-01T06:06:06Z`.
///
/// ```
/// use charms_reactive_juju::secrets::format_time;
/// assert_eq!(format_time(1_735_711_566), "2025-01-01T06:06:06Z");
/// assert_eq!(format_time(-1), "1969-12-31T23:59:59Z");
/// ```
pub fn format_time(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_parse_as_juju_parses_them() {
        let id = "9m4e2mr0ui3e8a215n4g";
        assert!(is_xid(id));
        assert!(!is_xid("9m4e2mr0ui3e8a215n4h"));
        for text in [format!("secret:{id}"), id.to_string()] {
            assert_eq!(parse_uri(&text).map(|u| u.id), Ok(id.to_string()));
        }
        let uuid = "f2f0e0c1-5d5e-4c6e-9d21-6f1f4b7e9a10";
        let full = format!("secret://{uuid}/{id}");
        assert_eq!(parse_uri(&full).map(|u| u.to_string()), Ok(full.clone()));
        assert_eq!(parse_uri(&format!("secret:{uuid}/{id}")), parse_uri(&full));
        assert_eq!(parse_uri("secret:bad"), Err(SecretUriError::Invalid));
        assert_eq!(
            parse_uri(&format!("foo:{id}")),
            Err(SecretUriError::Scheme("foo".into()))
        );
        assert_eq!(
            parse_uri(&format!("secret://host/{id}")),
            Err(SecretUriError::Host("host".into()))
        );
    }

    #[test]
    fn civil_dates_round_trip() {
        for days in [-719_468, -1, 0, 1, 20_089, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(format_time(0), "1970-01-01T00:00:00Z");
    }
}
