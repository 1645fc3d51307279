//! [`machine_main`]: one binary, several programs, chosen by the name it is called as.

use std::path::Path;

const USAGE: &str = "usage: reactive-machine enter|service|apt-get|init …
  enter --machine NAME --pid PID --start-time TICKS [--wd DIR] -- PROGRAM [ARGS...]
  service …        the reactive-service client (see `reactive-machine service --help`)
  apt-get|apt …    the apt-get and apt shim
  init CONFIG      a machine's init (started by the fleet)
Called as `reactive-service`, `apt-get`, `apt`, `systemctl`, `journalctl`, `systemd-notify`,
`service`, `invoke-rc.d` or `deb-systemd-invoke` (through a link), it is that program.";

/// The multi-call entry point of the `reactive-machine` binary: dispatches on the base name
/// of `argv0` (`apt-get`, `apt`, `reactive-service`, systemd's tools), else on the first
/// argument (`init`, `enter`, `service`, `apt-get`, `apt`). `args` excludes `argv0`. Returns the process exit code.
pub fn machine_main(argv0: &str, args: Vec<String>) -> i32 {
    let name = Path::new(argv0)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(argv0);
    match name {
        "apt-get" | "apt" => return crate::apt::shim_main(name, args),
        "reactive-service" => return crate::service_cli::main(args),
        "systemctl" | "journalctl" => return crate::systemd::client::main(name, args),
        "systemd-notify" => return crate::systemd::notify::systemd_notify_main(args),
        "service" => return crate::systemd::compat::service_main(args),
        "invoke-rc.d" => return crate::systemd::compat::invoke_rc_d_main(args),
        "deb-systemd-invoke" => return crate::systemd::compat::deb_systemd_invoke_main(args),
        _ => {}
    }
    let mut args = args.into_iter();
    let Some(command) = args.next() else {
        eprintln!("{USAGE}");
        return 2;
    };
    let rest: Vec<String> = args.collect();
    match command.as_str() {
        "init" => crate::init::main(rest),
        "enter" => crate::enter::main(rest),
        "service" => crate::service_cli::main(rest),
        "apt-get" | "apt" => crate::apt::shim_main(&command, rest),
        "listen-exec" => crate::systemd::sockets::listen_exec_main(rest),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            0
        }
        other => {
            eprintln!("reactive-machine: unknown command {other:?}\n{USAGE}");
            2
        }
    }
}
