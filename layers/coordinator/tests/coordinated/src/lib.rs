//! `coordinated`: a test charm of layer:coordinator. A new `generation` asks every unit
//! to restart its "service" through the restart helper; the restart appends
//! `restart <unit> <hook seq> <hook start ns> <service> <generation>` to
//! `<marker-dir>/restarts.log`, and the hook that restarted appends
//! `end <unit> <hook seq> <ns>` when its process exits, so a test can check that no two
//! restarting hooks overlapped in time. The restart fails while
//! `<marker-dir>/fail-<unit with / as ->` exists; and once, on the first follower to
//! restart, if `<marker-dir>/fail-next-follower` exists (renamed to
//! `failed-<unit with / as ->`, so the test knows which unit it was).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use charms_reactive::prelude::*;
use layer_coordinator::restart::{self, RestartHooks};

/// When this hook's handlers started, in ns since the epoch.
static START: OnceLock<u128> = OnceLock::new();
/// What the exit handler writes: the log and its line.
static END: OnceLock<(PathBuf, String)> = OnceLock::new();

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

/// The model's hook number, the last part of `JUJU_CONTEXT_ID` (`<unit>-<hook>-<seq>`).
fn hook_seq() -> String {
    std::env::var("JUJU_CONTEXT_ID")
        .ok()
        .and_then(|c| c.rsplit('-').next().map(str::to_string))
        .unwrap_or_default()
}

fn append(path: &Path, line: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    writeln!(file, "{line}")
}

extern "C" fn write_end() {
    if let Some((log, unit)) = END.get() {
        let _ = append(log, &format!("end {unit} {} {}", hook_seq(), now_ns()));
    }
}

fn restart_service(service: &str) -> anyhow::Result<()> {
    let dir = config::string("marker-dir")?;
    anyhow::ensure!(!dir.is_empty(), "the option marker-dir is not set");
    let dir = PathBuf::from(dir);
    let unit = unit_name();
    let fail = dir.join(format!("fail-{}", unit.replace('/', "-")));
    if fail.exists() {
        anyhow::bail!("{service} did not restart ({} exists)", fail.display());
    }
    // The first follower to restart takes this marker and fails, once.
    let next = dir.join("fail-next-follower");
    let taken = dir.join(format!("failed-{}", unit.replace('/', "-")));
    if next.exists() && !leadership::is_leader()? && std::fs::rename(&next, &taken).is_ok() {
        anyhow::bail!("{service} did not restart (took {})", next.display());
    }
    let log = dir.join("restarts.log");
    let generation = config::string("generation")?;
    let start = START.get().copied().unwrap_or_default();
    append(
        &log,
        &format!(
            "restart {unit} {} {start} {service} {generation}",
            hook_seq()
        ),
    )
    .with_context(|| format!("writing {}", log.display()))?;
    if END.set((log, unit)).is_ok() {
        // SAFETY: registers a plain extern "C" function with no arguments, as atexit(3)
        // expects; it only appends a line to a file.
        unsafe {
            libc::atexit(write_end);
        }
    }
    tracing::info!("coordinated: restarted {service} in hook {}", hook_seq());
    Ok(())
}

#[startup]
fn begin() -> Result<()> {
    START.get_or_init(now_ns);
    restart::configure(RestartHooks {
        restart: Some(restart_service),
        ..RestartHooks::default()
    });
    Ok(())
}

#[when("config.changed.generation")]
fn ask_for_restart() -> Result<()> {
    let generation = config::string("generation")?;
    if !generation.is_empty() {
        restart::request(&["demo"], serde_json::json!({ "generation": generation }))?;
    }
    Ok(())
}

/// Every hook: the status says whether layer:leadership takes this unit for the leader.
#[when_not("coordinated.never")]
fn show_leadership() -> Result<()> {
    if is_flag_set("leadership.is_leader") {
        status::active("leader")?;
    } else {
        status::active("follower")?;
    }
    Ok(())
}
