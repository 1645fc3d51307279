//! What Debian's scripts call: `service`, `invoke-rc.d` and `deb-systemd-invoke`, each as
//! the real one behaves under systemd (they end in `systemctl`). So a package's maintainer
//! scripts start its daemon in the machine as on Ubuntu: `deb-systemd-helper enable` links
//! the unit, then `deb-systemd-invoke start` starts it if it is enabled, unless
//! `/usr/sbin/policy-rc.d` (absent in machines) denies it.
//!
//! [invoke-rc.d(8)]: https://manpages.debian.org/bookworm/init-system-helpers/invoke-rc.d.8.en.html
//! [deb-systemd-invoke(1p)]: https://manpages.debian.org/bookworm/init-system-helpers/deb-systemd-invoke.1p.en.html

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use super::client::{call, print};
use super::units;

/// The policy helper Debian's tools consult before starting or stopping a daemon.
pub const POLICY_RC_D: &str = "/usr/sbin/policy-rc.d";

/// `policy-rc.d <id> <action>`'s exit code, or 0 when there is none.
fn policy(id: &str, action: &str) -> i32 {
    if !is_executable(Path::new(POLICY_RC_D)) {
        return 0;
    }
    Command::new(POLICY_RC_D)
        .args([id, action])
        .status()
        .map_or(0, |s| s.code().unwrap_or(1))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// `systemctl ARGS` through the manager: `(code, stdout)`; stderr is passed on.
fn systemctl(args: &[&str]) -> Result<(i32, String), String> {
    let response = call("systemctl", args.iter().map(|a| a.to_string()).collect())?;
    eprint!("{}", response.stderr);
    Ok((response.code, response.stdout))
}

fn unit_exists(unit: &str) -> bool {
    // `systemctl show -p LoadState` as Debian's scripts ask it.
    systemctl(&["show", "-p", "LoadState", "--value", unit])
        .is_ok_and(|(_, out)| out.trim() != "not-found")
}

/// Whether an init script is enabled: a start link `/etc/rc{S,2,3,4,5}.d/S<NN><id>`.
fn has_start_link(id: &str) -> bool {
    ["S", "2", "3", "4", "5"].iter().any(|level| {
        std::fs::read_dir(format!("/etc/rc{level}.d")).is_ok_and(|entries| {
            entries.flatten().any(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.len() == id.len() + 3
                    && name.starts_with('S')
                    && name[1..3].bytes().all(|b| b.is_ascii_digit())
                    && name.ends_with(id)
            })
        })
    })
}

/// `service <name> <action> [args]`, `service --status-all`.
pub(crate) fn service_main(args: Vec<String>) -> i32 {
    let mut args = args.into_iter();
    let Some(name) = args.next() else {
        eprintln!("Usage: service < option > | --status-all | [ service_name [ command | --full-restart ] ]");
        return 1;
    };
    if name == "--status-all" {
        return match call(
            "systemctl",
            vec![
                "list-units".into(),
                "--type=service".into(),
                "--all".into(),
                "--no-legend".into(),
            ],
        ) {
            Ok(r) => {
                for line in r.stdout.lines() {
                    let mut cols = line.split_whitespace().filter(|c| *c != "●");
                    let (Some(unit), _, Some(active)) = (cols.next(), cols.next(), cols.next())
                    else {
                        continue;
                    };
                    let mark = if active == "active" { "+" } else { "-" };
                    println!(" [ {mark} ]  {}", unit.trim_end_matches(".service"));
                }
                0
            }
            Err(e) => {
                eprintln!("{e}");
                1
            }
        };
    }
    if name == "--version" {
        println!("service ver. 1.65.2 (reactive machines)");
        return 0;
    }
    let rest: Vec<String> = args.collect();
    let Some(action) = rest.first().cloned() else {
        eprintln!("Usage: service < option > | --status-all | [ service_name [ command | --full-restart ] ]");
        return 1;
    };
    let unit = units::normalize(&name);
    let init_script = Path::new("/etc/init.d").join(&name);
    if !unit_exists(&unit) && is_executable(&init_script) {
        let err = Command::new(&init_script).args(&rest).exec();
        eprintln!("service: cannot run {}: {err}", init_script.display());
        return 1;
    }
    let verb = match action.as_str() {
        "--full-restart" => "restart",
        "force-reload" => "force-reload",
        "start" | "stop" | "restart" | "reload" | "try-restart" | "status" => action.as_str(),
        other => {
            eprintln!("service: action {other} is not supported under systemd; use start, stop, restart, reload, force-reload, try-restart or status");
            return 1;
        }
    };
    match call("systemctl", vec![verb.to_string(), unit]) {
        Ok(r) => print(r),
        Err(e) => {
            eprintln!("{e}");
            1
        }
    }
}

/// `invoke-rc.d [options] <basename> <action> [args]`.
pub(crate) fn invoke_rc_d_main(args: Vec<String>) -> i32 {
    let mut quiet = false;
    let mut disclose_deny = false;
    let mut query = false;
    let mut skip_native = false;
    let mut words = Vec::new();
    for arg in args {
        match arg.as_str() {
            "--quiet" => quiet = true,
            "--disclose-deny" => disclose_deny = true,
            "--query" => query = true,
            "--skip-systemd-native" => skip_native = true,
            "--force" | "--try-anyway" | "--no-fallback" => {}
            a if a.starts_with("--") => {
                eprintln!("invoke-rc.d: unknown option {a}");
                return 103;
            }
            _ => words.push(arg),
        }
    }
    let (Some(id), Some(action)) = (words.first().cloned(), words.get(1).cloned()) else {
        eprintln!("invoke-rc.d: not enough arguments\nUsage: invoke-rc.d [options] <basename> <action> [extra parameters]");
        return 103;
    };
    let unit = units::normalize(&id);
    let init_script = Path::new("/etc/init.d").join(&id);
    let native = unit_exists(&unit);
    if skip_native && native {
        // Its own unit: deb-systemd-invoke handles it.
        return 0;
    }
    if !native && !init_script.exists() {
        eprintln!("invoke-rc.d: unknown initscript, /etc/init.d/{id} not found.");
        return 100;
    }
    // Local policy: start/restart only what is enabled (or already running).
    let mut rc = 104;
    if matches!(action.as_str(), "start" | "restart" | "try-restart") {
        let enabled = if native {
            systemctl(&["--quiet", "is-enabled", &unit]).is_ok_and(|(c, _)| c == 0)
        } else {
            has_start_link(&id)
        };
        let active = systemctl(&["--quiet", "is-active", &unit]).is_ok_and(|(c, _)| c == 0);
        if !enabled && !active {
            rc = 101;
        }
    }
    // As invoke-rc.d's querypolicy: an action the local policy refuses is asked about in
    // parentheses, and the helper's 0 ("allowed") overrides the refusal.
    let asked = if rc == 101 && matches!(action.as_str(), "start" | "restart" | "try-restart") {
        format!("({action})")
    } else {
        action.clone()
    };
    match policy(&id, &asked) {
        101 => {
            rc = 101;
            if !quiet {
                eprintln!("invoke-rc.d: policy-rc.d denied execution of {action}.");
            }
        }
        0 if is_executable(Path::new(POLICY_RC_D)) => rc = 104,
        _ => {}
    }
    if query {
        return rc;
    }
    if rc == 101 {
        return if disclose_deny { 101 } else { 0 };
    }
    if !native {
        let err = Command::new(&init_script).args(&words[1..]).exec();
        eprintln!("invoke-rc.d: cannot run {}: {err}", init_script.display());
        return 102;
    }
    let verb = match action.as_str() {
        "force-reload" => "force-reload",
        "start" | "stop" | "restart" | "reload" | "try-restart" | "status" => action.as_str(),
        other => {
            eprintln!("invoke-rc.d: action {other} is unknown, but proceeding anyway.");
            other
        }
    };
    match systemctl(&[verb, &unit]) {
        Ok((0, out)) => {
            print!("{out}");
            0
        }
        Ok((code, out)) => {
            print!("{out}");
            if verb == "status" {
                code
            } else {
                eprintln!("invoke-rc.d: initscript {id}, action \"{action}\" failed.");
                1
            }
        }
        Err(e) => {
            eprintln!("{e}");
            102
        }
    }
}

/// `deb-systemd-invoke [--user|--system] <action> <unit>…`, as init-system-helpers has it.
pub(crate) fn deb_systemd_invoke_main(args: Vec<String>) -> i32 {
    let words: Vec<String> = args.into_iter().filter(|a| a != "--system").collect();
    if words.iter().any(|w| w == "--user") {
        eprintln!("deb-systemd-invoke: --user is not supported in a reactive machine (no user managers), skipping");
        return 0;
    }
    let Some(action) = words.first().cloned() else {
        eprintln!("Syntax: deb-systemd-invoke <action> <unit file> [<unit file> ...]");
        return 1;
    };
    let units: Vec<String> = words[1..].to_vec();
    for unit in &units {
        match policy(unit, &action) {
            101 => {
                eprintln!(
                    "{POLICY_RC_D} returned 101, not running '{}'",
                    words.join(" ")
                );
                return 0;
            }
            0 | 104 => {}
            other => {
                eprintln!(
                    "deb-systemd-invoke only supports {POLICY_RC_D} return codes 0, 101, and 104!"
                );
                eprintln!("Got return code {other}, ignoring.");
            }
        }
    }
    if action == "start" || action == "restart" {
        let mut start = Vec::new();
        for unit in &units {
            let enabled = systemctl(&["is-enabled", "--", unit])
                .is_ok_and(|(_, out)| out.contains("enabled"));
            let active =
                systemctl(&["--quiet", "is-active", "--", unit]).is_ok_and(|(c, _)| c == 0);
            if !enabled && action == "start" {
                eprintln!("{unit} is a disabled or a static unit, not starting it.");
            } else if !enabled && !active && action == "restart" {
                eprintln!("{unit} is a disabled or a static unit not running, not starting it.");
            } else {
                start.push(unit.clone());
            }
        }
        if !start.is_empty() {
            let mut args = vec!["--quiet".to_string(), action.clone()];
            args.extend(start);
            match call("systemctl", args) {
                Ok(r) if r.code == 0 => {}
                Ok(r) => {
                    eprint!("{}", r.stderr);
                    eprintln!(
                        "Could not execute systemctl:  at /usr/bin/deb-systemd-invoke line 142."
                    );
                    return 1;
                }
                Err(e) => {
                    eprintln!("Could not execute systemctl: {e}");
                    return 1;
                }
            }
        }
        return 0;
    }
    match call("systemctl", words) {
        Ok(r) => print(r),
        Err(e) => {
            eprintln!("{e}");
            1
        }
    }
}
