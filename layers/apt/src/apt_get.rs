//! Running `apt-get` (and `apt-mark`, `dpkg-query`) as argv vectors with
//! `DEBIAN_FRONTEND=noninteractive`, retrying with backoff while dpkg's lock is held or
//! apt exits 100, a bounded number of times.

use std::time::Duration;

use crate::system::{Output, System};

/// The environment every apt command gets.
pub const APT_ENV: &[(&str, &str)] = &[("DEBIAN_FRONTEND", "noninteractive")];

/// Waits between attempts while another process holds dpkg's lock (e.g. unattended
/// upgrades at boot): about two minutes in all, then the command fails.
pub const LOCK_BACKOFF: &[Duration] = &[
    Duration::from_secs(2),
    Duration::from_secs(4),
    Duration::from_secs(8),
    Duration::from_secs(16),
    Duration::from_secs(30),
    Duration::from_secs(30),
    Duration::from_secs(30),
];

/// Waits before the retries of a command that exited 100 for another reason (a stale
/// package list, a mirror mid-sync): two retries, the package lists updated before the
/// first one when the command installs.
pub const ERROR_BACKOFF: &[Duration] = &[Duration::from_secs(1), Duration::from_secs(2)];

/// apt's exit code for "an error occurred" (a held lock among them).
pub const APT_ERROR: i32 = 100;

/// A command that failed for good.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{command} failed ({status}) after {attempts} attempt(s){}", if reason.is_empty() { String::new() } else { format!(": {reason}") })]
pub struct AptFailure {
    /// The command line (program and arguments).
    pub command: String,
    /// How it exited the last time.
    pub status: String,
    /// How many times it ran.
    pub attempts: usize,
    /// apt's own explanation: its last `E:` line, else the last line of its stderr.
    pub reason: String,
}

/// Whether apt's stderr says another process holds dpkg's or apt's lock.
pub fn lock_held(stderr: &str) -> bool {
    [
        "Could not get lock",
        "Unable to acquire the dpkg frontend lock",
        "Unable to lock the administration directory",
        "Unable to lock directory",
        "is another process using it",
    ]
    .iter()
    .any(|m| stderr.contains(m))
}

/// apt's explanation of a failure: the last `E:` line, else the last non-empty line.
pub fn reason(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines
        .iter()
        .rev()
        .find(|l| l.starts_with("E:"))
        .or(lines.last())
        .map(|l| l.to_string())
        .unwrap_or_default()
}

/// Runs `argv` until it succeeds, retrying while the lock is held ([`LOCK_BACKOFF`]) or
/// it exits 100 ([`ERROR_BACKOFF`]); `before_error_retry` runs once before the first
/// retry of an exit 100 that is not the lock (the installer updates the package lists
/// there).
pub fn run_with_retries(
    system: &dyn System,
    argv: &[String],
    mut before_error_retry: impl FnMut(),
) -> Result<Output, AptFailure> {
    let command = argv.join(" ");
    let (mut lock_waits, mut error_retries, mut attempts) = (0, 0, 0);
    loop {
        attempts += 1;
        tracing::info!("running {command}");
        let out = match system.run(argv, APT_ENV) {
            Ok(out) => out,
            Err(e) => {
                return Err(AptFailure {
                    command,
                    status: "not run".into(),
                    attempts,
                    reason: e.to_string(),
                })
            }
        };
        if out.success() {
            return Ok(out);
        }
        let wait = if lock_held(&out.stderr) && lock_waits < LOCK_BACKOFF.len() {
            lock_waits += 1;
            Some(LOCK_BACKOFF[lock_waits - 1])
        } else if out.code == Some(APT_ERROR)
            && !lock_held(&out.stderr)
            && error_retries < ERROR_BACKOFF.len()
        {
            if error_retries == 0 {
                before_error_retry();
            }
            error_retries += 1;
            Some(ERROR_BACKOFF[error_retries - 1])
        } else {
            None
        };
        match wait {
            Some(wait) => {
                tracing::warn!(
                    "{command} failed ({}); will retry in {} s: {}",
                    status_text(&out),
                    wait.as_secs(),
                    reason(&out.stderr)
                );
                system.sleep(wait);
            }
            None => {
                return Err(AptFailure {
                    command,
                    status: status_text(&out),
                    attempts,
                    reason: reason(&out.stderr),
                })
            }
        }
    }
}

fn status_text(out: &Output) -> String {
    match out.code {
        Some(code) => format!("exit {code}"),
        None => "killed by a signal".into(),
    }
}

/// `apt-get --assume-yes --option=Dpkg::Options::=--force-confold install <packages>`
/// (keeping configuration files the operator changed, as charmhelpers does).
pub fn install_argv(packages: &[String], options: &[String]) -> Vec<String> {
    let mut argv = vec!["apt-get".to_string(), "--assume-yes".to_string()];
    if options.is_empty() {
        argv.push("--option=Dpkg::Options::=--force-confold".into());
    } else {
        argv.extend(options.iter().cloned());
    }
    argv.push("install".into());
    argv.extend(packages.iter().cloned());
    argv
}

/// `apt-get update`.
pub fn update_argv() -> Vec<String> {
    vec!["apt-get".into(), "update".into()]
}

/// `apt-get --assume-yes purge <packages>`.
pub fn purge_argv(packages: &[String]) -> Vec<String> {
    let mut argv: Vec<String> = ["apt-get", "--assume-yes", "purge"]
        .map(String::from)
        .to_vec();
    argv.extend(packages.iter().cloned());
    argv
}

/// `apt-mark hold|unhold <packages>`.
pub fn mark_argv(verb: &str, packages: &[String]) -> Vec<String> {
    let mut argv = vec!["apt-mark".to_string(), verb.to_string()];
    argv.extend(packages.iter().cloned());
    argv
}

/// `dpkg-query --show --showformat=${Package}\t${Status}\n <packages>`: which of
/// `packages` are installed (dpkg-query exits 1 when one is unknown; its output still
/// lists the others).
pub fn query_installed(system: &dyn System, packages: &[String]) -> std::io::Result<Vec<String>> {
    let mut argv: Vec<String> = [
        "dpkg-query",
        "--show",
        "--showformat=${Package}\t${Status}\n",
    ]
    .map(String::from)
    .to_vec();
    argv.extend(packages.iter().cloned());
    let out = system.run(&argv, APT_ENV)?;
    Ok(out
        .stdout
        .lines()
        .filter_map(|l| {
            let (name, status) = l.split_once('\t')?;
            status.ends_with(" installed").then(|| name.to_string())
        })
        .collect())
}

/// The installed version of `package` (`dpkg-query --show --showformat=${Version}`),
/// `None` if it is not installed.
pub fn query_version(system: &dyn System, package: &str) -> std::io::Result<Option<String>> {
    let argv: Vec<String> = ["dpkg-query", "--show", "--showformat=${Version}", package]
        .map(String::from)
        .to_vec();
    let out = system.run(&argv, APT_ENV)?;
    let version = out.stdout.trim();
    Ok((out.success() && !version.is_empty()).then(|| version.to_string()))
}

/// The version shown to the operator: the upstream part (no epoch, no Debian revision:
/// `1:2.10-3ubuntu1` → `2.10`), or all of it with `full`.
pub fn display_version(version: &str, full: bool) -> String {
    if full {
        return version.to_string();
    }
    let no_epoch = version.split_once(':').map_or(version, |(_, v)| v);
    let upstream = no_epoch.rsplit_once('-').map_or(no_epoch, |(u, _)| u);
    // Like layer-apt's `^([\d.a-z]+)`: stop at `+`, `~` and capitals.
    let end = upstream
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c.is_ascii_lowercase()))
        .unwrap_or(upstream.len());
    let cut = &upstream[..end];
    if cut.is_empty() {
        upstream.to_string()
    } else {
        cut.to_string()
    }
}
