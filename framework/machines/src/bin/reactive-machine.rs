//! The machines' multi-call helper: init, `enter`, `reactive-service` and the `apt-get` shim.
//! See the `charms-reactive-machines` crate docs.

fn main() {
    let mut args = std::env::args_os().map(|a| a.to_string_lossy().into_owned());
    let argv0 = args.next().unwrap_or_default();
    let code = charms_reactive_machines::machine_main(&argv0, args.collect());
    std::process::exit(code);
}
