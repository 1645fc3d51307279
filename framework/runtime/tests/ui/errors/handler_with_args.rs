#[charms_reactive::when("x")]
fn takes_args(flag: &str) -> anyhow::Result<()> {
    let _ = flag;
    Ok(())
}
fn main() {}
