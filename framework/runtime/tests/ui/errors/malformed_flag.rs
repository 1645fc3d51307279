#[charms_reactive::when_not("apt installed")]
fn spaced() -> anyhow::Result<()> {
    Ok(())
}
#[charms_reactive::when_any("ok", "a..b")]
fn dotted() -> anyhow::Result<()> {
    Ok(())
}
fn main() {}
