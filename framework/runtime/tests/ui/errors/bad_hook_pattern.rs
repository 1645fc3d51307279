#[charms_reactive::hook("{client:mysql}-relation-joined")]
fn bad_role() -> anyhow::Result<()> {
    Ok(())
}
fn main() {}
