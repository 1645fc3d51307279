//! `reactive-hook-tool`: the local model's hook tools (`config-get`, `relation-set`, …)
//! in a small binary of their own, called through the links the model puts in its tools
//! directory (`Model::open` makes them). Hooks call tools many
//! times each; a binary that links only the tools starts faster than the whole `reactive`
//! command (which answers as the tools too, when this binary is not installed).

use std::process::ExitCode;

fn main() -> ExitCode {
    let code = charms_reactive_model::agent::tool_main(std::env::args_os());
    ExitCode::from(code.clamp(0, 255) as u8)
}
