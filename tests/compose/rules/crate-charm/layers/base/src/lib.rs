//! Test base layer: records that it ran, before the charm's own handlers.
use charms_reactive::{get_flags, set_flag_value, when_not};

#[when_not("order.base")]
fn mark() -> anyhow::Result<()> {
    let before = get_flags().iter().filter(|f| f.starts_with("order.")).count();
    set_flag_value("order.base", before.into());
    Ok(())
}
