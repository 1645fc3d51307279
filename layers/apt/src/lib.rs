//! `layer:apt`: Debian packages for a charm, installed with the real `apt-get`.
//!
//! Packages come from the layer option `packages` (any layer of the charm may add to
//! it), the config option `extra_packages`, and [`queue_install`]; they are installed
//! together once the package lists are up to date, each then getting its flag
//! `apt.installed.<pkg>`. See `layers/apt/README.md` for every flag, option and
//! function, and where this layer differs from the Python layer-apt.
//!
//! ```no_run
//! use charms_reactive::prelude::*;
//!
//! #[when("apt.installed.hello")]
//! #[when_not("greeter.ready")]
//! fn ready() -> Result<()> {
//!     status::active("hello is installed")?;
//!     set_flag("greeter.ready");
//!     Ok(())
//! }
//! ```

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use charms_reactive::low_level::with_unit_state;
use charms_reactive::prelude::*;
use charms_reactive::ToolError;
use serde_json::Value;

pub mod apt_get;
pub mod no_start;
pub mod sources;
pub mod system;

charms_reactive::declare_flags!(
    "apt.installed.{package}",
    "apt.needs_update",
    "apt.queued_installs"
);
charms_reactive::declare_flags!(fn queue_install => "apt.queued_installs");

use apt_get::{display_version, run_with_retries, AptFailure};

/// This layer's name in `layer.yaml` options.
pub const LAYER: &str = "apt";
/// `apt.installed.<pkg>`: the package is installed (by this layer).
pub const INSTALLED_PREFIX: &str = "apt.installed.";
/// The package lists must be updated before installing (sources changed).
pub const NEEDS_UPDATE: &str = "apt.needs_update";
/// Packages are queued for installation.
pub const QUEUED_INSTALLS: &str = "apt.queued_installs";
/// Unit-state key prefix of the queue (`apt.install_queue.<pkg>` = its apt-get options,
/// `null` for the default), as layer-apt names it.
pub const QUEUE_PREFIX: &str = "apt.install_queue.";
/// The values `package_status` accepts.
pub const PACKAGE_STATUSES: &[&str] = &["install", "hold"];

const STAMP_KEY: &str = "apt.dpkg_stamp";
const VERSION_KEY: &str = "apt.workload_version";
/// The packages `packages` and `extra_packages` asked for, sorted.
const WANTED_KEY: &str = "apt.wanted";

/// What this hook learnt at its start (reset by the layer's startup function).
#[derive(Debug, Default)]
struct HookState {
    /// `package_status` is not one of [`PACKAGE_STATUSES`]: nothing is installed or held.
    bad_package_status: Option<String>,
    /// The workload version must be read again.
    version_stale: bool,
}

thread_local! {
    static HOOK: RefCell<HookState> = RefCell::new(HookState::default());
}

/// Why an apt operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AptError {
    /// `apt-get` failed for good (after its retries).
    #[error(transparent)]
    Command(#[from] AptFailure),
    /// A package name apt would take for an option or that is not a Debian name.
    #[error("bad package name {0:?}")]
    BadName(String),
    /// `package_status` is not install or hold.
    #[error("package_status {0:?} is not one of install, hold")]
    BadPackageStatus(String),
}

/// Debian package names (with an optional `:arch`, `=version` or `/release`), never
/// starting with `-`.
fn check_name(package: &str) -> Result<(), AptError> {
    let ok = package
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && package
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.:=~/_".contains(c));
    if ok {
        Ok(())
    } else {
        Err(AptError::BadName(package.into()))
    }
}

/// Queues `packages` for installation with the default options; packages already
/// installed by this layer (`apt.installed.<pkg>`) or already queued are left alone.
/// Sets `apt.queued_installs` if anything is queued.
pub fn queue_install<I, S>(packages: I) -> Result<(), AptError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    queue_install_with(packages, &[])
}

/// [`queue_install`] with these `apt-get` options instead of
/// `--option=Dpkg::Options::=--force-confold`; packages with the same options are
/// installed together.
pub fn queue_install_with<I, S>(packages: I, options: &[&str]) -> Result<(), AptError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let options = if options.is_empty() {
        Value::Null
    } else {
        Value::from(options.iter().map(|o| o.to_string()).collect::<Vec<_>>())
    };
    let mut queued = false;
    for package in packages {
        let package = package.as_ref();
        check_name(package)?;
        if is_flag_set(&format!("{INSTALLED_PREFIX}{package}")) {
            continue;
        }
        let key = format!("{QUEUE_PREFIX}{package}");
        let added = with_unit_state(|kv| {
            if kv.contains(&key) {
                false
            } else {
                kv.set(&key, &options);
                true
            }
        });
        queued |= added;
    }
    if queued {
        set_flag(QUEUED_INSTALLS);
    }
    Ok(())
}

/// The packages this layer installed (from the `apt.installed.*` flags).
pub fn installed() -> BTreeSet<String> {
    get_flags()
        .into_iter()
        .filter_map(|f| f.strip_prefix(INSTALLED_PREFIX).map(str::to_string))
        .collect()
}

/// The queue: package → its apt-get options (empty for the default).
pub fn queued() -> BTreeMap<String, Vec<String>> {
    with_unit_state(|kv| {
        let names: Vec<String> = kv
            .keys_with_prefix(QUEUE_PREFIX)
            .map(String::from)
            .collect();
        names
            .into_iter()
            .map(|name| {
                let options = kv
                    .get(&format!("{QUEUE_PREFIX}{name}"))
                    .and_then(|v| serde_json::from_value::<Vec<String>>(v).ok())
                    .unwrap_or_default();
                (name, options)
            })
            .collect()
    })
}

/// Installs every queued package, in groups of the same options, with `apt-get
/// install` (retried while dpkg's lock is held or apt exits 100). On success each gets
/// `apt.installed.<pkg>`, the queue is emptied, `apt.queued_installs` cleared, and
/// `true` returned. On failure the unit is `blocked` with a message naming the packages
/// and apt's reason, the queue and flags stay (the next hook tries again), and `false`
/// is returned. Does nothing (`false`) while `package_status` is invalid. With the layer
/// option `no_start`, a `policy-rc.d` keeps the named services from starting for the
/// length of the install ([`no_start`]); a name that is not a service's, or a helper
/// that cannot be written, blocks the unit naming the option, and nothing is installed.
pub fn install_queued() -> Result<bool, ToolError> {
    if HOOK.with(|h| h.borrow().bad_package_status.is_some()) {
        return Ok(false);
    }
    let mut groups: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    for (package, options) in queued() {
        groups.entry(options).or_default().push(package);
    }
    let system = system::current();
    let held_back: Vec<String> = layer_base::options::get(LAYER, "no_start").unwrap_or_default();
    if let Some(bad) = held_back
        .iter()
        .find_map(|s| no_start::check_service(s).err())
    {
        tracing::error!("{bad}");
        status::blocked(&bad)?;
        return Ok(false);
    }
    // Removed when this function returns, however it returns.
    let _policy = match no_start::hold(system.as_ref(), &held_back) {
        Ok(held) => held,
        Err(e) => {
            let message = format!(
                "Cannot write /{} (layer option apt.no_start): {e}",
                no_start::POLICY_RC_D
            );
            tracing::error!("{message}");
            status::blocked(&message)?;
            return Ok(false);
        }
    };
    for (options, packages) in groups {
        status::maintenance(&format!("Installing {}", packages.join(", ")))?;
        let argv = apt_get::install_argv(&packages, &options);
        let result = run_with_retries(system.as_ref(), &argv, || {
            // A package apt cannot find is most often a stale list: update once.
            if let Err(e) = run_with_retries(system.as_ref(), &apt_get::update_argv(), || {}) {
                tracing::warn!("{e}");
            }
        });
        if let Err(e) = result {
            tracing::error!("{e}");
            status::blocked(&format!(
                "Unable to install packages {}: {}",
                packages.join(", "),
                if e.reason.is_empty() {
                    e.status.clone()
                } else {
                    e.reason.clone()
                }
            ))?;
            return Ok(false);
        }
        for package in &packages {
            set_flag(&format!("{INSTALLED_PREFIX}{package}"));
            with_unit_state(|kv| kv.unset(&format!("{QUEUE_PREFIX}{package}")));
        }
    }
    clear_flag(QUEUED_INSTALLS);
    HOOK.with(|h| h.borrow_mut().version_stale = true);
    remember_dpkg_stamp(system.as_ref());
    Ok(true)
}

/// Removes `packages` with `apt-get purge`, takes them off the queue and clears their
/// `apt.installed.<pkg>` flags.
pub fn purge<I, S>(packages: I) -> Result<(), AptError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let packages: Vec<String> = packages
        .into_iter()
        .map(|p| p.as_ref().to_string())
        .collect();
    for p in &packages {
        check_name(p)?;
    }
    if packages.is_empty() {
        return Ok(());
    }
    let system = system::current();
    run_with_retries(system.as_ref(), &apt_get::purge_argv(&packages), || {})?;
    for p in &packages {
        clear_flag(&format!("{INSTALLED_PREFIX}{p}"));
        with_unit_state(|kv| kv.unset(&format!("{QUEUE_PREFIX}{p}")));
    }
    if queued().is_empty() {
        clear_flag(QUEUED_INSTALLS);
    }
    HOOK.with(|h| h.borrow_mut().version_stale = true);
    remember_dpkg_stamp(system.as_ref());
    if !is_flag_set(QUEUED_INSTALLS) {
        // The version shown and the held set follow the purge at once.
        if let Err(e) = settle() {
            tracing::warn!("after the purge: {e:#}");
        }
    }
    Ok(())
}

/// Updates the package lists (`apt-get update`) and clears `apt.needs_update`; on
/// failure the unit is `blocked` and the flag stays.
pub fn update() -> Result<bool, ToolError> {
    status::maintenance("Updating apt cache")?;
    let system = system::current();
    match run_with_retries(system.as_ref(), &apt_get::update_argv(), || {}) {
        Ok(_) => {
            clear_flag(NEEDS_UPDATE);
            Ok(true)
        }
        Err(e) => {
            tracing::error!("{e}");
            status::blocked(&format!("Unable to update the apt cache: {}", e.reason))?;
            Ok(false)
        }
    }
}

fn remember_dpkg_stamp(system: &dyn system::System) {
    if let Some(stamp) = system.dpkg_stamp() {
        with_unit_state(|kv| kv.set(STAMP_KEY, &Value::String(stamp)));
    }
}

fn config_str(config: &serde_json::Map<String, Value>, key: &str) -> String {
    config
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// At the start of every hook (layer-apt's `atstart` work): check `package_status`,
/// forget packages removed behind the charm's back, configure changed sources, queue the
/// packages of the layer option and of `extra_packages`.
#[startup]
fn apt_start() -> Result<()> {
    HOOK.with(|h| *h.borrow_mut() = HookState::default());
    let config = config::all()?;
    let package_status = config
        .get("package_status")
        .and_then(Value::as_str)
        .unwrap_or("install")
        .to_string();
    if !PACKAGE_STATUSES.contains(&package_status.as_str()) {
        status::blocked(&format!(
            "Invalid package_status {package_status:?}: must be one of {}",
            PACKAGE_STATUSES.join(", ")
        ))?;
        HOOK.with(|h| h.borrow_mut().bad_package_status = Some(package_status));
    }
    let system = system::current();
    // Only a charm with `no_start` ever writes the helper: others skip the look.
    let held_back: Vec<String> = layer_base::options::get(LAYER, "no_start").unwrap_or_default();
    if !held_back.is_empty() {
        no_start::remove_stale(system.as_ref());
    }
    forget_removed(system.as_ref())?;
    configure_sources(&config)?;
    let mut packages: Vec<String> = layer_base::options::get(LAYER, "packages").unwrap_or_default();
    packages.extend(
        config_str(&config, "extra_packages")
            .split_whitespace()
            .map(String::from),
    );
    unqueue_unwanted(&packages);
    if let Err(e) = queue_install(&packages) {
        status::blocked(&format!("Cannot queue packages: {e}"))?;
    }
    if !is_flag_set(QUEUED_INSTALLS) {
        settle()?;
    }
    Ok(())
}

/// Takes off the queue the packages that `packages`/`extra_packages` asked for in an
/// earlier hook and no longer do (a misspelt package fixed in the config must not stay
/// queued, failing every hook); packages queued through the API stay.
fn unqueue_unwanted(wanted: &[String]) {
    let wanted_now: BTreeSet<&str> = wanted.iter().map(String::as_str).collect();
    let before: Vec<String> = with_unit_state(|kv| kv.get(WANTED_KEY))
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    if before
        .iter()
        .map(String::as_str)
        .eq(wanted_now.iter().copied())
    {
        return;
    }
    for package in before.iter().filter(|p| !wanted_now.contains(p.as_str())) {
        let key = format!("{QUEUE_PREFIX}{package}");
        if with_unit_state(|kv| kv.unset(&key)) {
            tracing::info!("{package} is no longer asked for: taken off the install queue");
        }
    }
    if queued().is_empty() {
        clear_flag(QUEUED_INSTALLS);
    }
    let now: Vec<&str> = wanted_now.into_iter().collect();
    with_unit_state(|kv| kv.set(WANTED_KEY, &Value::from(now)));
}

/// Clears `apt.installed.<pkg>` of packages dpkg no longer has installed, when dpkg's
/// database changed since this layer last looked (one `stat` otherwise).
fn forget_removed(system: &dyn system::System) -> Result<()> {
    let stamp = system.dpkg_stamp();
    let known = with_unit_state(|kv| kv.get(STAMP_KEY)).and_then(|v| v.as_str().map(String::from));
    if stamp.is_none() || stamp == known {
        return Ok(());
    }
    HOOK.with(|h| h.borrow_mut().version_stale = true);
    let ours: Vec<String> = installed().into_iter().collect();
    if !ours.is_empty() {
        let present: BTreeSet<String> = apt_get::query_installed(system, &ours)?
            .into_iter()
            .collect();
        for package in ours.iter().filter(|p| !present.contains(base_name(p))) {
            tracing::warn!("package {package} was removed; clearing {INSTALLED_PREFIX}{package}");
            clear_flag(&format!("{INSTALLED_PREFIX}{package}"));
        }
    }
    if let Some(stamp) = stamp {
        with_unit_state(|kv| kv.set(STAMP_KEY, &Value::String(stamp)));
    }
    Ok(())
}

/// The package name dpkg reports for a requested name (`foo:amd64`, `foo=1.2`,
/// `foo/jammy` are `foo`).
fn base_name(package: &str) -> &str {
    package.split([':', '=', '/']).next().unwrap_or(package)
}

/// Configures sources and keys when they changed, then asks for a list update.
fn configure_sources(config: &serde_json::Map<String, Value>) -> Result<()> {
    let sources = config_str(config, "install_sources");
    let keys = config_str(config, "install_keys");
    let layer_keys: Vec<String> = layer_base::options::get(LAYER, "keys").unwrap_or_default();
    let wanted = serde_json::json!([sources, keys, layer_keys]);
    if !is_data_changed("apt.sources", &wanted)? {
        return Ok(());
    }
    let app = unit_name()
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let system = system::current();
    match sources::configure(
        system.as_ref(),
        &app,
        &charm_dir(),
        &sources,
        &keys,
        &layer_keys,
    ) {
        Ok(()) => {
            data_changed("apt.sources", &wanted)?;
            set_flag(NEEDS_UPDATE);
        }
        Err(e) => {
            tracing::error!("{e}");
            status::blocked(&e.to_string())?;
        }
    }
    Ok(())
}

#[when("apt.needs_update")]
fn update_lists() -> Result<()> {
    update()?;
    Ok(())
}

#[when("apt.queued_installs")]
#[when_not("apt.needs_update")]
fn install() -> Result<()> {
    if install_queued()? {
        settle()?;
    }
    Ok(())
}

/// With nothing queued: apply `package_status` to the installed packages when it or the
/// set changed, and show `version_package`'s version when dpkg's database changed. Run
/// inline (at hook start, after an install, after a purge) rather than as a handler, so
/// a quiet hook invokes no handler of this layer (and logs nothing).
fn settle() -> Result<()> {
    if let Some(bad) = HOOK.with(|h| h.borrow().bad_package_status.clone()) {
        tracing::debug!("package_status {bad:?} is invalid: packages are not held nor released");
    } else {
        ensure_package_status()?;
    }
    if HOOK.with(|h| std::mem::take(&mut h.borrow_mut().version_stale)) {
        show_version()?;
    }
    Ok(())
}

fn ensure_package_status() -> Result<()> {
    let status =
        config::get::<Option<String>>("package_status")?.unwrap_or_else(|| "install".into());
    let packages: Vec<String> = installed().into_iter().collect();
    if packages.is_empty() || !is_data_changed("apt.package_status", &(&status, &packages))? {
        return Ok(());
    }
    let verb = if status == "hold" { "hold" } else { "unhold" };
    let system = system::current();
    match run_with_retries(system.as_ref(), &apt_get::mark_argv(verb, &packages), || {}) {
        Ok(_) => {
            data_changed("apt.package_status", &(&status, &packages))?;
        }
        Err(e) => {
            tracing::error!("{e}");
            status::blocked(&format!(
                "Unable to {verb} packages {}: {}",
                packages.join(", "),
                e.reason
            ))?;
        }
    }
    Ok(())
}

/// `application-version-set` from `dpkg-query` of `version_package`, when it changed.
fn show_version() -> Result<()> {
    let package: String = layer_base::options::get(LAYER, "version_package").unwrap_or_default();
    if package.is_empty() {
        return Ok(());
    }
    let full: bool = layer_base::options::get(LAYER, "full_version").unwrap_or(false);
    let system = system::current();
    let version = apt_get::query_version(system.as_ref(), &package)?
        .map(|v| display_version(&v, full))
        .unwrap_or_default();
    let shown =
        with_unit_state(|kv| kv.get(VERSION_KEY)).and_then(|v| v.as_str().map(String::from));
    if shown.as_deref() != Some(version.as_str()) {
        status::workload_version(&version)?;
        with_unit_state(|kv| kv.set(VERSION_KEY, &Value::String(version)));
    }
    Ok(())
}
