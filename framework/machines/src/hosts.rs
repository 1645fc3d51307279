//! `/etc/hosts` of every machine: every machine's hostname → address.
//!
//! Each machine has its own copy in its overlay, rewritten by the host whenever the fleet
//! changes: written next to it and renamed over it through `/proc/<init>/root`, so a resolver
//! inside never reads a half-written file.

use std::fs;
use std::net::Ipv4Addr;
use std::path::PathBuf;

use anyhow::Context;

use crate::process::ProcessRef;

/// The file's contents for a fleet of `(name, address)`.
pub(crate) fn render(machines: &[(String, Ipv4Addr)]) -> String {
    let mut text = String::from(
        "# Written by reactive machines: every machine of this model.\n\
         127.0.0.1\tlocalhost\n\
         ::1\tlocalhost ip6-localhost ip6-loopback\n\
         ff02::1\tip6-allnodes\n\
         ff02::2\tip6-allrouters\n",
    );
    for (name, address) in machines {
        text.push_str(&format!("{address}\t{name}\n"));
    }
    text
}

/// Replaces `/etc/hosts` in the machine whose init is `init`. Does nothing if it is not
/// running (there is nobody to read the file).
pub(crate) fn write(machine: &str, init: &ProcessRef, text: &str) -> anyhow::Result<()> {
    // The pidfd pins the identity check; the writes go through the init's root.
    let Some(_pidfd) = init.open()? else {
        return Ok(());
    };
    let etc = PathBuf::from(format!("/proc/{}/root/etc", init.pid));
    let temp = etc.join(".hosts.reactive-new");
    let hosts = etc.join("hosts");
    fs::write(&temp, text).with_context(|| {
        format!(
            "writing /etc/hosts of machine {machine} ({})",
            temp.display()
        )
    })?;
    fs::rename(&temp, &hosts).with_context(|| {
        format!(
            "replacing /etc/hosts of machine {machine} ({})",
            hosts.display()
        )
    })?;
    Ok(())
}
