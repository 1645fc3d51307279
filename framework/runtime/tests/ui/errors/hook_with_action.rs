#[charms_reactive::action("backup")]
#[charms_reactive::hook("install")]
fn both() -> anyhow::Result<()> {
    Ok(())
}
fn main() {}
