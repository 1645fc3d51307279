//! [`Fleet`]: all machines of one model.

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::Context;

use crate::config::{validate_name, FleetConfig, MachineSpec};
use crate::error::{MachinesError, Result};
use crate::machine::Machine;
use crate::rootfs::InitConfig;
use crate::state::{self, State};
use crate::{destroy, hosts, launch, network, support};

/// Names a host directory to use as the apt download cache of every fleet opened with it
/// set, instead of each fleet's own (`<fleet>/apt/archives`), so a package is downloaded
/// once for many models: the test suite shares one across its tests and runs. Read when a
/// machine is created.
pub const APT_CACHE_ENV: &str = "REACTIVE_APT_CACHE";

fn shared_apt_cache() -> Option<PathBuf> {
    std::env::var_os(APT_CACHE_ENV)
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
}

/// How long a veth end may take to vanish after its namespace died before it is deleted.
const VETH_GRACE: Duration = Duration::from_secs(2);

/// All machines of one model, with their state under a base directory.
///
/// The base directory holds `fleet.json` (the machines, re-read by [`Fleet::open`] in later
/// processes), `fleet.lock`, the shared apt download cache (`apt/archives`) and package lock
/// (`apt/lock`), and one directory per machine. It is hidden inside every machine. Changes
/// (create, destroy) take `fleet.lock`, so several processes may share a fleet.
#[derive(Debug)]
pub struct Fleet {
    base: PathBuf,
    config: FleetConfig,
    state: State,
}

impl Fleet {
    /// Checks that this host can run machines: root; Linux 5.8+; mount, UTS, IPC, network and
    /// PID namespaces; the overlay filesystem; `ip`; bridges and veth pairs (probed by making
    /// and removing a throw-away one). The error is one line naming every problem: what is
    /// missing and how to get it.
    pub fn check_support() -> Result<()> {
        let problems = support::problems(&support::HostFacts::gather());
        if problems.is_empty() {
            Ok(())
        } else {
            Err(MachinesError::Unsupported(problems))
        }
    }

    /// Opens (creating the directory if needed) the fleet whose state lives in `base`. Cheap:
    /// makes no network or machine; the bridge is made with the first machine.
    pub fn open(base: &Path, config: FleetConfig) -> Result<Fleet> {
        config.net.validate()?;
        check_base(base)?;
        if !config.helper_binary.is_file() {
            return Err(MachinesError::Invalid(format!(
                "the machine helper binary {} does not exist (build the `reactive-machine` binary of charms-reactive-machines)",
                config.helper_binary.display()
            )));
        }
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(base)
            .with_context(|| format!("creating {}", base.display()))?;
        let state = state::load(base)?;
        if let Some(net) = &state.net {
            if *net != config.net {
                return Err(MachinesError::Invalid(format!(
                    "the fleet in {} uses bridge {} and subnet {}/24, not bridge {} and subnet {}/24",
                    base.display(),
                    net.bridge,
                    net.subnet,
                    config.net.bridge,
                    config.net.subnet
                )));
            }
        }
        Ok(Fleet {
            base: base.to_path_buf(),
            config,
            state,
        })
    }

    /// The base directory.
    pub fn base(&self) -> &Path {
        &self.base
    }

    /// The configuration the fleet was opened with.
    pub fn config(&self) -> &FleetConfig {
        &self.config
    }

    /// The host directory shared as `/var/cache/apt/archives` by every machine: the
    /// fleet's own, or the one [`APT_CACHE_ENV`] names.
    pub fn apt_cache_dir(&self) -> PathBuf {
        shared_apt_cache().unwrap_or_else(|| self.base.join("apt/archives"))
    }

    /// The package lock machines take turns on. It goes with the cache: fleets that
    /// share one cache share its lock, so they never download into it at once.
    pub fn apt_lock_path(&self) -> PathBuf {
        match shared_apt_cache() {
            Some(cache) => {
                let mut lock = cache.into_os_string();
                lock.push(".lock");
                PathBuf::from(lock)
            }
            None => self.base.join("apt/lock"),
        }
    }

    /// Every machine, as recorded (running or not).
    pub fn machines(&self) -> Vec<Machine> {
        self.state.machines.clone()
    }

    /// One machine by name.
    pub fn machine(&self, name: &str) -> Option<Machine> {
        self.state.machines.iter().find(|m| m.name == name).cloned()
    }

    /// Re-reads the state (another process may have changed it).
    pub fn reload(&mut self) -> Result<()> {
        self.state = state::load(&self.base)?;
        Ok(())
    }

    /// Creates and starts a machine (see the crate docs for what it is made of). On failure
    /// nothing of it is left behind, and the error names the step that failed.
    pub fn create(&mut self, spec: &MachineSpec) -> Result<Machine> {
        spec.validate(&self.config.net)?;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.base)
            .with_context(|| format!("creating {}", self.base.display()))?;
        let _lock = state::lock(&self.base)?;
        self.reload()?;
        if self.state.machines.iter().any(|m| m.name == spec.name) {
            return Err(MachinesError::AlreadyExists(spec.name.clone()));
        }
        if let Some(other) = self
            .state
            .machines
            .iter()
            .find(|m| m.address == spec.address)
        {
            return Err(MachinesError::Invalid(format!(
                "machine {}: address {} is already used by machine {}",
                spec.name, spec.address, other.name
            )));
        }

        // Recorded before it is made, so a process killed in between leaves a bridge that
        // `destroy_all` still deletes.
        if !self.state.bridge_created || self.state.net.is_none() {
            self.state.bridge_created = true;
            self.state.net = Some(self.config.net.clone());
            state::save(&self.base, &self.state)?;
        }
        network::ensure_bridge(&self.config.net)
            .with_context(|| format!("machine {}: preparing the fleet network", spec.name))?;

        // Directories not in the state are debris of creates that were interrupted (the
        // process killed) before they recorded their machine: end and remove them, so no
        // name stays taken by a half-made machine.
        self.reap_unrecorded()?;
        let dir = self.base.join(&spec.name);
        for sub in ["upper", "work", "merged"] {
            let path = dir.join(sub);
            std::fs::create_dir_all(&path)
                .with_context(|| format!("machine {}: creating {}", spec.name, path.display()))?;
        }
        let archives = self.apt_cache_dir();
        std::fs::create_dir_all(&archives)
            .with_context(|| format!("creating {}", archives.display()))?;

        let mut everyone: Vec<(String, std::net::Ipv4Addr)> = self
            .state
            .machines
            .iter()
            .map(|m| (m.name.clone(), m.address))
            .collect();
        everyone.push((spec.name.clone(), spec.address));
        let hosts_text = hosts::render(&everyone);

        let hidden = outermost(std::iter::once(&self.base).chain(&self.config.hidden));
        let init_config = InitConfig {
            name: spec.name.clone(),
            upper: dir.join("upper"),
            work: dir.join("work"),
            merged: dir.join("merged"),
            apt_archives: archives,
            apt_lock: self.apt_lock_path(),
            helper_binary: self.config.helper_binary.clone(),
            hidden,
            binds: spec.binds.clone(),
            // The init writes the new machine's own /etc/hosts before anyone can enter.
            hosts: hosts_text.clone(),
        };
        let veth = network::veth_name(&self.config.net, &spec.name);
        let log = dir.join("init.log");
        let init = match launch::start_init(&self.config.helper_binary, &init_config, &log) {
            Ok(init) => init,
            Err(e) => {
                let _ = destroy::remove_tree(&dir);
                return Err(e
                    .context(format!("creating machine {}: starting its init", spec.name))
                    .into());
            }
        };
        let machine = Machine {
            name: spec.name.clone(),
            address: spec.address,
            binds: spec.binds.clone(),
            init,
            veth: veth.clone(),
            dir: dir.clone(),
        };
        let finish = network::connect(&self.config.net, &spec.name, &veth, init.pid, spec.address)
            .with_context(|| {
                format!(
                    "creating machine {}: connecting it to bridge {}",
                    spec.name, self.config.net.bridge
                )
            });
        if let Err(e) = finish {
            if let Err(cleanup) = self.teardown(&machine) {
                return Err(e
                    .context(format!("and cleaning up failed too: {cleanup:#}"))
                    .into());
            }
            return Err(e.into());
        }
        self.state.machines.push(machine.clone());
        state::save(&self.base, &self.state)?;
        // The others learn the new name; the new machine already has this text.
        for other in self.state.machines.iter().filter(|m| m.name != spec.name) {
            hosts::write(&other.name, &other.init, &hosts_text)?;
        }
        Ok(machine)
    }

    /// A command that runs `program` inside machine `name`, in all its namespaces, with `/`
    /// (of the machine) as working directory. Same as [`Fleet::command_in`] with `/`.
    pub fn command(&self, name: &str, program: &str) -> Result<Command> {
        self.command_in(name, program, Path::new("/"))
    }

    /// A command that runs `program` inside machine `name`, in all its namespaces (mount, UTS,
    /// IPC, network, PID), starting in `cwd` as seen inside the machine.
    ///
    /// Add arguments, environment, stdin/stdout/stderr and spawn it as usual; its exit status
    /// is the program's (125 if the machine cannot be entered or the program not started). The
    /// environment starts clean except `PATH`, `HOME=/root` and `LANG=C.UTF-8`; what you add
    /// with `env` reaches the program. Do not call `current_dir` on it: that would apply on
    /// the host, to the helper that enters the machine.
    pub fn command_in(&self, name: &str, program: &str, cwd: &Path) -> Result<Command> {
        let machine = self
            .machine(name)
            .ok_or_else(|| MachinesError::NoSuchMachine(name.to_string()))?;
        if !machine.is_running() {
            return Err(MachinesError::NotRunning(name.to_string()));
        }
        let mut cmd = Command::new(&self.config.helper_binary);
        cmd.arg("enter")
            .arg("--machine")
            .arg(name)
            .arg("--pid")
            .arg(machine.init.pid.to_string())
            .arg("--start-time")
            .arg(machine.init.start_time.to_string())
            .arg("--wd")
            .arg(cwd)
            .arg("--")
            .arg(program)
            .env_clear()
            .env("PATH", crate::supervisor::DEFAULT_PATH)
            .env("HOME", "/root")
            .env("LANG", "C.UTF-8")
            .current_dir("/");
        Ok(cmd)
    }

    /// Stops every process of machine `name` and removes it: namespaces, mounts, veth pair,
    /// its directory and its `/etc/hosts` entries elsewhere.
    pub fn destroy(&mut self, name: &str) -> Result<()> {
        validate_name(name)?;
        let _lock = state::lock(&self.base)?;
        self.reload()?;
        let machine = self
            .machine(name)
            .ok_or_else(|| MachinesError::NoSuchMachine(name.to_string()))?;
        self.teardown(&machine)?;
        self.state.machines.retain(|m| m.name != name);
        state::save(&self.base, &self.state)?;
        self.update_hosts()?;
        Ok(())
    }

    /// Destroys every machine, then the bridge and the base directory: the host is left as
    /// it was before the first machine.
    pub fn destroy_all(&mut self) -> Result<()> {
        if !self.base.exists() {
            return Ok(());
        }
        let lock = state::lock(&self.base)?;
        self.reload()?;
        let mut failures = Vec::new();
        let mut names: Vec<String> = self.state.machines.iter().map(|m| m.name.clone()).collect();
        // Kill every init first so the machines die (and get reaped) in parallel.
        for machine in &self.state.machines {
            destroy::signal_init(&machine.init);
        }
        for machine in self.state.machines.clone() {
            match self.teardown(&machine) {
                Ok(()) => self.state.machines.retain(|m| m.name != machine.name),
                Err(e) => failures.push(format!("{e:#}")),
            }
        }
        if !failures.is_empty() {
            state::save(&self.base, &self.state)?;
            return Err(anyhow::anyhow!("destroying the machines: {}", failures.join("; ")).into());
        }
        // Machines a killed create never recorded: found from the base directory.
        names.extend(self.reap_unrecorded()?);
        let bridge = &self.config.net.bridge;
        // Only a bridge this fleet made: a fleet that never made one must not delete a
        // same-named link of someone else.
        if self.state.bridge_created && network::link_exists(bridge) {
            network::ip(&["link", "del", bridge])
                .with_context(|| format!("deleting bridge {bridge}"))?;
        }
        destroy::unmount_under(&self.base)?;
        let left = self.leftovers(&names);
        if !left.is_empty() {
            return Err(anyhow::anyhow!(
                "destroying the machines in {} left {}",
                self.base.display(),
                left.join(", ")
            )
            .into());
        }
        drop(lock);
        destroy::remove_tree(&self.base)?;
        self.state = State::default();
        Ok(())
    }

    /// Ends and removes what creates killed before they recorded their machine left
    /// (see [`Fleet::create`]): their init and every process of theirs, their veth and
    /// their directory. Returns their names. Taken under the fleet's lock; the next
    /// create and [`Fleet::destroy_all`] do it anyway.
    pub fn reap_interrupted(&mut self) -> Result<Vec<String>> {
        if !self.base.exists() {
            return Ok(Vec::new());
        }
        let _lock = state::lock(&self.base)?;
        self.reload()?;
        Ok(self.reap_unrecorded()?)
    }

    /// Ends and removes every machine directory under the base that the state does not
    /// record (a create killed before it saved the state): its processes (found by
    /// [`destroy::processes_of_dir`]), its veth (named from the machine's name), mounts
    /// and files. Returns the names of the machines it removed. The caller holds the lock.
    fn reap_unrecorded(&mut self) -> anyhow::Result<Vec<String>> {
        let mut reaped = Vec::new();
        let entries = match std::fs::read_dir(&self.base) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(reaped),
            Err(e) => return Err(e).with_context(|| format!("reading {}", self.base.display())),
        };
        for entry in entries {
            let entry = entry.with_context(|| format!("reading {}", self.base.display()))?;
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                continue;
            };
            // `apt` holds the shared cache and package lock, not a machine.
            if name == "apt"
                || !entry.file_type().is_ok_and(|t| t.is_dir())
                || validate_name(&name).is_err()
                || self.state.machines.iter().any(|m| m.name == name)
            {
                continue;
            }
            let dir = entry.path();
            destroy::kill_dir_processes(&name, &dir)?;
            network::remove_link(&network::veth_name(&self.config.net, &name), VETH_GRACE)?;
            destroy::unmount_under(&dir)?;
            destroy::remove_tree(&dir)?;
            reaped.push(name);
        }
        Ok(reaped)
    }

    /// What is left on the host of the machines `names`: a process of a machine
    /// directory, a veth, the bridge, a mount under the base directory. Empty when
    /// destroying is complete.
    fn leftovers(&self, names: &[String]) -> Vec<String> {
        let mut left = Vec::new();
        for name in names {
            let dir = self.base.join(name);
            for pid in destroy::processes_of_dir(&dir) {
                left.push(format!("process {pid} of machine {name}"));
            }
            let veth = network::veth_name(&self.config.net, name);
            if network::link_exists(&veth) {
                left.push(format!("link {veth} of machine {name}"));
            }
        }
        if self.state.bridge_created && network::link_exists(&self.config.net.bridge) {
            left.push(format!("bridge {}", self.config.net.bridge));
        }
        for point in destroy::mounts_under(&self.base) {
            left.push(format!("mount {point}"));
        }
        left
    }

    /// Kills the machine and removes everything of it on the host (not its state entry).
    fn teardown(&self, machine: &Machine) -> anyhow::Result<()> {
        destroy::kill_machine(&machine.name, &machine.init, &machine.upper_dir())?;
        network::remove_link(&machine.veth, VETH_GRACE)?;
        destroy::unmount_under(&machine.dir)?;
        destroy::remove_tree(&machine.dir)
    }

    /// Rewrites `/etc/hosts` in every running machine.
    fn update_hosts(&self) -> anyhow::Result<()> {
        let everyone: Vec<_> = self
            .state
            .machines
            .iter()
            .map(|m| (m.name.clone(), m.address))
            .collect();
        let text = hosts::render(&everyone);
        for machine in &self.state.machines {
            hosts::write(&machine.name, &machine.init, &text)?;
        }
        Ok(())
    }
}

/// The base path ends up in overlay mount options and in `/proc/<pid>/mountinfo`, where
/// these characters would need escaping.
fn check_base(base: &Path) -> Result<()> {
    let text = base.to_str().ok_or_else(|| {
        MachinesError::Invalid(format!("base directory {} is not UTF-8", base.display()))
    })?;
    if !base.is_absolute()
        || text
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, ',' | ':' | '=' | '\\'))
    {
        return Err(MachinesError::Invalid(format!(
            "base directory {text:?} must be an absolute path without spaces, ',', ':', '=' or '\\'"
        )));
    }
    if base == Path::new("/") {
        return Err(MachinesError::Invalid(
            "base directory must not be /".into(),
        ));
    }
    Ok(())
}

/// The paths to hide, without those under another one: the outer tmpfs covers them, and
/// a tmpfs of their own would be buried under it.
fn outermost<'a>(paths: impl Iterator<Item = &'a PathBuf> + Clone) -> Vec<PathBuf> {
    paths
        .clone()
        .filter(|p| {
            !paths
                .clone()
                .any(|other| other != *p && p.starts_with(other))
        })
        .cloned()
        .collect()
}
