#[charms_reactive::when("x")]
#[charms_reactive::hook("install")]
fn never() -> anyhow::Result<()> {
    Ok(())
}

fn main() {}
