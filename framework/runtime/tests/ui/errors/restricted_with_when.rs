#[charms_reactive::collect_metrics]
#[charms_reactive::when("x")]
fn metrics() -> anyhow::Result<()> {
    Ok(())
}
fn main() {}
