//! `reactive-service`: the supervisor's command-line client (and `reactive-service daemon`).
//!
//! ```text
//! reactive-service [--socket PATH] start <name> [--user U] [--dir D] [--env K=V]… -- <cmd> [args…]
//! reactive-service [--socket PATH] stop <name> [--timeout SECS]
//! reactive-service [--socket PATH] restart <name> [--timeout SECS] [--user U] [--dir D] [--env K=V]… [-- <cmd> [args…]]
//! reactive-service [--socket PATH] status <name>     # exit 0 running, 3 not running (as `systemctl is-active`)
//! reactive-service [--socket PATH] list
//! reactive-service daemon [--socket PATH] [--log-dir DIR]
//! ```
//!
//! The socket is `--socket`, else `$REACTIVE_SERVICE_SOCKET`, else the machine's
//! [`crate::SUPERVISOR_SOCKET`].

use std::io::BufReader;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;

use anyhow::{bail, Context};

use crate::protocol;
use crate::supervisor::{self, Request, Response, ServiceDef, ServiceStatus};

/// Exit code of `status` for a service that is not running (systemd's "inactive").
pub const EXIT_NOT_RUNNING: i32 = 3;

const USAGE: &str =
    "usage: reactive-service [--socket PATH] start|stop|restart|status|list|daemon …
  start <name> [--user U] [--dir D] [--env K=V]... -- <cmd> [args...]
  stop <name> [--timeout SECS]
  restart <name> [--timeout SECS] [--user U] [--dir D] [--env K=V]... [-- <cmd> [args...]]
  status <name>        exit 0 if running, 3 if not
  list
  daemon [--socket PATH] [--log-dir DIR]";

/// Entry point; returns the exit code.
pub(crate) fn main(args: Vec<String>) -> i32 {
    match run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("reactive-service: {e:#}");
            1
        }
    }
}

fn run(args: Vec<String>) -> anyhow::Result<i32> {
    let mut args = args.into_iter().peekable();
    let mut socket: Option<PathBuf> = None;
    while let Some(arg) = args.peek() {
        if arg == "--socket" {
            args.next();
            socket = Some(args.next().context("--socket needs a path")?.into());
        } else if let Some(path) = arg.strip_prefix("--socket=") {
            socket = Some(path.into());
            args.next();
        } else {
            break;
        }
    }
    let Some(verb) = args.next() else {
        eprintln!("{USAGE}");
        return Ok(2);
    };
    let rest: Vec<String> = args.collect();
    if verb == "-h" || verb == "--help" {
        println!("{USAGE}");
        return Ok(0);
    }
    if verb == "daemon" {
        let mut log_dir = PathBuf::from(supervisor::LOG_DIR);
        let mut rest = rest.into_iter();
        while let Some(arg) = rest.next() {
            match arg.as_str() {
                "--socket" => socket = Some(rest.next().context("--socket needs a path")?.into()),
                "--log-dir" => log_dir = rest.next().context("--log-dir needs a path")?.into(),
                other => bail!("daemon: unexpected argument {other:?}\n{USAGE}"),
            }
        }
        let socket = socket_path(socket);
        supervisor::daemon_main(&socket, &log_dir)?;
        return Ok(0);
    }
    let request = parse(&verb, rest)?;
    let socket = socket_path(socket);
    let response = call(&socket, &request)?;
    if let Some(error) = response.error {
        eprintln!("reactive-service: {error}");
        return Ok(match request {
            Request::Status { .. } => EXIT_NOT_RUNNING,
            _ => 1,
        });
    }
    match request {
        Request::Status { .. } => {
            let Some(service) = response.service else {
                bail!("the supervisor sent no status");
            };
            println!("{}", describe(&service));
            Ok(if service.state == "running" {
                0
            } else {
                EXIT_NOT_RUNNING
            })
        }
        Request::List => {
            for service in &response.services {
                println!("{}", describe(service));
            }
            Ok(0)
        }
        _ => {
            if let Some(message) = response.message {
                println!("{message}");
            }
            Ok(0)
        }
    }
}

fn socket_path(flag: Option<PathBuf>) -> PathBuf {
    flag.or_else(|| std::env::var_os(supervisor::SOCKET_ENV).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(supervisor::SUPERVISOR_SOCKET))
}

/// Sends one request to the supervisor at `socket` and returns its answer.
pub fn call(socket: &std::path::Path, request: &Request) -> anyhow::Result<Response> {
    let mut stream = UnixStream::connect(socket).with_context(|| {
        format!(
            "cannot reach the supervisor at {} (inside a machine it is run by the machine's init; elsewhere start `reactive-service daemon`)",
            socket.display()
        )
    })?;
    protocol::send(&mut stream, request)?;
    protocol::receive(&mut BufReader::new(&stream))?
        .context("the supervisor closed the connection without answering")
}

fn describe(service: &ServiceStatus) -> String {
    let mut line = format!("{}: {}", service.name, service.state);
    if let Some(pid) = service.pid {
        line.push_str(&format!(" (pid {pid})"));
    }
    if service.state != "running" {
        if let Some(exit) = &service.last_exit {
            line.push_str(&format!(", last run {exit}"));
        }
    }
    line.push_str(&format!(" — {}", service.def.argv.join(" ")));
    line
}

fn parse(verb: &str, rest: Vec<String>) -> anyhow::Result<Request> {
    let mut rest = rest.into_iter();
    let name = rest.next();
    let need_name = || -> anyhow::Result<String> {
        name.clone()
            .with_context(|| format!("{verb}: which service?\n{USAGE}"))
    };
    let mut user = None;
    let mut dir = None;
    let mut env = Vec::new();
    let mut timeout_secs = None;
    let mut argv = Vec::new();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--" => {
                argv.extend(rest.by_ref());
            }
            "--user" | "-u" => user = Some(rest.next().context("--user needs a value")?),
            "--dir" | "-d" => dir = Some(rest.next().context("--dir needs a value")?),
            "--env" | "-e" => {
                let pair = rest.next().context("--env needs K=V")?;
                let (k, v) = pair
                    .split_once('=')
                    .with_context(|| format!("--env {pair:?}: expected K=V"))?;
                env.push((k.to_string(), v.to_string()));
            }
            "--timeout" => {
                let secs = rest.next().context("--timeout needs seconds")?;
                timeout_secs = Some(
                    secs.parse()
                        .with_context(|| format!("--timeout {secs:?}: not a number of seconds"))?,
                );
            }
            other => {
                bail!("{verb}: unexpected argument {other:?} (put the command after `--`)\n{USAGE}")
            }
        }
    }
    let def = ServiceDef {
        argv,
        user,
        dir,
        env,
    };
    Ok(match verb {
        "start" => {
            if def.argv.is_empty() {
                bail!("start: no command (put it after `--`)\n{USAGE}");
            }
            Request::Start {
                name: need_name()?,
                def,
            }
        }
        "stop" => Request::Stop {
            name: need_name()?,
            timeout_secs,
        },
        "restart" => Request::Restart {
            name: need_name()?,
            def: if def.argv.is_empty() { None } else { Some(def) },
            timeout_secs,
        },
        "status" | "is-active" => Request::Status { name: need_name()? },
        "list" => Request::List,
        other => bail!("unknown command {other:?}\n{USAGE}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn start_takes_options_then_the_command() {
        let request = parse(
            "start",
            strings(&[
                "web",
                "--user",
                "www-data",
                "--dir",
                "/srv",
                "--env",
                "A=b=c",
                "--",
                "python3",
                "-m",
                "http.server",
                "--bind",
                "x",
            ]),
        );
        let Ok(Request::Start { name, def }) = request else {
            panic!("{request:?}")
        };
        assert_eq!(name, "web");
        assert_eq!(def.user.as_deref(), Some("www-data"));
        assert_eq!(def.dir.as_deref(), Some("/srv"));
        assert_eq!(def.env, vec![("A".to_string(), "b=c".to_string())]);
        assert_eq!(
            def.argv,
            strings(&["python3", "-m", "http.server", "--bind", "x"])
        );
    }

    #[test]
    fn start_without_a_command_is_refused() {
        assert!(parse("start", strings(&["web"])).is_err());
        assert!(parse("start", strings(&["web", "sleep", "1"])).is_err());
    }

    #[test]
    fn restart_keeps_the_old_command_unless_given() {
        assert!(matches!(
            parse("restart", strings(&["web", "--timeout", "3"])),
            Ok(Request::Restart {
                def: None,
                timeout_secs: Some(3),
                ..
            })
        ));
        assert!(matches!(
            parse("restart", strings(&["web", "--", "true"])),
            Ok(Request::Restart { def: Some(_), .. })
        ));
    }
}
