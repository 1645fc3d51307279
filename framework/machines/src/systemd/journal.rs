//! `journalctl -u <unit> [-n N]`: a unit's output and the manager's messages about it. A
//! machine has no journal daemon; a unit with `StandardOutput=journal` (the default) writes
//! to its own file, `/var/log/reactive-service/<unit>.log`, which this prints.
//!
//! [journalctl(1)]: https://www.freedesktop.org/software/systemd/man/latest/journalctl.html

use std::path::Path;
use std::sync::Arc;

use super::lifecycle::Manager;
use super::units;
use super::CliResponse;

/// The last `n` lines of `path` (none if it cannot be read).
pub(crate) fn tail(path: &Path, n: usize) -> Vec<String> {
    let Ok(bytes) = std::fs::read(path) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| l.to_string())
        .collect()
}

/// Runs `journalctl ARGS`.
pub(crate) fn run(manager: &Arc<Manager>, args: Vec<String>) -> CliResponse {
    let mut unit_names: Vec<String> = Vec::new();
    let mut lines: Option<usize> = None;
    let mut quiet = false;
    let mut iter = args.into_iter();
    let bad = |what: String| CliResponse {
        code: 1,
        stdout: String::new(),
        stderr: format!("journalctl: {what}\n"),
    };
    while let Some(arg) = iter.next() {
        if let Some(v) = arg.strip_prefix("--unit=") {
            unit_names.push(v.to_string());
        } else if let Some(v) = arg.strip_prefix("--lines=") {
            lines = v.parse().ok();
        } else if arg == "--unit" {
            unit_names.extend(iter.next());
        } else if arg == "--lines" {
            lines = iter.next().and_then(|v| v.parse().ok());
        } else if arg == "-f" || arg == "--follow" {
            return bad("--follow is not supported in a reactive machine".into());
        } else if arg.starts_with("--") {
            // --no-pager, --no-hostname, -o short, --since…: accepted, the output is the file.
            if matches!(arg.as_str(), "--since" | "--until" | "--output" | "--boot") {
                iter.next();
            }
            if arg == "--quiet" {
                quiet = true;
            }
        } else if let Some(flags) = arg.strip_prefix('-') {
            // Short options may be grouped: -xeu foo, -n20.
            let mut chars = flags.chars();
            while let Some(c) = chars.next() {
                match c {
                    'u' => {
                        let rest: String = chars.by_ref().collect();
                        unit_names.extend(if rest.is_empty() {
                            iter.next()
                        } else {
                            Some(rest)
                        });
                    }
                    'n' => {
                        let rest: String = chars.by_ref().collect();
                        let v = if rest.is_empty() {
                            iter.next()
                        } else {
                            Some(rest)
                        };
                        lines = v.and_then(|v| v.parse().ok());
                    }
                    'e' => lines = lines.or(Some(1000)),
                    'q' => quiet = true,
                    'o' | 'S' | 'U' | 'b' => {
                        let rest: String = chars.by_ref().collect();
                        if rest.is_empty() && c != 'b' {
                            iter.next();
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    let names: Vec<String> = if unit_names.is_empty() {
        let mut all: Vec<String> =
            std::fs::read_dir(manager.journal_path("x").parent().unwrap_or(Path::new("/")))
                .map(|d| {
                    d.flatten()
                        .filter_map(|e| {
                            e.file_name()
                                .to_str()?
                                .strip_suffix(".log")
                                .map(str::to_string)
                        })
                        .collect()
                })
                .unwrap_or_default();
        all.sort();
        all
    } else {
        unit_names.iter().map(|u| units::normalize(u)).collect()
    };
    let mut stdout = String::new();
    for name in &names {
        for line in tail(&manager.journal_path(name), lines.unwrap_or(usize::MAX)) {
            stdout.push_str(&line);
            stdout.push('\n');
        }
    }
    if stdout.is_empty() && !quiet {
        stdout.push_str("-- No entries --\n");
    }
    CliResponse {
        code: 0,
        stdout,
        stderr: String::new(),
    }
}
