//! Test charm layer: its handler runs after the base layer's.
use charms_reactive::{get_flags, set_flag_value, when_not};

#[when_not("order.charm")]
fn mark() -> anyhow::Result<()> {
    let before = get_flags().iter().filter(|f| f.starts_with("order.")).count();
    set_flag_value("order.charm", before.into());
    Ok(())
}
