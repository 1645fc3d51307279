#[charms_reactive::action("Backup_Now")]
fn backup() -> anyhow::Result<()> {
    Ok(())
}
fn main() {}
