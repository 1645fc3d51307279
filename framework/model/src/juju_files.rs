//! The files and numbers a Juju machine gives a unit besides its hook context: the agent
//! tools directory (`/var/lib/juju/tools/unit-<app>-<n>/` with the hook tools and `jujud`,
//! `/var/lib/juju/tools/machine-<id>/`), the charm directory's `revision` file, the unit's
//! machine number (`JUJU_MACHINE_ID`) and the model's UUID. charmhelpers reads them:
//! `juju_version()` runs the first `/var/lib/juju/tools/machine-*/jujud` it globs with
//! `version`, and its unit data records the charm's `revision`.
//!
//! Layout of the model's tools directory (bound at `/var/lib/juju/tools` in machines; with
//! the local provider the model directory stands for `/var/lib/juju`), as Juju 3.6 lays out
//! its agent binaries:
//!
//! ```text
//! tools/3.6.4-ubuntu-amd64/jujud        answers `jujud version`
//! tools/3.6.4-ubuntu-amd64/jujuc        -> ../reactive-hook-tool
//! tools/3.6.4-ubuntu-amd64/<hook tool>  -> jujuc
//! tools/unit-<app>-<n>                  -> 3.6.4-ubuntu-amd64
//! tools/machine-<id>                    -> 3.6.4-ubuntu-amd64
//! ```
//!
//! Layer: state (it reads the model's state; nothing of the state depends on it).

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

use anyhow::Context;

use crate::paths::{unit_dir_name, Paths};
use crate::provider::Provider;
use crate::state::{unit_order, ModelState, Unit};

/// The Juju version the model's unit agents report (`JUJU_VERSION`, `jujud version`).
pub const JUJU_VERSION: &str = "3.6.4";

/// Juju's name for this host's architecture (`amd64`, `arm64`, …).
fn juju_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "powerpc64" => "ppc64el",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        other => other,
    }
}

/// The agent binary's version as `jujud version` prints it: `<version>-<os>-<arch>`, the
/// OS being `ubuntu` for every Ubuntu release since Juju 3.0 (e.g. `3.6.4-ubuntu-amd64`).
pub fn agent_version() -> String {
    format!("{JUJU_VERSION}-ubuntu-{}", juju_arch())
}

/// The `jujud` stand-in: a shell script that answers `version` as Juju's agent does.
fn jujud_script() -> String {
    format!(
        "#!/bin/sh\n\
         # jujud of the local model (charms-reactive): only `jujud version` is answered.\n\
         case \"$1\" in\n\
         version|--version) echo {} ;;\n\
         *) echo \"ERROR jujud of the local model answers only 'version'\" >&2; exit 2 ;;\n\
         esac\n",
        agent_version()
    )
}

/// A fresh model UUID: version 4 (random), from the operating system's randomness.
pub fn new_model_uuid() -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .context("reading 16 random bytes from /dev/urandom for the model's UUID")?;
    Ok(uuid_v4_from(bytes))
}

/// `bytes` with the version (4) and variant (RFC 4122) bits set, in the 8-4-4-4-12 form.
fn uuid_v4_from(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    hyphenated(&bytes)
}

fn hyphenated(bytes: &[u8; 16]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Brings a model made by an older version up to date, in memory (the next save keeps
/// it): a UUID written as 32 hex digits gets its hyphens (the same 128 bits), and each unit
/// on a machine of its own gets a machine number.
pub fn upgrade_state(state: &mut ModelState) {
    if state.uuid.len() == 32 && state.uuid.bytes().all(|b| b.is_ascii_hexdigit()) {
        let mut bytes = [0u8; 16];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&state.uuid[2 * i..2 * i + 2], 16).unwrap_or(0);
        }
        state.uuid = hyphenated(&bytes);
    }
    assign_machine_ids(state);
}

/// Gives every unit without a machine number the next one, in creation order (by
/// application as listed, then unit number), as Juju numbers the machine it adds for each
/// unit deployed: 0, 1, 2, …, never reusing a number. Only the machines provider adds
/// machines; numbers of removed units are dropped.
pub fn assign_machine_ids(state: &mut ModelState) {
    let live: BTreeSet<&String> = state.units.keys().collect();
    let mut ids = std::mem::take(&mut state.machine_ids);
    ids.retain(|unit, _| live.contains(unit));
    if matches!(state.provider, Provider::Machines { .. }) {
        let mut new: Vec<&String> = live.into_iter().filter(|u| !ids.contains_key(*u)).collect();
        new.sort_by(|a, b| unit_order(a, b));
        for unit in new {
            ids.insert(unit.clone(), state.next_machine_id);
            state.next_machine_id += 1;
        }
    }
    state.machine_ids = ids;
}

/// The unit's machine number (`JUJU_MACHINE_ID`): its own machine's with the machines
/// provider; 0 with the local provider, whose units all share the host, as units placed
/// with `--to 0` share machine 0.
pub fn machine_id(state: &ModelState, unit_name: &str) -> u32 {
    state.machine_ids.get(unit_name).copied().unwrap_or(0)
}

/// The agent tools directory's name for the unit: `unit-<app>-<n>`.
pub fn unit_tools_name(unit_name: &str) -> String {
    unit_dir_name(unit_name)
}

/// Makes the version directory of the tools directory: `jujud`, `jujuc` (a link to the
/// hook-tool binary `tool_binary`, a file name in the tools directory) and a link to it per
/// hook tool. Cheap when already done (a read and a link check each).
pub fn ensure_agent_binaries(
    paths: &Paths,
    tool_binary: &str,
    tool_names: &[&str],
) -> anyhow::Result<()> {
    let version_dir = paths.tools_dir().join(agent_version());
    std::fs::create_dir_all(&version_dir)
        .with_context(|| format!("creating {}", version_dir.display()))?;
    let jujud = version_dir.join("jujud");
    let script = jujud_script();
    if std::fs::read_to_string(&jujud).ok().as_deref() != Some(script.as_str()) {
        let tmp = version_dir.join(".jujud.tmp");
        std::fs::write(&tmp, &script)
            .and_then(|()| {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))
            })
            .and_then(|()| std::fs::rename(&tmp, &jujud))
            .with_context(|| format!("writing {}", jujud.display()))?;
    }
    ensure_link(&version_dir.join("jujuc"), &format!("../{tool_binary}"))?;
    for name in tool_names {
        ensure_link(&version_dir.join(name), "jujuc")?;
    }
    Ok(())
}

/// What a unit's hook finds on disk before it starts: its `unit-<app>-<n>` and
/// `machine-<id>` tools directories, and the charm directory's `revision` file holding the
/// application's charm revision (as Juju writes it on unpacking a charm: the decimal
/// number, no newline). Cheap when already done.
pub fn prepare_unit(
    paths: &Paths,
    state: &ModelState,
    unit_name: &str,
    unit: &Unit,
) -> anyhow::Result<()> {
    let tools = paths.tools_dir();
    let version = agent_version();
    ensure_link(&tools.join(unit_tools_name(unit_name)), &version)?;
    ensure_link(
        &tools.join(format!("machine-{}", machine_id(state, unit_name))),
        &version,
    )?;
    let revision = state
        .applications
        .get(&unit.app)
        .map(|a| a.charm_revision)
        .unwrap_or(0)
        .to_string();
    let file = unit.charm_dir.join("revision");
    if std::fs::read_to_string(&file).ok().as_deref() != Some(revision.as_str()) {
        std::fs::write(&file, &revision).with_context(|| format!("writing {}", file.display()))?;
    }
    Ok(())
}

/// `link` is a symbolic link to `target`, replacing whatever was there.
fn ensure_link(link: &Path, target: &str) -> anyhow::Result<()> {
    if std::fs::read_link(link).is_ok_and(|t| t == Path::new(target)) {
        return Ok(());
    }
    match std::fs::remove_file(link) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("replacing {}", link.display())),
    }
    match std::os::unix::fs::symlink(target, link) {
        // Another hook of the same round made it first.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other.with_context(|| format!("linking {} to {target}", link.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_4_in_the_hyphenated_form() -> anyhow::Result<()> {
        let uuid = uuid_v4_from([0xff; 16]);
        assert_eq!(uuid, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        let uuid = uuid_v4_from([0; 16]);
        assert_eq!(uuid, "00000000-0000-4000-8000-000000000000");
        let a = new_model_uuid()?;
        let b = new_model_uuid()?;
        assert_ne!(a, b);
        let parts: Vec<&str> = a.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'), "{a}");
        assert!(matches!(&parts[3][..1], "8" | "9" | "a" | "b"), "{a}");
        Ok(())
    }

    #[test]
    fn the_agent_version_is_jujuds() {
        let v = agent_version();
        assert!(v.starts_with("3.6.4-ubuntu-"), "{v}");
        if cfg!(target_arch = "x86_64") {
            assert_eq!(v, "3.6.4-ubuntu-amd64");
        }
    }

    #[test]
    fn old_uuids_get_their_hyphens_and_machine_units_their_numbers() {
        let mut state = ModelState {
            uuid: "0123456789abcdef0123456789abcdef".into(),
            provider: Provider::Machines {
                bridge: "b".into(),
                subnet: std::net::Ipv4Addr::new(10, 0, 0, 0),
            },
            ..ModelState::default()
        };
        for name in ["kv/10", "kv/2", "app/0"] {
            state.units.insert(name.into(), test_unit());
        }
        upgrade_state(&mut state);
        assert_eq!(state.uuid, "01234567-89ab-cdef-0123-456789abcdef");
        assert_eq!(machine_id(&state, "app/0"), 0);
        assert_eq!(machine_id(&state, "kv/2"), 1);
        assert_eq!(machine_id(&state, "kv/10"), 2);
        // A removed unit's number is not reused.
        state.units.remove("kv/2");
        state.units.insert("kv/11".into(), test_unit());
        assign_machine_ids(&mut state);
        assert_eq!(machine_id(&state, "kv/11"), 3);
        assert!(!state.machine_ids.contains_key("kv/2"));
        // A hyphenated UUID is left alone.
        let before = state.uuid.clone();
        upgrade_state(&mut state);
        assert_eq!(state.uuid, before);
    }

    fn test_unit() -> Unit {
        Unit {
            app: "kv".into(),
            charm_dir: "/nowhere".into(),
            dying: false,
            agent: Default::default(),
            status: Default::default(),
            status_history: Vec::new(),
            workload_version: String::new(),
            opened_ports: Vec::new(),
            state: Default::default(),
            address: String::new(),
            machine: None,
            seen: Default::default(),
            update_status_due: false,
            charm_set_status: false,
            hook_failures: 0,
            retry_at: None,
        }
    }
}
