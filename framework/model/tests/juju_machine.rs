//! Units see what a Juju machine gives them: Juju's files and variables (the agent tools
//! directories with `jujud`, the charm's `revision`, `JUJU_MACHINE_ID`, a UUID for
//! `JUJU_MODEL_UUID`), with both providers; and, on machines, a packaged daemon installed
//! by a plain `apt-get install` and driven through `systemctl` as on Ubuntu. The machine
//! tests need root (as CI runs them) and are skipped otherwise; they run one at a time.

use std::collections::BTreeMap;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use charms_reactive_model::{Helpers, InitOptions, Model};
use test_support::charm::write_charm_in;
use test_support::tmp;

fn helpers() -> Helpers {
    test_support::model::helpers(env!("CARGO_BIN_EXE_reactive-hook-tool"))
}

/// For a test that makes machines: `None` (the test is skipped, and says why) unless root;
/// else the lock that runs such tests one at a time, across threads and test processes
/// (the machines crate's tests take the same one): two `cargo test` runs at once must not
/// compare host-wide state under each other.
fn machines_test(test: &str) -> Option<std::fs::File> {
    if !test_support::is_root() {
        eprintln!("skipping {test}: machines need root (CI runs these tests as root)");
        return None;
    }
    let path = std::env::temp_dir().join("charms-reactive-machines-tests.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("opening {}: {e}", path.display()));
    // SAFETY: plain system call; each open file is its own lock owner.
    let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
    assert_eq!(locked, 0, "flock {}", path.display());
    Some(file)
}

/// A fresh folder for one test of this process: another `cargo test` run at the same time
/// has its own.
fn fresh(name: &str) -> PathBuf {
    tmp!(format!("{name}-{}", std::process::id()))
}

/// A model, destroyed when dropped (a failed test must not leave machines running).
struct Deployed {
    model: Option<Model>,
}

impl Deployed {
    fn init(root: &Path, provider: &str) -> anyhow::Result<Deployed> {
        let options = InitOptions {
            provider: provider.into(),
            ..InitOptions::default()
        };
        let model = Model::init(&root.join("model"), &options, &helpers())?;
        Ok(Deployed { model: Some(model) })
    }

    fn model(&mut self) -> &mut Model {
        self.model
            .as_mut()
            .expect("the model is open until dropped")
    }

    /// `script` run by `sh` on `unit`'s machine: its exit code and stdout (stderr in the
    /// panic message when `must_succeed`).
    fn sh(&mut self, unit: &str, script: &str) -> anyhow::Result<(Option<i32>, String)> {
        let command = ["/bin/sh".to_string(), "-c".into(), script.into()];
        let out = self.model().ssh_command(unit, &command)?.output()?;
        Ok((
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        ))
    }

    fn sh_ok(&mut self, unit: &str, script: &str) -> anyhow::Result<String> {
        let command = ["/bin/sh".to_string(), "-c".into(), script.into()];
        let out = self.model().ssh_command(unit, &command)?.output()?;
        assert!(
            out.status.success(),
            "`{script}` on {unit}: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// Every unit's workload status: none may be in error.
    fn assert_no_errors(&mut self) -> anyhow::Result<()> {
        let doc = serde_json::to_value(self.model().status())?;
        let text = serde_json::to_string_pretty(&doc)?;
        assert!(!text.contains("\"error\""), "a unit is in error: {text}");
        Ok(())
    }
}

impl Drop for Deployed {
    fn drop(&mut self) {
        if let Some(model) = self.model.take() {
            let _ = model.destroy();
        }
    }
}

/// A charm whose install and upgrade-charm hooks report Juju's files and variables in
/// `<unit dir>/juju-files.txt` (`key=value` lines).
const REPORTER: &str = "name: reporter\nsummary: s\ndescription: d\n";
const REPORTER_DISPATCH: &str = r#"#!/bin/sh
set -e
case "$JUJU_DISPATCH_PATH" in
  hooks/install|hooks/upgrade-charm)
    out="$CHARM_DIR/../juju-files.txt"
    tools="$(dirname "$(command -v config-get)")"
    {
      echo "machine=$JUJU_MACHINE_ID"
      echo "uuid=$JUJU_MODEL_UUID"
      echo "version=$JUJU_VERSION"
      echo "revision=$(cat "$CHARM_DIR/revision")"
      echo "tools=$tools"
      echo "jujud=$("$tools/jujud" version)"
      echo "machine-jujud=$("$tools/../machine-$JUJU_MACHINE_ID/jujud" version)"
      echo "tool-link=$(readlink "$tools/config-get")"
      echo "leader=$(is-leader)"
      if [ "$REACTIVE_MODEL_PROVIDER" = machines ]; then
        # charmhelpers' juju_version(), word for word.
        echo "charmhelpers=$(python3 -c "import glob, subprocess; print(subprocess.check_output([glob.glob('/var/lib/juju/tools/machine-*/jujud')[0], 'version'], universal_newlines=True).strip())")"
      fi
    } > "$out.tmp"
    mv "$out.tmp" "$out"
    ;;
esac
"#;

/// The reports of `units` (`app/n`), as written by their last install or upgrade-charm.
fn reports(model: &Model, units: &[String]) -> Vec<BTreeMap<String, String>> {
    units
        .iter()
        .map(|unit| {
            let dir = model
                .dir()
                .join("units")
                .join(format!("unit-{}", unit.replace('/', "-")));
            let text = test_support::read(dir.join("juju-files.txt"));
            text.lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Juju's `jujud version` on this host: `3.6.4-ubuntu-<arch>`.
fn agent_version() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    format!("3.6.4-ubuntu-{arch}")
}

/// A version-4 UUID in its hyphenated form.
fn is_uuid_v4(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && parts.iter().all(|p| {
            p.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        })
        && parts[2].starts_with('4')
        && parts[3].starts_with(['8', '9', 'a', 'b'])
}

fn units(app: &str, n: u32) -> Vec<String> {
    (0..n).map(|i| format!("{app}/{i}")).collect()
}

/// Item 3 of the machines issue, as a hook on a machine sees it: charmhelpers'
/// `glob('/var/lib/juju/tools/machine-*/jujud')` + `jujud version`, the unit's tools
/// directory first on `PATH` with the hook tools as links and `jujud`, the charm's
/// `revision`, one machine number per unit (0, 1, 2 in deploy order) and a UUID.
#[test]
fn item_3_juju_files_and_variables_on_machines() -> anyhow::Result<()> {
    let Some(_one) = machines_test("item 3 on machines") else {
        return Ok(());
    };
    let root = fresh("model-juju-files-machines");
    let charm = write_charm_in(&root.join("reporter"), REPORTER, REPORTER_DISPATCH);
    let mut m = Deployed::init(&root, "machines")?;
    m.model().deploy(&charm, None, 3)?;
    m.model().settle()?;
    m.assert_no_errors()?;
    let uuid = m.model().state().uuid.clone();
    assert!(is_uuid_v4(&uuid), "{uuid}");
    let version = agent_version();
    for (n, report) in reports(m.model(), &units("reporter", 3)).iter().enumerate() {
        let get = |k: &str| report.get(k).map(String::as_str).unwrap_or("(missing)");
        assert_eq!(get("machine"), n.to_string(), "{report:?}");
        assert_eq!(get("uuid"), uuid);
        assert_eq!(get("version"), "3.6.4");
        assert_eq!(get("revision"), "0");
        assert_eq!(
            get("tools"),
            format!("/var/lib/juju/tools/unit-reporter-{n}")
        );
        assert_eq!(get("jujud"), version);
        assert_eq!(get("machine-jujud"), version);
        assert_eq!(get("charmhelpers"), version);
        assert_eq!(get("tool-link"), "jujuc");
        assert_eq!(get("leader"), if n == 0 { "True" } else { "False" });
    }
    // The unit's machine has the Juju layout, the agent binaries' directory named by
    // version, and its machine's directory.
    let listing = m.sh_ok("reporter/1", "ls -l /var/lib/juju/tools")?;
    assert!(
        listing.contains(&format!("unit-reporter-1 -> {version}"))
            && listing.contains(&format!("machine-1 -> {version}")),
        "{listing}"
    );
    let revision = m.sh_ok(
        "reporter/2",
        "cat /var/lib/juju/agents/unit-reporter-2/charm/revision",
    )?;
    assert_eq!(revision, "0");

    // A new unit gets the next machine number; an upgrade the next charm revision.
    m.model().add_unit("reporter", 1)?;
    m.model().settle()?;
    m.model().upgrade("reporter", &charm)?;
    m.model().settle()?;
    m.assert_no_errors()?;
    let all = reports(m.model(), &units("reporter", 4));
    assert_eq!(
        all.iter().map(|r| r["machine"].clone()).collect::<Vec<_>>(),
        ["0", "1", "2", "3"]
    );
    assert!(all.iter().all(|r| r["revision"] == "1"), "{all:?}");
    Ok(())
}

/// Item 3 with the local provider: no `/var/lib/juju` on the host, so the model's
/// directory stands for it (`<model>/tools/unit-<app>-<n>`, `<model>/tools/machine-0`);
/// every unit is on machine 0, the host.
#[test]
fn item_3_juju_files_and_variables_on_the_local_provider() -> anyhow::Result<()> {
    let root = fresh("model-juju-files-local");
    let charm = write_charm_in(&root.join("reporter"), REPORTER, REPORTER_DISPATCH);
    let mut m = Deployed::init(&root, "local")?;
    m.model().deploy(&charm, None, 2)?;
    m.model().settle()?;
    m.model().upgrade("reporter", &charm)?;
    m.model().settle()?;
    m.assert_no_errors()?;
    let uuid = m.model().state().uuid.clone();
    assert!(is_uuid_v4(&uuid), "{uuid}");
    let tools: PathBuf = m.model().dir().join("tools");
    for (n, report) in reports(m.model(), &units("reporter", 2)).iter().enumerate() {
        let get = |k: &str| report.get(k).map(String::as_str).unwrap_or("(missing)");
        assert_eq!(get("machine"), "0", "{report:?}");
        assert_eq!(get("uuid"), uuid);
        assert_eq!(get("revision"), "1", "upgrade-charm sees the new revision");
        let own = tools.join(format!("unit-reporter-{n}"));
        assert_eq!(get("tools"), own.display().to_string());
        assert_eq!(get("jujud"), agent_version());
        assert_eq!(get("machine-jujud"), agent_version());
        assert_eq!(get("tool-link"), "jujuc");
    }
    // Two models never share a UUID.
    let other = Deployed::init(&fresh("model-juju-files-local-2"), "local")?;
    let other_uuid = other
        .model
        .as_ref()
        .map(|m| m.state().uuid.clone())
        .unwrap_or_default();
    assert!(is_uuid_v4(&other_uuid) && other_uuid != uuid);
    Ok(())
}

/// The issue's acceptance: three units on machines of a charm whose install hook runs a
/// plain `apt-get install -y memcached` with charmhelpers' `PATH`, and whose config-changed
/// restarts the daemon with `systemctl`. The package's own scripts start the daemons; a
/// restart gives a new main PID; `systemctl stop` ends every process of the unit; with a
/// drop-in setting `Restart=on-failure` the daemon comes back after `kill -9`.
#[test]
fn item_1_a_packaged_daemon_starts_and_is_controlled_through_systemctl_on_three_machines(
) -> anyhow::Result<()> {
    let Some(_one) = machines_test("memcached on three machines") else {
        return Ok(());
    };
    ensure_package_available("memcached");
    let root = fresh("model-memcached");
    let charm = write_charm_in(&root.join("cache"), CACHE, CACHE_DISPATCH);
    test_support::write_file(charm.join("config.yaml"), CACHE_CONFIG);
    let mut m = Deployed::init(&root, "machines")?;
    m.model().deploy(&charm, None, 3)?;
    m.model().settle()?;
    m.assert_no_errors()?;
    let cache_units = units("cache", 3);

    // Started by the package's scripts (the charm never starts it).
    let mut pids = Vec::new();
    for unit in &cache_units {
        assert_eq!(m.sh_ok(unit, "systemctl is-active memcached")?, "active");
        let pid = main_pid(&mut m, unit)?;
        assert!(pid > 0, "{unit}: memcached has a main process");
        assert_eq!(
            m.sh_ok(unit, &format!("cat /proc/{pid}/comm"))?,
            "memcached",
            "{unit}"
        );
        pids.push(pid);
    }

    // config-changed runs `systemctl restart memcached`: a new main process everywhere.
    m.model().config("cache", &["token=1".to_string()])?;
    m.model().settle()?;
    m.assert_no_errors()?;
    for (unit, old) in cache_units.iter().zip(&pids) {
        let pid = main_pid(&mut m, unit)?;
        assert!(pid > 0 && pid != *old, "{unit}: main PID {old} then {pid}");
        assert_eq!(m.sh_ok(unit, "systemctl is-active memcached")?, "active");
    }

    // stop ends every process of the unit.
    m.sh_ok("cache/0", "systemctl stop memcached")?;
    let (code, _) = m.sh("cache/0", "systemctl is-active memcached")?;
    assert_eq!(code, Some(3), "is-active after stop");
    assert_eq!(main_pid(&mut m, "cache/0")?, 0);
    assert_eq!(
        m.sh_ok(
            "cache/0",
            "grep -l -x memcached /proc/[0-9]*/comm 2>/dev/null | wc -l"
        )?,
        "0",
        "no memcached process is left"
    );

    // With Restart=on-failure (a drop-in), a killed daemon comes back.
    m.sh_ok(
        "cache/1",
        "mkdir -p /etc/systemd/system/memcached.service.d && printf '[Service]\\nRestart=on-failure\\nRestartSec=100ms\\n' > /etc/systemd/system/memcached.service.d/restart.conf && systemctl daemon-reload && systemctl restart memcached",
    )?;
    let killed = main_pid(&mut m, "cache/1")?;
    assert!(killed > 0);
    m.sh_ok("cache/1", &format!("kill -9 {killed}"))?;
    let deadline = Instant::now() + Duration::from_secs(30);
    let back = loop {
        let pid = main_pid(&mut m, "cache/1")?;
        let active = m.sh("cache/1", "systemctl is-active memcached")?.0 == Some(0);
        if active && pid > 0 && pid != killed {
            break pid;
        }
        assert!(
            Instant::now() < deadline,
            "memcached did not come back within 30 s after kill -9 of {killed}: {}",
            m.sh(
                "cache/1",
                "systemctl status memcached; journalctl -u memcached -n 20"
            )?
            .1
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(
        m.sh_ok("cache/1", &format!("cat /proc/{back}/comm"))?,
        "memcached"
    );
    Ok(())
}

const CACHE: &str = "name: cache\nsummary: s\ndescription: d\n";
const CACHE_CONFIG: &str = "options:\n  token:\n    type: string\n    default: \"\"\n    description: changing it restarts the daemon\n";
/// Install: a plain apt-get with `/etc/environment`'s `PATH`, as charmhelpers runs it;
/// config-changed: `systemctl restart`.
const CACHE_DISPATCH: &str = r#"#!/bin/sh
set -e
case "$JUJU_DISPATCH_PATH" in
  hooks/install)
    PATH=/usr/sbin:/usr/bin:/sbin:/bin apt-get install -y memcached
    ;;
  hooks/config-changed)
    if [ -n "$(config-get token)" ]; then
      PATH=/usr/sbin:/usr/bin:/sbin:/bin systemctl restart memcached
    fi
    ;;
esac
"#;

/// `systemctl show -p MainPID --value memcached` on `unit`.
fn main_pid(m: &mut Deployed, unit: &str) -> anyhow::Result<i32> {
    let text = m.sh_ok(unit, "systemctl show -p MainPID --value memcached")?;
    text.parse()
        .map_err(|e| anyhow::anyhow!("MainPID of memcached on {unit}: {text:?}: {e}"))
}

/// The host's package lists know `package` (an `apt-get update` first if they are empty),
/// and the host has not installed it (a machine would then find it installed already).
fn ensure_package_available(package: &str) {
    let candidate = || test_support::apt_candidate(package);
    if !candidate() {
        let status = Command::new("apt-get").args(["update", "-qq"]).status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "host apt-get update failed"
        );
    }
    assert!(candidate(), "the host's archive has no {package}");
    assert!(
        !test_support::host_has_package(package),
        "{package} is installed on this host: machines would inherit it and apt-get would not run its scripts"
    );
}
