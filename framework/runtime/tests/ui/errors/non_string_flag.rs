#[charms_reactive::when(installed)]
fn bare() -> anyhow::Result<()> {
    Ok(())
}
fn main() {}
