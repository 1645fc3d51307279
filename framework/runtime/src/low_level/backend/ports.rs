//! `open-port`, `close-port`, `opened-ports`.

use std::fmt;
use std::str::FromStr;

use super::{JujuTools, ToolError};

/// Port protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// TCP
    Tcp,
    /// UDP
    Udp,
    /// ICMP (no port numbers)
    Icmp,
}

/// A port or port range, written as Juju does: `80/tcp`, `8000-8999/udp`, `icmp`.
///
/// ```
/// # use charms_reactive::low_level::backend::Port;
/// let p: Port = "8000-8999/udp".parse().unwrap();
/// assert_eq!(p.to_string(), "8000-8999/udp");
/// assert_eq!(Port::tcp(5672).to_string(), "5672/tcp");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Port {
    /// Protocol.
    pub protocol: Protocol,
    /// First port of the range (0 for ICMP).
    pub from: u16,
    /// Last port of the range (0 for ICMP).
    pub to: u16,
}

impl Port {
    /// One TCP port.
    pub fn tcp(port: u16) -> Port {
        Port {
            protocol: Protocol::Tcp,
            from: port,
            to: port,
        }
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let proto = match self.protocol {
            Protocol::Icmp => return f.write_str("icmp"),
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        };
        if self.from == self.to {
            write!(f, "{}/{proto}", self.from)
        } else {
            write!(f, "{}-{}/{proto}", self.from, self.to)
        }
    }
}

/// A port that is not `N`, `N-M`, `N/proto`, `N-M/proto` or `icmp`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParsePortError(String);

impl FromStr for Port {
    type Err = ParsePortError;

    fn from_str(s: &str) -> Result<Port, ParsePortError> {
        let lower = s.trim().to_lowercase();
        if lower == "icmp" {
            return Ok(Port {
                protocol: Protocol::Icmp,
                from: 0,
                to: 0,
            });
        }
        let (range, proto) = lower.split_once('/').unwrap_or((&lower, "tcp"));
        let protocol = match proto {
            "tcp" => Protocol::Tcp,
            "udp" => Protocol::Udp,
            _ => {
                return Err(ParsePortError(format!(
                    "invalid protocol {proto:?} in port {s:?}"
                )))
            }
        };
        let num = |p: &str| {
            p.parse::<u16>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| ParsePortError(format!("invalid port {s:?}")))
        };
        let (from, to) = match range.split_once('-') {
            Some((a, b)) => (num(a)?, num(b)?),
            None => (num(range)?, num(range)?),
        };
        if from > to {
            return Err(ParsePortError(format!("invalid port range {s:?}")));
        }
        Ok(Port { protocol, from, to })
    }
}

/// Opened ports.
pub trait PortTools {
    /// Opens a port; Juju applies it only if the hook succeeds.
    fn open_port(&self, port: &Port) -> Result<(), ToolError>;
    /// Closes a port; Juju applies it only if the hook succeeds.
    fn close_port(&self, port: &Port) -> Result<(), ToolError>;
    /// The committed opened ports.
    fn opened_ports(&self) -> Result<Vec<Port>, ToolError>;
}

impl PortTools for JujuTools {
    fn open_port(&self, port: &Port) -> Result<(), ToolError> {
        self.write("open-port", &[&port.to_string()], None, &[])
    }

    fn close_port(&self, port: &Port) -> Result<(), ToolError> {
        self.write("close-port", &[&port.to_string()], None, &[])
    }

    fn opened_ports(&self) -> Result<Vec<Port>, ToolError> {
        let raw: Option<Vec<String>> = self.read_json("opened-ports", &[])?;
        raw.unwrap_or_default()
            .iter()
            .map(|p| {
                p.parse()
                    .map_err(|e: ParsePortError| ToolError::bad_output("opened-ports", e))
            })
            .collect()
    }
}
