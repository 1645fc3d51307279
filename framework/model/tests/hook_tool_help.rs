//! Issue item 10, help: `reactive-hook-tool` run by its own name (outside a hook) says
//! what it is instead of failing obscurely.

use std::process::Command;

const HOOK_TOOL: &str = env!("CARGO_BIN_EXE_reactive-hook-tool");

#[test]
fn item_10_the_hook_tool_binary_explains_itself_outside_a_hook() -> anyhow::Result<()> {
    let help = Command::new(HOOK_TOOL)
        .arg("--help")
        .env_remove("JUJU_CONTEXT_ID")
        .env_remove("JUJU_AGENT_SOCKET_ADDRESS")
        .output()?;
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8(help.stdout)?;
    for said in [
        "multi-call binary",
        "under each tool's name",
        "only inside a hook",
    ] {
        assert!(text.replace('\n', " ").contains(said), "{said:?} in {text}");
    }
    assert!(help.stderr.is_empty());
    for args in [&[][..], &["config-get"][..]] {
        let o = Command::new(HOOK_TOOL)
            .args(args)
            .env_remove("JUJU_CONTEXT_ID")
            .env_remove("JUJU_AGENT_SOCKET_ADDRESS")
            .output()?;
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(o.stdout.is_empty(), "{args:?}");
        assert_eq!(String::from_utf8(o.stderr)?, text, "{args:?}");
    }
    Ok(())
}
