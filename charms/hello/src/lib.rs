//! The hello charm: units share their greeting over the `peers` relation; each unit's
//! status says how many peers greeted it.

use charms_reactive::backend::WorkloadStatus;
use charms_reactive::endpoint::Endpoint;
use charms_reactive::{data_changed, hook_tools, set_flag, when, when_not};

#[when_not("hello.installed")]
fn install() -> anyhow::Result<()> {
    let tools = hook_tools();
    tools.status_set(false, WorkloadStatus::Maintenance, "installing")?;
    tools.application_version_set("1.0")?;
    set_flag("hello.installed");
    Ok(())
}

/// Every hook: publish this unit's greeting (only sent when it changed) and report the
/// peers' greetings.
#[when("hello.installed")]
fn greet() -> anyhow::Result<()> {
    let tools = hook_tools();
    let config = tools.config_get()?;
    let greeting = config
        .get("greeting")
        .and_then(|g| g.as_str())
        .unwrap_or("hello")
        .to_string();
    let Some(peers) = Endpoint::from_name("peers") else {
        return Ok(());
    };
    let mut greeted = 0;
    for rel in peers.relations()? {
        rel.to_publish_raw().set("greeting", &greeting)?;
        for unit in rel.joined_units() {
            if unit
                .received_raw()?
                .get("greeting")
                .is_some_and(|g| !g.is_empty())
            {
                greeted += 1;
            }
        }
    }
    let message = format!(
        "{greeting}; greeted by {greeted} peer{}",
        if greeted == 1 { "" } else { "s" }
    );
    // Status only when it changes: status-set is a call to the controller.
    if data_changed("hello.status", &message)? {
        tools.status_set(false, WorkloadStatus::Active, &message)?;
    }
    Ok(())
}
