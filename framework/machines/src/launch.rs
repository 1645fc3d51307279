//! Starting a machine's init from the host and reading its report (see [`crate::init`]).

use std::fs::File;
use std::io::Read;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::process::ProcessRef;
use crate::rootfs::InitConfig;

/// How long the init may take to build the machine before creation is abandoned.
const SETUP_TIMEOUT: Duration = Duration::from_secs(30);

/// Starts the init of `cfg.name` with its log at `log_path`; returns it once it reports ready.
/// On failure nothing of the init is left running.
pub(crate) fn start_init(
    helper: &Path,
    cfg: &InitConfig,
    log_path: &Path,
) -> anyhow::Result<ProcessRef> {
    let machine = &cfg.name;
    // In a file rather than on the command line, so `ps` stays readable.
    let json = serde_json::to_vec_pretty(cfg).context("encoding the init configuration")?;
    let config_path = log_path.with_file_name("init.json");
    std::fs::write(&config_path, json)
        .with_context(|| format!("writing {}", config_path.display()))?;
    let log = File::create(log_path).with_context(|| format!("creating {}", log_path.display()))?;
    let mut launcher = Command::new(helper);
    // The machine lives on after this process: it must hold nothing of ours.
    crate::process::inherit_no_descriptors(&mut launcher);
    let mut launcher = launcher
        .arg("init")
        .arg(&config_path)
        .env_clear()
        .env("PATH", crate::supervisor::DEFAULT_PATH)
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .with_context(|| {
            format!(
                "starting the init of machine {machine} ({})",
                helper.display()
            )
        })?;
    let Some(mut stdout) = launcher.stdout.take() else {
        bail!("no pipe from the init of machine {machine}");
    };
    // Read the report until end-of-file (the init closes its stdout once ready or failed).
    let mut report = Vec::new();
    let deadline = Instant::now() + SETUP_TIMEOUT;
    let mut chunk = [0u8; 4096];
    let timed_out = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if !crate::sys::wait_readable(stdout.as_raw_fd(), left)? {
            break true;
        }
        match stdout.read(&mut chunk) {
            Ok(0) => break false,
            Ok(n) => report.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("reading the report of machine {machine}'s init"))
            }
        }
    };
    if timed_out {
        let _ = launcher.kill();
    }
    let _ = launcher.wait();
    let report = String::from_utf8_lossy(&report).into_owned();
    let mut pid = None;
    let mut ready = false;
    let mut error = None;
    for line in report.lines() {
        if let Some(n) = line.strip_prefix("pid ") {
            pid = n.trim().parse::<i32>().ok();
        } else if line == "ready" {
            ready = true;
        } else if let Some(why) = line.strip_prefix("error ") {
            error = Some(why.to_string());
        }
    }
    let init = match pid {
        Some(pid) => ProcessRef::of(pid).ok(),
        None => None,
    };
    if ready && !timed_out {
        if let Some(init) = init {
            if init.is_alive() {
                return Ok(init);
            }
        }
        bail!(
            "the init exited right after starting: {}",
            std::fs::read_to_string(log_path).unwrap_or_default().trim()
        );
    }
    // Failed: make sure the init is gone (it exits by itself after reporting an error, but a
    // timed-out one may still be busy).
    if let Some(init) = init {
        let _ = init.kill_and_wait(Duration::from_secs(10));
    }
    let why = match (error, timed_out) {
        (Some(why), _) => why,
        (None, true) => format!("no answer within {SETUP_TIMEOUT:?}"),
        (None, false) => format!(
            "the init stopped without a report: {}",
            std::fs::read_to_string(log_path).unwrap_or_default().trim()
        ),
    };
    bail!("{why}")
}
