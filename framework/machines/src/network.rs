//! The fleet's network: one bridge on the host with the subnet's `.1`, and per machine a veth
//! pair whose host end is on the bridge and whose other end is the machine's `eth0`.
//!
//! There is no default route anywhere, so nothing leaves the host: machines reach each other
//! and the host's bridge address, nothing else. Interfaces are configured with `ip`
//! (iproute2); inside a machine's network namespace it runs after `setns` in the child, so
//! the host's `ip` binary is used.

use std::fs::File;
use std::net::Ipv4Addr;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::config::{fnv1a, NetConfig};
use crate::support::find_tool;

/// The host's `ip`.
pub(crate) fn ip_tool() -> anyhow::Result<PathBuf> {
    find_tool("ip").context("`ip` not found: apt-get install iproute2")
}

fn run(mut cmd: Command, what: &str) -> anyhow::Result<String> {
    let output = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {what}"))?;
    if !output.status.success() {
        bail!(
            "{what} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Runs `ip ARGS` on the host.
pub(crate) fn ip(args: &[&str]) -> anyhow::Result<String> {
    let mut cmd = Command::new(ip_tool()?);
    cmd.args(args);
    run(cmd, &format!("`ip {}`", args.join(" ")))
}

/// Runs `ip ARGS` in the network namespace `netns` (an open namespace file).
fn ip_in(netns: &File, machine: &str, args: &[&str]) -> anyhow::Result<String> {
    let mut cmd = Command::new(ip_tool()?);
    cmd.args(args);
    let fd = netns.as_raw_fd();
    // SAFETY: setns is async-signal-safe; `netns` outlives the spawn.
    unsafe {
        cmd.pre_exec(move || crate::sys::setns(fd, libc::CLONE_NEWNET));
    }
    run(
        cmd,
        &format!("`ip {}` in machine {machine}", args.join(" ")),
    )
}

/// Whether the host has a link of that name.
pub(crate) fn link_exists(name: &str) -> bool {
    Path::new("/sys/class/net").join(name).exists()
}

/// Host-side veth name for a machine: fits the 15-character limit and differs between
/// fleets (the bridge name is part of the hash).
pub(crate) fn veth_name(net: &NetConfig, machine: &str) -> String {
    format!(
        "rmv{:08x}",
        fnv1a(format!("{}/{machine}", net.bridge).as_bytes())
    )
}

/// IPv4 addresses on the host: `(interface, address, prefix length)`.
fn host_addresses() -> anyhow::Result<Vec<(String, Ipv4Addr, u8)>> {
    let text = ip(&["-o", "-4", "addr", "show"])?;
    Ok(text
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let dev = words.nth(1)?.to_string();
            let cidr = words.skip_while(|w| *w != "inet").nth(1)?;
            let (addr, prefix) = cidr.split_once('/')?;
            Some((dev, addr.parse().ok()?, prefix.parse().ok()?))
        })
        .collect())
}

/// Creates the bridge with the host's `.1` if it is not there; checks that no other interface
/// already uses the subnet (another fleet or a real network).
pub(crate) fn ensure_bridge(net: &NetConfig) -> anyhow::Result<()> {
    let host = net.host_address();
    for (dev, addr, _) in host_addresses()? {
        if dev != net.bridge && net.contains(addr) {
            bail!(
                "subnet {}/24 is already used on this host by {dev} ({addr}): choose another subnet for this fleet",
                net.subnet
            );
        }
    }
    let bridge = net.bridge.as_str();
    if !link_exists(bridge) {
        ip(&["link", "add", bridge, "type", "bridge"])
            .with_context(|| format!("creating bridge {bridge}"))?;
    }
    let has_address = host_addresses()?
        .iter()
        .any(|(dev, addr, prefix)| dev == bridge && *addr == host && *prefix == 24);
    if !has_address {
        ip(&["addr", "add", &format!("{host}/24"), "dev", bridge])
            .with_context(|| format!("giving bridge {bridge} the address {host}/24"))?;
    }
    ip(&["link", "set", bridge, "up"]).with_context(|| format!("bringing bridge {bridge} up"))?;
    Ok(())
}

/// Connects a machine: a veth pair with `veth` on the bridge and `eth0` (with `address`) in
/// the network namespace of process `init_pid`; `lo` up. No routes besides the on-link one.
pub(crate) fn connect(
    net: &NetConfig,
    machine: &str,
    veth: &str,
    init_pid: i32,
    address: Ipv4Addr,
) -> anyhow::Result<()> {
    let pid = init_pid.to_string();
    ip(&[
        "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", &pid,
    ])
    .with_context(|| format!("creating the veth pair of machine {machine}"))?;
    ip(&["link", "set", veth, "master", &net.bridge, "up"])
        .with_context(|| format!("attaching {veth} to bridge {}", net.bridge))?;
    let netns_path = format!("/proc/{init_pid}/ns/net");
    let netns = File::open(&netns_path).with_context(|| format!("opening {netns_path}"))?;
    ip_in(
        &netns,
        machine,
        &["addr", "add", &format!("{address}/24"), "dev", "eth0"],
    )?;
    ip_in(&netns, machine, &["link", "set", "eth0", "up"])?;
    ip_in(&netns, machine, &["link", "set", "lo", "up"])?;
    Ok(())
}

/// Deletes a host link if present. A veth end normally vanishes by itself when its peer's
/// namespace goes, which the kernel does asynchronously, so wait a little for that first.
pub(crate) fn remove_link(name: &str, grace: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + grace;
    while link_exists(name) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    if link_exists(name) {
        if let Err(e) = ip(&["link", "del", name]) {
            if link_exists(name) {
                return Err(e).with_context(|| format!("deleting link {name}"));
            }
        }
    }
    Ok(())
}
