//! A layer whose one handler records how many layers ran before it.

use charms_reactive::prelude::*;

#[when_not("order.beta")]
fn mark() -> Result<()> {
    let before = get_flags()
        .iter()
        .filter(|f| f.starts_with("order."))
        .count();
    set_flag_value("order.beta", before.into());
    Ok(())
}
