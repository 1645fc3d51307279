#[charms_reactive::when("a", "")]
fn empty() -> anyhow::Result<()> {
    Ok(())
}
fn main() {}
