//! A layer whose one handler records how many layers ran before it.

use charms_reactive::prelude::*;

#[when_not("order.alpha")]
fn mark() -> Result<()> {
    let before = get_flags()
        .iter()
        .filter(|f| f.starts_with("order."))
        .count();
    set_flag_value("order.alpha", before.into());
    Ok(())
}
