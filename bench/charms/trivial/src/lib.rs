//! The model benchmark's trivial charm: one handler.
use charms_reactive::prelude::*;

#[when_not("trivial.ready")]
fn ready() -> Result<()> {
    set_flag("trivial.ready");
    Ok(())
}
