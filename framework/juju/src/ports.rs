//! Juju's port ranges, as `open-port`/`close-port` take them and `opened-ports` prints
//! them (`network.ParsePortRange` and `PortRange.String` in Juju): `80`, `80/udp`,
//! `8000-8099/tcp` or `icmp`. See <https://juju.is/docs/sdk/hook-tools#heading--open-port>.
//!
//! ```
//! use charms_reactive_juju::ports::{parse, Protocol};
//!
//! let range = parse("8000-8099/udp").unwrap();
//! assert_eq!((range.protocol, range.from, range.to), (Protocol::Udp, 8000, 8099));
//! assert_eq!(range.to_string(), "8000-8099/udp");
//! assert_eq!(parse("icmp").unwrap().to_string(), "icmp");
//! ```

use std::fmt;

/// A port range's protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// `tcp` (the default when none is given).
    Tcp,
    /// `udp`.
    Udp,
    /// `icmp`: no ports.
    Icmp,
}

impl Protocol {
    /// The protocol as Juju spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Icmp => "icmp",
        }
    }
}

/// A port range: `from..=to` of `protocol` (both 0 for ICMP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortRange {
    /// The protocol.
    pub protocol: Protocol,
    /// The first port.
    pub from: u16,
    /// The last port (`from` for a single port).
    pub to: u16,
}

impl fmt::Display for PortRange {
    /// `PortRange.String`: `icmp`, `80/tcp` or `8000-8099/tcp`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let protocol = self.protocol.as_str();
        match self.protocol {
            Protocol::Icmp => f.write_str(protocol),
            _ if self.from == self.to => write!(f, "{}/{protocol}", self.from),
            _ => write!(f, "{}-{}/{protocol}", self.from, self.to),
        }
    }
}

impl PortRange {
    /// One TCP port.
    pub const fn tcp(port: u16) -> PortRange {
        PortRange {
            protocol: Protocol::Tcp,
            from: port,
            to: port,
        }
    }
}

impl std::str::FromStr for PortRange {
    type Err = ParseError;

    /// [`parse`].
    fn from_str(spec: &str) -> Result<PortRange, ParseError> {
        parse(spec)
    }
}

/// Why a port range was refused, in the order Juju checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// A port is not a decimal integer (`strconv.Atoi` fails): the text, and whether
    /// it is a valid integer too large for Go's `int`.
    InvalidPort {
        /// The port's text.
        port: String,
        /// The text is an integer, too large.
        out_of_range: bool,
    },
    /// More than one `-`: the ports' text.
    InvalidRange {
        /// The text before `/`.
        ports: String,
    },
    /// Not `tcp`, `udp` or `icmp`.
    InvalidProtocol {
        /// The protocol given.
        protocol: String,
    },
    /// `icmp` with ports.
    IcmpWithPorts {
        /// The first port given.
        from: i64,
    },
    /// `from` is above `to`.
    Reversed {
        /// The first port.
        from: i64,
        /// The last port.
        to: i64,
        /// The protocol given.
        protocol: String,
    },
    /// A bound outside 0..=65535.
    OutOfBounds {
        /// The first port.
        from: i64,
        /// The last port.
        to: i64,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::InvalidPort { port, .. } => write!(f, "invalid port {port:?}"),
            ParseError::InvalidRange { ports } => write!(f, "invalid port range {ports:?}"),
            ParseError::InvalidProtocol { protocol } => write!(
                f,
                "invalid protocol {protocol:?}, expected \"tcp\", \"udp\", or \"icmp\""
            ),
            ParseError::IcmpWithPorts { from } => {
                write!(
                    f,
                    "protocol \"icmp\" doesn't support any ports; got \"{from}\""
                )
            }
            ParseError::Reversed { from, to, protocol } => {
                write!(f, "invalid port range {from}-{to}/{protocol}")
            }
            ParseError::OutOfBounds { from, to } => write!(
                f,
                "port range bounds must be between 0 and 65535, got {from}-{to}"
            ),
        }
    }
}

impl std::error::Error for ParseError {}

/// `network.ParsePortRange`: `80`, `80/udp`, `8000-8099/tcp` or `icmp` (ports 0). The
/// text is taken as given: `open-port` lowercases it first.
pub fn parse(spec: &str) -> Result<PortRange, ParseError> {
    let (ports, protocol) = spec.split_once('/').unwrap_or((spec, "tcp"));
    let parts: Vec<&str> = ports.split('-').collect();
    let (from, to) = match parts.as_slice() {
        ["icmp"] => (-1, -1),
        [single] => {
            let p = atoi(single)?;
            (p, p)
        }
        [from, to] => (atoi(from)?, atoi(to)?),
        _ => {
            return Err(ParseError::InvalidRange {
                ports: ports.to_string(),
            })
        }
    };
    let protocol = match (from, protocol) {
        (-1, _) | (_, "icmp") => Protocol::Icmp,
        (_, "tcp") => Protocol::Tcp,
        (_, "udp") => Protocol::Udp,
        (_, other) => {
            return Err(ParseError::InvalidProtocol {
                protocol: other.to_string(),
            })
        }
    };
    if protocol == Protocol::Icmp {
        if from == -1 && to == -1 {
            return Ok(PortRange {
                protocol,
                from: 0,
                to: 0,
            });
        }
        return Err(ParseError::IcmpWithPorts { from });
    }
    if from > to {
        return Err(ParseError::Reversed {
            from,
            to,
            protocol: protocol.as_str().to_string(),
        });
    }
    match (u16::try_from(from), u16::try_from(to)) {
        (Ok(from), Ok(to)) => Ok(PortRange { protocol, from, to }),
        _ => Err(ParseError::OutOfBounds { from, to }),
    }
}

/// Go's `strconv.Atoi` syntax: an optional sign, then decimal digits.
fn atoi(text: &str) -> Result<i64, ParseError> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    let invalid = |out_of_range| ParseError::InvalidPort {
        port: text.to_string(),
        out_of_range,
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(false));
    }
    text.parse::<i64>().map_err(|_| invalid(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_and_print_as_juju_does() {
        for (spec, shown) in [
            ("80", "80/tcp"),
            ("80/udp", "80/udp"),
            ("8000-8099/tcp", "8000-8099/tcp"),
            ("+80", "80/tcp"),
            ("icmp", "icmp"),
            ("0", "0/tcp"),
        ] {
            assert_eq!(
                parse(spec).map(|r| r.to_string()),
                Ok(shown.into()),
                "{spec}"
            );
        }
    }

    #[test]
    fn each_refusal_says_why() {
        let err = |spec: &str| parse(spec).unwrap_err();
        assert_eq!(
            err("abc"),
            ParseError::InvalidPort {
                port: "abc".into(),
                out_of_range: false
            }
        );
        assert_eq!(
            err("99999999999999999999"),
            ParseError::InvalidPort {
                port: "99999999999999999999".into(),
                out_of_range: true
            }
        );
        assert_eq!(
            err("1-2-3"),
            ParseError::InvalidRange {
                ports: "1-2-3".into()
            }
        );
        assert_eq!(
            err("80/sctp"),
            ParseError::InvalidProtocol {
                protocol: "sctp".into()
            }
        );
        assert_eq!(err("80/icmp"), ParseError::IcmpWithPorts { from: 80 });
        assert_eq!(err("90-80").to_string(), "invalid port range 90-80/tcp");
        assert_eq!(
            err("70000").to_string(),
            "port range bounds must be between 0 and 65535, got 70000-70000"
        );
    }
}
