use charms_reactive::{hook, when};

#[when("x")]
#[hook("install")]
fn never() -> anyhow::Result<()> {
    Ok(())
}

fn main() {}
