#[charms_reactive::when("x")]
fn wrong() -> Result<(), String> {
    Ok(())
}
fn main() {}
