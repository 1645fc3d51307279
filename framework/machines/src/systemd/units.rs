//! Finding units on disk as systemd does ([systemd.unit(5)], "Unit File Load Path"): the
//! unit directories in priority order, templates (`foo@bar.service` from `foo@.service`),
//! drop-ins (`<unit>.d/*.conf`, merged by file name across directories), masks (a link to
//! `/dev/null`), and enablement (`<target>.wants/` links made from `[Install]`).
//!
//! [systemd.unit(5)]: https://www.freedesktop.org/software/systemd/man/latest/systemd.unit.html

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::unit_file::{self, Assignment, Settings};

/// The system unit directories, highest priority first (`/lib` is Debian's, the same as
/// `/usr/lib` on a merged-`/usr` system).
pub(crate) const UNIT_DIRS: [&str; 5] = [
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/lib/systemd/system",
    "/usr/lib/systemd/system",
];

/// Where `enable`, `disable`, `mask` and `unmask` write.
pub(crate) const ADMIN_DIR: &str = "/etc/systemd/system";

/// Unit types systemd knows.
const SUFFIXES: [&str; 11] = [
    "service",
    "socket",
    "target",
    "device",
    "mount",
    "automount",
    "swap",
    "timer",
    "path",
    "slice",
    "scope",
];

/// `foo` → `foo.service`; names with a unit type suffix are kept.
pub(crate) fn normalize(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((_, suffix)) if SUFFIXES.contains(&suffix) => name.to_string(),
        _ => format!("{name}.service"),
    }
}

/// The unit's type: `service`, `socket`, `target`, …
pub(crate) fn kind(name: &str) -> &str {
    name.rsplit_once('.').map_or("", |(_, s)| s)
}

/// The template of an instance (`foo@bar.service` → `foo@.service`).
fn template(name: &str) -> Option<String> {
    let (stem, suffix) = name.rsplit_once('.')?;
    let (prefix, instance) = stem.split_once('@')?;
    (!instance.is_empty()).then(|| format!("{prefix}@.{suffix}"))
}

/// A unit file found on disk, with its drop-ins, not yet interpreted.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub name: String,
    pub fragment: PathBuf,
    pub drop_ins: Vec<PathBuf>,
    pub settings: Settings,
}

/// What loading a unit gives.
#[derive(Debug, Clone)]
pub(crate) enum Load {
    /// No unit file.
    NotFound,
    /// Masked (its file links to `/dev/null`).
    Masked(PathBuf),
    /// Found but unreadable or malformed; the reason names the file and line.
    Bad(String),
    /// Found.
    Loaded(Found),
}

/// `path` under `root` (the machine's `/`, or a test directory).
fn at(root: &Path, path: &str) -> PathBuf {
    root.join(path.trim_start_matches('/'))
}

fn is_mask(path: &Path) -> bool {
    fs::read_link(path).is_ok_and(|target| target == Path::new("/dev/null"))
}

/// Loads unit `name` (normalised) from the unit directories under `root`.
pub(crate) fn load(root: &Path, name: &str) -> Load {
    let mut candidates = vec![name.to_string()];
    candidates.extend(template(name));
    let mut fragment = None;
    'search: for candidate in &candidates {
        for dir in UNIT_DIRS {
            let path = at(root, dir).join(candidate);
            if is_mask(&path) {
                return Load::Masked(path);
            }
            if path.is_file() {
                fragment = Some(path);
                break 'search;
            }
        }
    }
    let Some(fragment) = fragment else {
        return Load::NotFound;
    };
    let drop_ins = drop_ins(root, name);
    let mut assignments: Vec<Assignment> = Vec::new();
    for file in std::iter::once(&fragment).chain(&drop_ins) {
        let text = match fs::read_to_string(file) {
            Ok(text) => text,
            Err(e) => return Load::Bad(format!("{}: {e}", file.display())),
        };
        match unit_file::parse(&text, file) {
            Ok(a) => assignments.extend(a),
            Err(e) => return Load::Bad(e),
        }
    }
    Load::Loaded(Found {
        name: name.to_string(),
        fragment,
        drop_ins,
        settings: Settings::merge(assignments),
    })
}

/// The drop-ins of `name`: `*.conf` in `<type>.d`, `<template>.d` and `<name>.d` of every
/// unit directory; a file name in a higher-priority directory hides the same name in a lower
/// one; applied in file-name order.
fn drop_ins(root: &Path, name: &str) -> Vec<PathBuf> {
    let mut dirs = vec![format!("{}.d", kind(name))];
    dirs.extend(template(name).map(|t| format!("{t}.d")));
    dirs.push(format!("{name}.d"));
    let mut chosen: Vec<PathBuf> = Vec::new();
    for d in &dirs {
        let mut by_name: BTreeMap<String, PathBuf> = BTreeMap::new();
        for unit_dir in UNIT_DIRS.iter().rev() {
            let Ok(entries) = fs::read_dir(at(root, unit_dir).join(d)) else {
                continue;
            };
            for entry in entries.flatten() {
                let file = entry.file_name().to_string_lossy().into_owned();
                if file.ends_with(".conf") {
                    by_name.insert(file, entry.path());
                }
            }
        }
        chosen.extend(by_name.into_values());
    }
    // Drop-ins of all levels apply in one file-name order.
    chosen.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    chosen
}

/// Whether `name` is enabled: a link to it in some `*.wants/` or `*.requires/` of the admin
/// directory.
fn has_install_links(root: &Path, name: &str) -> bool {
    let Ok(entries) = fs::read_dir(at(root, ADMIN_DIR)) else {
        return false;
    };
    entries.flatten().any(|e| {
        let dir = e.file_name().to_string_lossy().into_owned();
        (dir.ends_with(".wants") || dir.ends_with(".requires"))
            && fs::symlink_metadata(e.path().join(name)).is_ok()
    })
}

/// `systemctl is-enabled`'s answer: `enabled`, `disabled`, `static`, `masked`, or `None` for
/// a unit with no file.
pub(crate) fn enablement(root: &Path, name: &str) -> Option<&'static str> {
    match load(root, name) {
        Load::NotFound | Load::Bad(_) => None,
        Load::Masked(_) => Some("masked"),
        Load::Loaded(found) => Some(if has_install_links(root, name) {
            "enabled"
        } else if install_of(&found).is_empty() {
            "static"
        } else {
            "disabled"
        }),
    }
}

/// What `[Install]` asks for.
#[derive(Debug, Default)]
pub(crate) struct Install {
    pub wanted_by: Vec<String>,
    pub required_by: Vec<String>,
    pub alias: Vec<String>,
    pub also: Vec<String>,
}

impl Install {
    fn is_empty(&self) -> bool {
        self.wanted_by.is_empty()
            && self.required_by.is_empty()
            && self.alias.is_empty()
            && self.also.is_empty()
    }
}

pub(crate) fn install_of(found: &Found) -> Install {
    let s = &found.settings;
    Install {
        wanted_by: s.words("Install", "WantedBy"),
        required_by: s.words("Install", "RequiredBy"),
        alias: s.words("Install", "Alias"),
        also: s.words("Install", "Also"),
    }
}

/// What `enable` and friends did, as systemctl reports it on stderr.
pub(crate) type Changes = Vec<String>;

/// The text systemctl prints for a unit with nothing to enable.
pub(crate) const NO_INSTALL_CONFIG: &str = "The unit files have no installation config (WantedBy=, RequiredBy=, Also=,\nAlias= settings in the [Install] section, and DefaultInstance= for template\nunits). This means they are not meant to be enabled or disabled using systemctl.";

/// `systemctl enable`: the links `[Install]` asks for (and `Also=` units'), in the admin
/// directory.
pub(crate) fn enable(root: &Path, name: &str, changes: &mut Changes) -> Result<(), String> {
    let found = match load(root, name) {
        Load::Loaded(found) => found,
        Load::Masked(_) => {
            return Err(format!(
                "Failed to enable unit: Unit file {name} is masked."
            ))
        }
        Load::NotFound => {
            return Err(format!(
                "Failed to enable unit: Unit file {name} does not exist."
            ))
        }
        Load::Bad(why) => return Err(format!("Failed to enable unit: {why}")),
    };
    let install = install_of(&found);
    if install.is_empty() {
        changes.push(NO_INSTALL_CONFIG.to_string());
        return Ok(());
    }
    let admin = at(root, ADMIN_DIR);
    let target_of = |path: &Path| -> PathBuf {
        // Links point at the file as the machine sees it.
        Path::new("/").join(path.strip_prefix(root).unwrap_or(path))
    };
    let fragment = target_of(&found.fragment);
    let mut links: Vec<PathBuf> = Vec::new();
    for target in &install.wanted_by {
        links.push(admin.join(format!("{target}.wants")).join(name));
    }
    for target in &install.required_by {
        links.push(admin.join(format!("{target}.requires")).join(name));
    }
    for alias in &install.alias {
        links.push(admin.join(alias));
    }
    for link in links {
        if fs::read_link(&link).is_ok_and(|t| t == fragment) {
            continue;
        }
        if let Some(parent) = link.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| format!("Failed to enable unit: {}: {e}", parent.display()))?;
        }
        let _ = fs::remove_file(&link);
        std::os::unix::fs::symlink(&fragment, &link)
            .map_err(|e| format!("Failed to enable unit: {}: {e}", link.display()))?;
        changes.push(format!(
            "Created symlink {} → {}.",
            target_of(&link).display(),
            fragment.display()
        ));
    }
    for also in &install.also {
        if also != name {
            enable(root, &normalize(also), changes)?;
        }
    }
    Ok(())
}

/// `systemctl disable`: removes every install link to `name` (and its aliases).
pub(crate) fn disable(root: &Path, name: &str, changes: &mut Changes) -> Result<(), String> {
    let admin = at(root, ADMIN_DIR);
    let mut links = Vec::new();
    if let Ok(entries) = fs::read_dir(&admin) {
        for e in entries.flatten() {
            let dir = e.file_name().to_string_lossy().into_owned();
            if dir.ends_with(".wants") || dir.ends_with(".requires") {
                let link = e.path().join(name);
                if fs::symlink_metadata(&link).is_ok() {
                    links.push(link);
                }
            }
        }
    }
    if let Load::Loaded(found) = load(root, name) {
        for alias in install_of(&found).alias {
            let link = admin.join(&alias);
            if fs::read_link(&link).is_ok() {
                links.push(link);
            }
        }
    }
    for link in links {
        fs::remove_file(&link)
            .map_err(|e| format!("Failed to disable unit: {}: {e}", link.display()))?;
        let shown = Path::new("/").join(link.strip_prefix(root).unwrap_or(&link));
        changes.push(format!("Removed \"{}\".", shown.display()));
    }
    Ok(())
}

/// `systemctl mask`: a link to `/dev/null` in the admin directory.
pub(crate) fn mask(root: &Path, name: &str, changes: &mut Changes) -> Result<(), String> {
    let link = at(root, ADMIN_DIR).join(name);
    if is_mask(&link) {
        return Ok(());
    }
    if fs::symlink_metadata(&link).is_ok() {
        return Err(format!(
            "Failed to mask unit: File {ADMIN_DIR}/{name} already exists."
        ));
    }
    if let Some(parent) = link.parent() {
        fs::create_dir_all(parent)
            .map_err(|e| format!("Failed to mask unit: {}: {e}", parent.display()))?;
    }
    std::os::unix::fs::symlink("/dev/null", &link)
        .map_err(|e| format!("Failed to mask unit: {}: {e}", link.display()))?;
    changes.push(format!("Created symlink {ADMIN_DIR}/{name} → /dev/null."));
    Ok(())
}

/// `systemctl unmask`: removes the mask link, if any.
pub(crate) fn unmask(root: &Path, name: &str, changes: &mut Changes) -> Result<(), String> {
    let link = at(root, ADMIN_DIR).join(name);
    if is_mask(&link) {
        fs::remove_file(&link)
            .map_err(|e| format!("Failed to unmask unit: {}: {e}", link.display()))?;
        changes.push(format!("Removed \"{ADMIN_DIR}/{name}\"."));
    }
    Ok(())
}

/// Where preset files are, highest priority first.
const PRESET_DIRS: [&str; 5] = [
    "/etc/systemd/system-preset",
    "/run/systemd/system-preset",
    "/usr/local/lib/systemd/system-preset",
    "/lib/systemd/system-preset",
    "/usr/lib/systemd/system-preset",
];

/// Whether the presets ([systemd.preset(5)]) enable `name`: the first matching `enable` or
/// `disable` line in the `*.preset` files (taken in file-name order, a name in a
/// higher-priority directory hiding the same name below); enabled when none matches, as on
/// Debian and Ubuntu.
///
/// [systemd.preset(5)]: https://www.freedesktop.org/software/systemd/man/latest/systemd.preset.html
pub(crate) fn preset_enables(root: &Path, name: &str) -> bool {
    let mut files: BTreeMap<String, PathBuf> = BTreeMap::new();
    for dir in PRESET_DIRS.iter().rev() {
        let Ok(entries) = fs::read_dir(at(root, dir)) else {
            continue;
        };
        for e in entries.flatten() {
            let file = e.file_name().to_string_lossy().into_owned();
            if file.ends_with(".preset") {
                files.insert(file, e.path());
            }
        }
    }
    for path in files.values() {
        let Ok(text) = fs::read_to_string(path) else {
            continue;
        };
        for line in text.lines() {
            let mut words = line.split_whitespace();
            let (Some(verb), Some(pattern)) = (words.next(), words.next()) else {
                continue;
            };
            if glob(pattern, name) {
                match verb {
                    "enable" => return true,
                    "disable" => return false,
                    _ => {}
                }
            }
        }
    }
    true
}

/// Shell-style `*` and `?` matching, for preset patterns.
fn glob(pattern: &str, name: &str) -> bool {
    fn go(p: &[u8], n: &[u8]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some(b'*') => (0..=n.len()).any(|i| go(&p[1..], &n[i..])),
            Some(b'?') => !n.is_empty() && go(&p[1..], &n[1..]),
            Some(c) => n.first() == Some(c) && go(&p[1..], &n[1..]),
        }
    }
    go(pattern.as_bytes(), name.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(test: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("reactive-units-{test}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn write(root: &Path, path: &str, text: &str) {
        let path = at(root, path);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(&path, text).expect("write");
    }

    #[test]
    fn names_are_normalised() {
        assert_eq!(normalize("ssh"), "ssh.service");
        assert_eq!(normalize("epmd.socket"), "epmd.socket");
        assert_eq!(normalize("a.b"), "a.b.service");
        assert_eq!(
            template("getty@tty1.service").as_deref(),
            Some("getty@.service")
        );
    }

    #[test]
    fn etc_wins_drop_ins_merge_and_enable_disable_mask() {
        let r = root("load");
        write(
            &r,
            "/lib/systemd/system/x.service",
            "[Service]\nExecStart=/bin/lib\n[Install]\nWantedBy=multi-user.target\n",
        );
        write(
            &r,
            "/lib/systemd/system/x.service.d/10-a.conf",
            "[Service]\nUser=a\n",
        );
        write(
            &r,
            "/etc/systemd/system/x.service.d/10-a.conf",
            "[Service]\nUser=etc\n",
        );
        write(
            &r,
            "/lib/systemd/system/x.service.d/20-b.conf",
            "[Service]\nGroup=b\n",
        );
        let Load::Loaded(found) = load(&r, "x.service") else {
            panic!("not loaded")
        };
        assert_eq!(found.settings.last("Service", "User"), Some("etc"));
        assert_eq!(found.settings.last("Service", "Group"), Some("b"));
        assert_eq!(found.drop_ins.len(), 2);
        write(
            &r,
            "/etc/systemd/system/x.service",
            "[Service]\nExecStart=/bin/etc\n[Install]\nWantedBy=multi-user.target\n",
        );
        let Load::Loaded(found) = load(&r, "x.service") else {
            panic!("not loaded")
        };
        assert_eq!(
            found.settings.last("Service", "ExecStart"),
            Some("/bin/etc")
        );

        assert_eq!(enablement(&r, "x.service"), Some("disabled"));
        let mut changes = Vec::new();
        enable(&r, "x.service", &mut changes).expect("enable");
        assert_eq!(
            changes,
            ["Created symlink /etc/systemd/system/multi-user.target.wants/x.service → /etc/systemd/system/x.service."]
        );
        assert_eq!(enablement(&r, "x.service"), Some("enabled"));
        changes.clear();
        disable(&r, "x.service", &mut changes).expect("disable");
        assert_eq!(
            changes,
            ["Removed \"/etc/systemd/system/multi-user.target.wants/x.service\"."]
        );
        assert_eq!(enablement(&r, "x.service"), Some("disabled"));

        write(
            &r,
            "/lib/systemd/system/y.service",
            "[Service]\nExecStart=/bin/y\n",
        );
        assert_eq!(enablement(&r, "y.service"), Some("static"));
        changes.clear();
        mask(&r, "y.service", &mut changes).expect("mask");
        assert!(matches!(load(&r, "y.service"), Load::Masked(_)));
        assert_eq!(enablement(&r, "y.service"), Some("masked"));
        unmask(&r, "y.service", &mut changes).expect("unmask");
        assert!(matches!(load(&r, "y.service"), Load::Loaded(_)));
        assert!(matches!(load(&r, "z.service"), Load::NotFound));
        let _ = fs::remove_dir_all(&r);
    }

    #[test]
    fn presets_enable_unless_a_line_disables() {
        let r = root("preset");
        write(
            &r,
            "/lib/systemd/system-preset/90-systemd.preset",
            "enable getty@.service\ndisable debug-*.service\n",
        );
        write(
            &r,
            "/etc/systemd/system-preset/10-local.preset",
            "disable memcached.service\n",
        );
        assert!(preset_enables(&r, "rabbitmq-server.service"));
        assert!(!preset_enables(&r, "debug-shell.service"));
        assert!(!preset_enables(&r, "memcached.service"));
        assert!(glob(
            "systemd-journal-*.?ervice",
            "systemd-journal-upload.service"
        ));
        let _ = fs::remove_dir_all(&r);
    }
}
