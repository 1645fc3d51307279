//! `open-port`, `close-port`, `opened-ports`.

use super::{JujuTools, ToolError};

/// A port or port range, written as Juju does: `80/tcp`, `8000-8999/udp`, `icmp`. It is
/// Juju's own port-range rule, shared with the local model's `open-port`.
///
/// ```
/// # use charms_reactive::low_level::backend::Port;
/// let p: Port = "8000-8999/udp".parse().unwrap();
/// assert_eq!(p.to_string(), "8000-8999/udp");
/// assert_eq!(Port::tcp(5672).to_string(), "5672/tcp");
/// ```
pub type Port = charms_reactive_juju::ports::PortRange;

pub use charms_reactive_juju::ports::{ParseError as ParsePortError, Protocol};

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
