//! The apt layer's test charm: its status lists the `apt.installed.*` flags.

use charms_reactive::prelude::*;

#[when_any("apt.installed.hello", "apt.queued_installs")]
fn show_packages() -> Result<()> {
    let installed: Vec<String> = get_flags()
        .into_iter()
        .filter(|f| f.starts_with("apt.installed."))
        .collect();
    if !installed.is_empty() {
        status::active(&format!("flags: {}", installed.join(" ")))?;
    }
    Ok(())
}
