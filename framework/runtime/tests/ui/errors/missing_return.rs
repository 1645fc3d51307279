#[charms_reactive::when("x")]
fn no_result() {}
fn main() {}
