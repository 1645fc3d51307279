//! `reactive-hook-tool`: the local model's hook tools (`config-get`, `relation-set`, …)
//! in a small binary of their own, called through the links the model puts in its tools
//! directory (`Model::open` makes them). Hooks call tools many
//! times each; a binary that links only the tools starts faster than the whole `reactive`
//! command (which answers as the tools too, when this binary is not installed).
//! Called by its own name (not a tool's), it says what it is: on stdout with exit 0 for
//! `--help`, else on stderr with exit 2 (it can do nothing else under that name).

use std::process::ExitCode;

/// What the binary is, for someone who runs it by hand.
const ABOUT: &str = "\
reactive-hook-tool: the hook tools of a `reactive model` (config-get, relation-set,
juju-log, status-set, …) in one multi-call binary. The model links it into its tools
directory under each tool's name, and a hook runs a tool by that name; the tool asks the
unit agent of the running hook (JUJU_CONTEXT_ID, JUJU_AGENT_SOCKET_ADDRESS), so the tools
work only inside a hook the model runs. Run by its own name it does nothing but print
this text.
";

fn main() -> ExitCode {
    let mut args = std::env::args_os();
    let argv0 = args.next().unwrap_or_default();
    let name = std::path::Path::new(&argv0)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !charms_reactive_model::tools::TOOL_NAMES.contains(&name.as_str()) {
        return match args.next() {
            Some(a) if a == "--help" || a == "-h" => {
                print!("{ABOUT}");
                ExitCode::SUCCESS
            }
            _ => {
                eprint!("{ABOUT}");
                ExitCode::from(2)
            }
        };
    }
    let code = charms_reactive_model::agent::tool_main(std::env::args_os());
    ExitCode::from(code.clamp(0, 255) as u8)
}
