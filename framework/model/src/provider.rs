//! Where units' hooks run, chosen per model at `reactive model init --provider`:
//! * `local`: on the host, sharing everything (each unit has its own charm directory and
//!   a loopback address). Fine for charms with no workload.
//! * `machines`: each unit on a machine of its own made of Linux namespaces
//!   (`charms-reactive-machines`): its own hostname (`<app>-<n>`), address on the
//!   model's bridge, filesystem (an overlay of the host's `/`), processes and services.
//!   Inside, the unit's directory is `/var/lib/juju/agents/unit-<app>-<n>` and the hook
//!   tools are in `/var/lib/juju/tools/unit-<app>-<n>`, as on a Juju machine.
//!
//! Layer: paths and layout (it depends only on [`crate::paths`]; the model's state
//! records which provider it has).

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;

use charms_reactive_machines::{Fleet, FleetConfig, MachineSpec, NetConfig, MACHINE_BIN_DIR};
use serde::{Deserialize, Serialize};

use crate::paths::{unit_dir_name, Paths};

/// Where a unit's agent directory is inside its machine.
const AGENTS_INSIDE: &str = "/var/lib/juju/agents";
/// Where the hook tools are inside a machine.
const TOOLS_INSIDE: &str = "/var/lib/juju/tools";

/// The model's provider.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Provider {
    /// Hooks run on the host.
    #[default]
    Local,
    /// Each unit has its own machine on bridge `bridge` with addresses in `subnet`/24.
    Machines {
        /// The model's bridge.
        bridge: String,
        /// The model's /24.
        subnet: Ipv4Addr,
    },
}

impl Provider {
    /// The provider called `name` for a new model whose identity is `seed` (the model's
    /// uuid and directory: two models never share a bridge). `machines` checks that this
    /// host can make machines; the error is one line naming what is missing.
    pub fn for_new_model(name: &str, seed: &str) -> anyhow::Result<Provider> {
        match name {
            "local" => Ok(Provider::Local),
            "machines" => {
                Fleet::check_support().map_err(|e| {
                    anyhow::anyhow!(
                        "{} (the local provider needs none of this: `reactive model init --provider local`)",
                        e
                    )
                })?;
                let net = NetConfig::derived(seed);
                Ok(Provider::Machines {
                    bridge: net.bridge,
                    subnet: net.subnet,
                })
            }
            other => anyhow::bail!("unknown provider {other:?}: use local or machines"),
        }
    }

    /// `local` or `machines`.
    pub fn name(&self) -> &'static str {
        match self {
            Provider::Local => "local",
            Provider::Machines { .. } => "machines",
        }
    }
}

/// The model's machines, or `None` for the local provider.
pub fn fleet(paths: &Paths, provider: &Provider) -> anyhow::Result<Option<Fleet>> {
    let Provider::Machines { bridge, subnet } = provider else {
        return Ok(None);
    };
    let net = NetConfig::new(bridge, *subnet)?;
    let mut config = FleetConfig::new(net, paths.machine_helper.clone());
    // Units see their own directory (bound in), not the rest of the model.
    config.hidden.push(paths.dir.clone());
    Ok(Some(Fleet::open(&paths.machines_dir(), config)?))
}

/// The machine name of a unit: `<app>-<n>`, also its hostname.
pub fn machine_name(unit_name: &str) -> String {
    unit_name.replace('/', "-")
}

/// The model's machines if it ever made one (its machines folder exists), else `None`.
pub fn fleet_if_made(paths: &Paths, provider: &Provider) -> anyhow::Result<Option<Fleet>> {
    if !paths.machines_dir().exists() {
        return Ok(None);
    }
    fleet(paths, provider)
}

/// For a new unit: the name of its machine (none for local units) and its address,
/// chosen without making anything (the state records them first, see
/// [`crate::reconcile`]; [`ensure_machine`] then makes the machine). Local units get a
/// loopback address of their own. Addresses are the lowest not in `taken` (the
/// addresses of the model's units).
pub fn placement(
    provider: &Provider,
    taken: &[&str],
    unit_name: &str,
) -> anyhow::Result<(Option<String>, String)> {
    match provider {
        Provider::Local => {
            let address = (2..)
                .map(|k: u32| format!("127.0.{}.{}", 1 + k / 250, 1 + k % 250))
                .find(|a| !taken.contains(&a.as_str()))
                .unwrap_or_default();
            Ok((None, address))
        }
        Provider::Machines { subnet, .. } => {
            let [a, b, c, _] = subnet.octets();
            let address = (10..=254u8)
                .map(|d| Ipv4Addr::new(a, b, c, d))
                .find(|ip| !taken.contains(&ip.to_string().as_str()))
                .ok_or_else(|| anyhow::anyhow!("no free address left in {subnet}/24"))?;
            Ok((Some(machine_name(unit_name)), address.to_string()))
        }
    }
}

/// Makes the machine `machine` of `unit_name` with `address`, unless the model's fleet
/// already has it. Returns whether it made it.
pub fn ensure_machine(
    paths: &Paths,
    provider: &Provider,
    unit_name: &str,
    machine: &str,
    address: &str,
) -> anyhow::Result<bool> {
    let Some(mut fleet) = fleet(paths, provider)? else {
        anyhow::bail!("unit {unit_name} has machine {machine} but the model has no machines");
    };
    if fleet.machine(machine).is_some() {
        return Ok(false);
    }
    let address: Ipv4Addr = address
        .parse()
        .map_err(|e| anyhow::anyhow!("unit {unit_name}: address {address:?}: {e}"))?;
    let mut spec = MachineSpec::new(machine, address);
    spec.binds.push((
        paths.agent_dir(unit_name),
        Path::new(AGENTS_INSIDE).join(unit_dir_name(unit_name)),
    ));
    spec.binds
        .push((paths.tools_dir(), PathBuf::from(TOOLS_INSIDE)));
    fleet
        .create(&spec)
        .map_err(|e| anyhow::anyhow!("creating machine {machine} for {unit_name}: {e}"))?;
    Ok(true)
}

/// Paths as a unit's hooks see them, and how to start a program there. `PATH` starts with
/// the unit's agent tools directory, `<tools>/unit-<app>-<n>`, as Juju's does.
pub struct UnitView {
    /// The charm directory.
    pub charm_dir: PathBuf,
    /// The agent socket.
    pub socket: PathBuf,
    /// `PATH` for hooks: the tools first.
    pub path: String,
    machine: Option<String>,
}

const SYSTEM_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

impl UnitView {
    /// The view of `unit_name` (whose machine is `machine`, if any).
    pub fn of(paths: &Paths, unit_name: &str, machine: Option<&str>) -> UnitView {
        match machine {
            None => {
                let dir = paths.agent_dir(unit_name);
                let tools = paths.tools_dir().join(unit_dir_name(unit_name));
                UnitView {
                    charm_dir: dir.join("charm"),
                    socket: dir.join("agent.socket"),
                    path: format!("{}:{SYSTEM_PATH}", tools.display()),
                    machine: None,
                }
            }
            Some(m) => {
                let dir = Path::new(AGENTS_INSIDE).join(unit_dir_name(unit_name));
                UnitView {
                    charm_dir: dir.join("charm"),
                    socket: dir.join("agent.socket"),
                    path: format!(
                        "{TOOLS_INSIDE}/{}:{MACHINE_BIN_DIR}:{SYSTEM_PATH}",
                        unit_dir_name(unit_name)
                    ),
                    machine: Some(m.to_string()),
                }
            }
        }
    }

    /// `host_path` (under the unit's charm directory `host_charm_dir`) as the unit sees it.
    pub fn inside(&self, host_charm_dir: &Path, host_path: &Path) -> PathBuf {
        match host_path.strip_prefix(host_charm_dir) {
            Ok(rel) => self.charm_dir.join(rel),
            Err(_) => host_path.to_path_buf(),
        }
    }

    /// A command running `program` (a path as the unit sees it) in the unit's charm
    /// directory, on its machine if it has one. Its environment is empty but for what
    /// the caller adds.
    pub fn command(
        &self,
        paths: &Paths,
        provider: &Provider,
        program: &Path,
    ) -> anyhow::Result<Command> {
        let mut cmd = match &self.machine {
            None => {
                let mut cmd = Command::new(program);
                cmd.current_dir(&self.charm_dir);
                cmd
            }
            Some(m) => {
                let Some(fleet) = fleet(paths, provider)? else {
                    anyhow::bail!("unit machine {m} but the model has no machines");
                };
                fleet.command_in(m, &program.to_string_lossy(), &self.charm_dir)?
            }
        };
        cmd.env_clear();
        Ok(cmd)
    }
}

/// Removes every machine (those a killed create never recorded too), the bridge and the
/// machines' directory; fails naming anything of them left on the host.
pub fn destroy_all(paths: &Paths, provider: &Provider) -> anyhow::Result<()> {
    if let Some(mut fleet) = fleet(paths, provider)? {
        fleet.destroy_all()?;
    }
    Ok(())
}

/// The host link of the model's bridge, if the model has one and it still exists.
pub fn bridge_left(provider: &Provider) -> Option<String> {
    match provider {
        Provider::Machines { bridge, .. } if Path::new("/sys/class/net").join(bridge).exists() => {
            Some(bridge.clone())
        }
        _ => None,
    }
}
