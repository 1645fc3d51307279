//! The runtime as Juju runs it: a built charm binary started as a hook process, with
//! real SQLite and hook tools run as subprocesses (the bench's fake tools, which record
//! their calls). Covers transactionality under errors and SIGKILL, the Python database
//! compatibility, layer order and bad-database errors.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use test_support::repo_root as repo;

const BIN: &str = env!("CARGO_BIN_EXE_crash-charm");

struct Charm {
    dir: PathBuf,
    fake: PathBuf,
}

impl Charm {
    fn new(name: &str) -> Charm {
        let root = test_support::tmp!(format!("hook-process-{name}"));
        let dir = root.join("charm");
        let fake = root.join("fake-juju");
        std::fs::create_dir_all(dir.join("hooks")).unwrap();
        std::fs::create_dir_all(&fake).unwrap();
        std::fs::write(
            dir.join("metadata.yaml"),
            "name: crash\nsummary: s\ndescription: d\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("config.yaml"),
            "options:\n  greeting: {type: string, default: hello}\n",
        )
        .unwrap();
        std::fs::write(fake.join("config.json"), "{\"greeting\": \"hello\"}").unwrap();
        for hook in [
            "install",
            "config-changed",
            "update-status",
            "meter-status-changed",
        ] {
            std::os::unix::fs::symlink(BIN, dir.join("hooks").join(hook)).unwrap();
        }
        Charm { dir, fake }
    }

    fn db(&self) -> PathBuf {
        self.dir.join(".unit-state.db")
    }

    fn command(&self, hook: &str, mode: &str, run: &str) -> Command {
        let tools = repo().join("bench/fake-hook-tools");
        let mut cmd = Command::new(self.dir.join("hooks").join(hook));
        cmd.env_clear()
            .current_dir(&self.dir)
            .env("PATH", format!("{}:/usr/bin:/bin", tools.display()))
            .env("CHARM_DIR", &self.dir)
            .env("JUJU_UNIT_NAME", "crash/0")
            .env("JUJU_DISPATCH_PATH", format!("hooks/{hook}"))
            .env("FAKE_JUJU_DIR", &self.fake)
            .env("E2E_MODE", mode)
            .env("E2E_RUN", run)
            .stdin(Stdio::null());
        cmd
    }

    fn hook(&self, hook: &str, mode: &str, run: &str) -> Output {
        self.command(hook, mode, run).output().expect("run hook")
    }

    fn kv(&self) -> BTreeMap<String, String> {
        let conn = rusqlite::Connection::open(self.db()).expect("open db");
        let mut stmt = conn.prepare("SELECT key, data FROM kv").expect("prepare");
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query");
        rows.map(|r| r.expect("row")).collect()
    }

    fn flags(&self) -> Vec<String> {
        self.kv()
            .keys()
            .filter_map(|k| k.strip_prefix("reactive.states."))
            .map(String::from)
            .collect()
    }
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "hook failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_successful_hook_commits_its_flags_in_a_0600_charmhelpers_database() {
    let charm = Charm::new("commit");
    ok(&charm.hook("config-changed", "ok", "1"));
    assert_eq!(
        charm.flags(),
        [
            "e2e.started",
            "e2e.value",
            "order.alpha",
            "order.beta",
            "run.1"
        ]
    );
    let mode = std::fs::metadata(charm.db()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let conn = rusqlite::Connection::open(charm.db()).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(tables, ["hooks", "kv", "kv_revisions"]);
    assert_eq!(
        charm
            .kv()
            .get("reactive.states.e2e.value")
            .map(String::as_str),
        Some(r#"{"run": "1"}"#)
    );
}

#[test]
fn a_handler_returning_err_leaves_the_database_unchanged() {
    let charm = Charm::new("err");
    ok(&charm.hook("config-changed", "ok", "1"));
    let before = charm.kv();
    let out = charm.hook("config-changed", "fail", "2");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(charm.kv(), before);
    // The error went to juju-log, once: not also on stderr, which Juju records too.
    let log = std::fs::read_to_string(charm.fake.join("juju-log.txt")).unwrap();
    assert!(
        log.contains("Hook error: reactive handler crash_charm::work")
            && log.contains("failing on purpose"),
        "{log}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("failing on purpose"), "{stderr}");
}

#[test]
fn sigkill_in_the_middle_of_a_handler_leaves_the_database_readable_and_unchanged() {
    let charm = Charm::new("kill");
    ok(&charm.hook("config-changed", "ok", "1"));
    let before = charm.kv();
    let mut child = charm
        .command("config-changed", "block", "2")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The handler says `ready` after setting its flags, then waits: kill it there.
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "ready\n");
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9)
    );
    assert_eq!(charm.kv(), before);
    // The next hook opens the database normally and commits.
    ok(&charm.hook("config-changed", "ok", "3"));
    assert!(
        charm.flags().contains(&"run.3".to_string())
            && !charm.flags().contains(&"run.2".to_string())
    );
}

/// charms.reactive commits on `SystemExit(0)`; here leaving the process mid-handler
/// commits nothing.
#[test]
fn process_exit_in_a_handler_commits_nothing() {
    let charm = Charm::new("exit0");
    ok(&charm.hook("config-changed", "ok", "1"));
    let before = charm.kv();
    let out = charm.hook("config-changed", "exit0", "2");
    assert!(out.status.success());
    assert_eq!(charm.kv(), before);
}

#[test]
fn scenario_22_main_restricted_hook_skips_startup_and_still_commits() {
    let charm = Charm::new("restricted");
    ok(&charm.hook("meter-status-changed", "ok", "1"));
    assert_eq!(charm.flags(), ["metered"]);
    let calls = std::fs::read_to_string(charm.fake.join("calls.txt")).unwrap_or_default();
    assert!(!calls.contains("config-get"), "{calls}");
}

#[test]
fn the_hook_name_comes_from_juju_dispatch_path_else_argv0() {
    let charm = Charm::new("argv0");
    let out = charm
        .command("install", "ok", "1")
        .env_remove("JUJU_DISPATCH_PATH")
        .output()
        .unwrap();
    ok(&out);
    assert!(charm.flags().contains(&"hook.install".to_string()));
    let other = Charm::new("dispatch-path");
    let out = other
        .command("install", "ok", "1")
        .env("JUJU_DISPATCH_PATH", "hooks/update-status")
        .output()
        .unwrap();
    ok(&out);
    assert!(!other.flags().contains(&"hook.install".to_string()));
}

#[test]
fn handlers_run_in_layer_order_not_name_order() {
    let charm = Charm::new("layers");
    ok(&charm.hook("config-changed", "ok", "1"));
    let kv = charm.kv();
    // charm_main!(e2e_layer_beta, e2e_layer_alpha): beta's handler runs first.
    assert_eq!(
        kv.get("reactive.states.order.beta").map(String::as_str),
        Some("0")
    );
    assert_eq!(
        kv.get("reactive.states.order.alpha").map(String::as_str),
        Some("1")
    );
}

#[test]
fn each_invocation_is_logged_to_juju_log_once_and_not_echoed_on_stderr() {
    let charm = Charm::new("logs");
    let out = charm.hook("config-changed", "ok", "1");
    ok(&out);
    let log = std::fs::read_to_string(charm.fake.join("juju-log.txt")).unwrap();
    assert!(
        log.contains("Invoking reactive handler: crash_charm::work"),
        "{log}"
    );
    // Juju records a hook's stderr as well: an echo there would show every record twice.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("Invoking reactive handler"), "{stderr}");
}

/// The level the local model passes from its `logging-config` turns the runtime's DEBUG
/// records on (issue 16 item 3).
#[test]
fn item_3_charms_reactive_log_debug_sends_debug_records_to_juju_log() {
    let quiet = Charm::new("log-info");
    ok(&quiet.hook("config-changed", "ok", "1"));
    let info = std::fs::read_to_string(quiet.fake.join("juju-log.txt")).unwrap();
    assert!(!info.contains("-l DEBUG"), "{info}");
    let loud = Charm::new("log-debug");
    let out = loud
        .command("config-changed", "ok", "1")
        .env("CHARMS_REACTIVE_LOG", "debug")
        .output()
        .unwrap();
    ok(&out);
    let debug = std::fs::read_to_string(loud.fake.join("juju-log.txt")).unwrap();
    assert!(debug.contains("-l DEBUG --"), "{debug}");
}

/// A long hook's INFO records reach juju-log while it runs, not when it ends (issue 16
/// item 3: debug-log streamed while hooks run). The hook logs, then waits for the test,
/// which lets it go on only once juju-log has the record.
#[test]
fn item_3_an_info_record_reaches_juju_log_while_the_hook_still_runs() {
    let charm = Charm::new("log-wait");
    let mut child = charm
        .command("config-changed", "log-wait", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "ready");
    // juju-log runs beside the hook: wait (bounded) for its record to land.
    let log = charm.fake.join("juju-log.txt");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let seen = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("-l INFO -- e2e: logged before the wait") {
            break true;
        }
        if std::time::Instant::now() > deadline {
            break false;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    // Let the hook finish either way, so that no process is left behind.
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"go\n").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        seen,
        "the INFO record was not sent while the hook ran: {:?}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A record juju-log does not take (it failed after the runtime went on) is written to
/// the hook's stderr, which Juju records, rather than lost.
#[test]
fn a_record_juju_log_fails_to_take_goes_to_stderr() {
    let charm = Charm::new("log-fails");
    let broken = charm.fake.join("broken-tools");
    std::fs::create_dir_all(&broken).unwrap();
    let tool = broken.join("juju-log");
    std::fs::write(
        &tool,
        "#!/bin/sh\necho 'juju-log: cannot reach the agent' >&2\nexit 1\n",
    )
    .unwrap();
    std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
    let tools = repo().join("bench/fake-hook-tools");
    let out = charm
        .command("config-changed", "ok", "1")
        .env(
            "PATH",
            format!("{}:{}:/usr/bin:/bin", broken.display(), tools.display()),
        )
        .output()
        .unwrap();
    ok(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("INFO Invoking reactive handler: crash_charm::work"),
        "{stderr}"
    );
}

#[test]
fn a_database_written_by_python_charms_reactive_keeps_its_flags_and_hashes() {
    let fixture = repo().join("framework/runtime/tests/fixtures/python-unit-state");
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture.join("expected.json")).unwrap())
            .unwrap();
    let charm = Charm::new("python-db");
    std::fs::copy(fixture.join("unit-state.db"), charm.db()).unwrap();

    // Read through the library: same flags, same values.
    let (db, kv) = charms_reactive::low_level::unit_state::UnitStateDb::open(&charm.db()).unwrap();
    db.rollback();
    let flags: Vec<&str> = kv.keys_with_prefix("reactive.states.").collect();
    let want: Vec<&str> = expected["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(flags, want);
    for (flag, value) in expected["values"].as_object().unwrap() {
        assert_eq!(
            kv.get(&format!("reactive.states.{flag}")).as_ref(),
            Some(value),
            "{flag}"
        );
    }

    // Run a hook: the Python flags stay, and data_changed sees Python's hashes as current.
    ok(&charm.hook("config-changed", "ok", "1"));
    let after = charm.flags();
    for f in &want {
        assert!(after.contains(&f.to_string()), "{f} lost: {after:?}");
    }
    assert_eq!(
        charm
            .kv()
            .get("reactive.states.compat.checked")
            .map(String::as_str),
        Some(r#"{"cfg": false, "scalar": false}"#)
    );
}

#[test]
fn a_corrupt_database_is_a_clear_error_naming_the_file_and_is_left_alone() {
    let charm = Charm::new("corrupt");
    let garbage = b"this is not a sqlite database, just some bytes that went wrong\n".repeat(100);
    std::fs::write(charm.db(), &garbage).unwrap();
    let out = charm.hook("config-changed", "ok", "1");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&charm.db().display().to_string()) && stderr.contains("corrupt"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(std::fs::read(charm.db()).unwrap(), garbage);
}

#[test]
fn a_locked_database_is_a_clear_error_naming_the_file() {
    let charm = Charm::new("locked");
    ok(&charm.hook("config-changed", "ok", "1"));
    let before = charm.kv();
    let holder = rusqlite::Connection::open(charm.db()).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let out = charm.hook("config-changed", "ok", "2");
    holder.execute_batch("ROLLBACK").unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&charm.db().display().to_string())
            && stderr.contains("locked by another process"),
        "{stderr}"
    );
    assert_eq!(charm.kv(), before);
}

#[test]
fn missing_hook_tools_are_named_in_the_error() {
    let charm = Charm::new("no-tools");
    let out = charm
        .command("config-changed", "ok", "1")
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("hook tool `config-get` not found on PATH"),
        "{stderr}"
    );
}
