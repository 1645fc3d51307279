//! The hello charm: units share their greeting over the `peers` relation; each unit's
//! status says how many peers greeted it.

use charms_reactive::prelude::*;

#[when_not("hello.installed")]
fn install() -> Result<()> {
    status::maintenance("installing")?;
    status::workload_version("1.0")?;
    set_flag("hello.installed");
    Ok(())
}

/// While peers are joined: publish this unit's greeting (sent only when it changed).
#[when("hello.installed", "endpoint.peers.joined")]
fn publish() -> Result<()> {
    let greeting = config::string("greeting")?;
    if let Some(peers) = Endpoint::from_name("peers") {
        for rel in peers.relations()? {
            rel.to_publish_raw().set("greeting", &greeting)?;
        }
    }
    Ok(())
}

/// The first report, with or without peers.
#[when("hello.installed")]
#[when_not("hello.reported")]
fn first_report() -> Result<()> {
    report()?;
    set_flag("hello.reported");
    Ok(())
}

/// Later reports: only when a peer's data changed, a peer left or the greeting changed,
/// so a quiet hook reads no peer's data.
#[when("hello.installed", "hello.reported")]
#[when_any(
    "endpoint.peers.changed",
    "endpoint.peers.departed",
    "config.changed.greeting"
)]
fn report_again() -> Result<()> {
    report()
}

/// Counts the peers that greeted this unit and sets the status if the message changed;
/// clears the peer flags it handled.
fn report() -> Result<()> {
    let greeting = config::string("greeting")?;
    let mut greeted = 0;
    if let Some(peers) = Endpoint::from_name("peers") {
        for unit in peers.all_joined_units()? {
            if unit
                .received_raw()?
                .get("greeting")
                .is_some_and(|g| !g.is_empty())
            {
                greeted += 1;
            }
        }
        peers.clear_changed();
        clear_flag(&peers.expand_name("departed"));
    }
    let message = format!(
        "{greeting}; greeted by {greeted} peer{}",
        if greeted == 1 { "" } else { "s" }
    );
    // Status only when it changes: status-set is a call to the controller.
    if data_changed("hello.status", &message)? {
        status::active(&message)?;
    }
    Ok(())
}
