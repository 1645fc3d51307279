//! What the caller chooses: the fleet's network and helper binary, and each machine's spec.

use std::net::Ipv4Addr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{MachinesError, Result};

/// Longest Linux interface name.
const IFNAMSIZ_MAX: usize = 15;

/// The private network of a fleet: one bridge on the host and a /24 subnet.
///
/// The host takes `.1` on the bridge; machines take any other host address of the subnet.
/// Names and subnets must not collide with other fleets on the same host (another model, a
/// parallel test run), so the caller chooses them; [`NetConfig::derived`] makes a likely
/// unique pair from a seed such as a model id, and the fleet refuses a subnet that another
/// interface of the host already uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetConfig {
    /// Bridge interface name, at most 15 characters.
    pub bridge: String,
    /// Network address of the /24 (the last octet is ignored and taken as 0).
    pub subnet: Ipv4Addr,
}

impl NetConfig {
    /// A checked network configuration.
    pub fn new(bridge: &str, subnet: Ipv4Addr) -> Result<NetConfig> {
        let net = NetConfig {
            bridge: bridge.to_string(),
            subnet: network_of(subnet),
        };
        net.validate()?;
        Ok(net)
    }

    /// A bridge name and subnet derived from `seed` (e.g. a model id): bridge `rmb<8 hex>`,
    /// subnet inside `10.64.0.0/10`. Different seeds rarely collide (1 in 16384 for the subnet);
    /// a collision with an address already on the host is reported when the bridge is made.
    pub fn derived(seed: &str) -> NetConfig {
        let hash = fnv1a(seed.as_bytes());
        let second = 64 + ((hash >> 8) % 64) as u8;
        let third = (hash & 0xff) as u8;
        NetConfig {
            bridge: format!("rmb{:08x}", hash),
            subnet: Ipv4Addr::new(10, second, third, 0),
        }
    }

    /// The host's address on the bridge (`.1`).
    pub fn host_address(&self) -> Ipv4Addr {
        let [a, b, c, _] = self.subnet.octets();
        Ipv4Addr::new(a, b, c, 1)
    }

    /// Whether `address` is in this /24.
    pub fn contains(&self, address: Ipv4Addr) -> bool {
        network_of(address) == self.subnet
    }

    pub(crate) fn validate(&self) -> Result<()> {
        let bridge = &self.bridge;
        if bridge.is_empty()
            || bridge.len() > IFNAMSIZ_MAX
            || !bridge
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(MachinesError::Invalid(format!(
                "bridge name {bridge:?} must be 1 to {IFNAMSIZ_MAX} letters, digits, '-' or '_'"
            )));
        }
        Ok(())
    }
}

/// Everything a [`crate::Fleet`] needs besides its base directory.
#[derive(Debug, Clone)]
pub struct FleetConfig {
    /// The fleet's bridge and subnet.
    pub net: NetConfig,
    /// Path of the `reactive-machine` multi-call binary (the model ships it next to its own
    /// executable). It becomes each machine's init and is bind-mounted into every machine as
    /// [`crate::MACHINE_BIN_DIR`]`/reactive-machine` for the `apt-get` and `reactive-service`
    /// links.
    pub helper_binary: PathBuf,
    /// Host paths hidden inside every machine under an empty read-only tmpfs (the base
    /// directory is always hidden). Binds whose inside path lies under a hidden path still work.
    pub hidden: Vec<PathBuf>,
}

impl FleetConfig {
    /// A configuration with nothing extra hidden.
    pub fn new(net: NetConfig, helper_binary: PathBuf) -> FleetConfig {
        FleetConfig {
            net,
            helper_binary,
            hidden: Vec::new(),
        }
    }
}

/// One machine to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineSpec {
    /// Machine name and hostname, e.g. `hello-0`: 1–63 letters, digits or `-`, not starting or
    /// ending with `-`.
    pub name: String,
    /// Its address on the fleet's subnet (not `.0`, `.1` or `.255`).
    pub address: Ipv4Addr,
    /// Host paths bind-mounted into the machine: `(host path, path inside)`. The inside path
    /// is created (as a directory or an empty file, like the host path) if missing.
    pub binds: Vec<(PathBuf, PathBuf)>,
}

impl MachineSpec {
    /// A spec with no binds.
    pub fn new(name: &str, address: Ipv4Addr) -> MachineSpec {
        MachineSpec {
            name: name.to_string(),
            address,
            binds: Vec::new(),
        }
    }

    pub(crate) fn validate(&self, net: &NetConfig) -> Result<()> {
        validate_name(&self.name)?;
        if !net.contains(self.address) {
            return Err(MachinesError::Invalid(format!(
                "machine {}: address {} is not in the fleet's subnet {}/24",
                self.name, self.address, net.subnet
            )));
        }
        let last = self.address.octets()[3];
        if last == 0 || last == 1 || last == 255 {
            return Err(MachinesError::Invalid(format!(
                "machine {}: address {} is reserved (.0 network, .1 host, .255 broadcast)",
                self.name, self.address
            )));
        }
        for (host, inside) in &self.binds {
            if !host.is_absolute() || !inside.is_absolute() {
                return Err(MachinesError::Invalid(format!(
                    "machine {}: bind {} -> {} needs absolute paths",
                    self.name,
                    host.display(),
                    inside.display()
                )));
            }
            if inside
                .components()
                .any(|c| c == std::path::Component::ParentDir)
            {
                return Err(MachinesError::Invalid(format!(
                    "machine {}: bind target {} must not contain `..`",
                    self.name,
                    inside.display()
                )));
            }
        }
        Ok(())
    }
}

/// Checks a machine name: a valid hostname label.
pub(crate) fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(MachinesError::Invalid(format!(
            "machine name {name:?} must be a hostname: 1-63 letters, digits or '-', not starting or ending with '-'"
        )))
    }
}

fn network_of(address: Ipv4Addr) -> Ipv4Addr {
    let [a, b, c, _] = address.octets();
    Ipv4Addr::new(a, b, c, 0)
}

/// 32-bit FNV-1a: a stable, dependency-free hash for derived interface names.
pub(crate) fn fnv1a(bytes: &[u8]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in bytes {
        hash ^= u32::from(*byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_names_fit_and_differ() {
        let a = NetConfig::derived("model-a");
        let b = NetConfig::derived("model-b");
        assert!(a.validate().is_ok());
        assert!(a.bridge.len() <= IFNAMSIZ_MAX);
        assert_ne!(a.bridge, b.bridge);
        assert_eq!(a.subnet.octets()[0], 10);
        assert_eq!(a.subnet.octets()[3], 0);
        assert_eq!(a, NetConfig::derived("model-a"));
    }

    #[test]
    fn specs_are_checked() {
        let net = NetConfig::new("br-x", Ipv4Addr::new(10, 9, 8, 0)).ok();
        let Some(net) = net else {
            panic!("valid net config refused")
        };
        assert!(MachineSpec::new("hello-0", Ipv4Addr::new(10, 9, 8, 10))
            .validate(&net)
            .is_ok());
        for (name, addr) in [
            ("hello-0", Ipv4Addr::new(10, 9, 9, 10)),
            ("hello-0", Ipv4Addr::new(10, 9, 8, 1)),
            ("-bad", Ipv4Addr::new(10, 9, 8, 10)),
            ("hello/0", Ipv4Addr::new(10, 9, 8, 10)),
        ] {
            assert!(
                MachineSpec::new(name, addr).validate(&net).is_err(),
                "{name} {addr}"
            );
        }
        assert!(NetConfig::new("a-very-long-bridge-name", Ipv4Addr::new(10, 0, 0, 0)).is_err());
    }
}
