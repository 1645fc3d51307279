//! The model benchmark's trivial charm: one handler.
use charms_reactive::{set_flag, when_not};

#[when_not("trivial.ready")]
fn ready() -> anyhow::Result<()> {
    set_flag("trivial.ready");
    Ok(())
}
