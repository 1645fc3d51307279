#[charms_reactive::when("x")]
async fn later() -> anyhow::Result<()> {
    Ok(())
}
fn main() {}
