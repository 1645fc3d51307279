//! Can this host run machines? Probes the host, then turns the facts into one message
//! per problem, each naming what is missing and how to get it (joined on one line).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Namespaces a machine is made of, with the kernel option that provides each.
const NAMESPACES: [(&str, &str); 5] = [
    ("mnt", "CONFIG_NAMESPACES"),
    ("uts", "CONFIG_UTS_NS"),
    ("ipc", "CONFIG_IPC_NS"),
    ("net", "CONFIG_NET_NS"),
    ("pid", "CONFIG_PID_NS"),
];

/// Oldest kernel that can `setns` into several namespaces at once through a pidfd.
const MIN_KERNEL: (u32, u32) = (5, 8);

/// What the checks look at, gathered from the host (or made up by tests).
#[derive(Debug, Clone)]
pub(crate) struct HostFacts {
    pub euid: u32,
    pub kernel_release: String,
    /// Names present in `/proc/self/ns`.
    pub namespaces: Vec<String>,
    /// Contents of `/proc/filesystems`.
    pub filesystems: String,
    /// Where `ip` is, if anywhere.
    pub ip: Option<PathBuf>,
    /// Result of making (and removing) a throw-away bridge; `None` if not tried.
    pub bridge_probe: Option<Result<(), String>>,
    /// Result of making (and removing) a throw-away veth pair; `None` if not tried.
    pub veth_probe: Option<Result<(), String>>,
}

impl HostFacts {
    /// Looks at this host. The bridge and veth probes need root and `ip`, so they only run
    /// when both are there.
    pub fn gather() -> HostFacts {
        let euid = crate::sys::geteuid();
        let namespaces = std::fs::read_dir("/proc/self/ns")
            .map(|dir| {
                dir.filter_map(|entry| entry.ok())
                    .map(|entry| entry.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        let filesystems = std::fs::read_to_string("/proc/filesystems").unwrap_or_default();
        let kernel_release = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
            .to_string();
        let ip = find_tool("ip");
        let (bridge_probe, veth_probe) = match (&ip, euid) {
            (Some(ip), 0) => (Some(probe_link(ip, "bridge")), Some(probe_link(ip, "veth"))),
            _ => (None, None),
        };
        HostFacts {
            euid,
            kernel_release,
            namespaces,
            filesystems,
            ip,
            bridge_probe,
            veth_probe,
        }
    }
}

/// Every reason `facts` rules machines out, one line each. Empty means supported.
pub(crate) fn problems(facts: &HostFacts) -> Vec<String> {
    let mut out = Vec::new();
    if facts.euid != 0 {
        out.push(
            "machines need root: run as root or use `reactive model init --provider local`"
                .to_string(),
        );
    }
    match parse_kernel(&facts.kernel_release) {
        Some(version) if version >= MIN_KERNEL => {}
        _ => out.push(format!(
            "machines need Linux {}.{} or newer (setns through a pidfd); this kernel is {:?}: upgrade the kernel",
            MIN_KERNEL.0, MIN_KERNEL.1, facts.kernel_release
        )),
    }
    for (ns, option) in NAMESPACES {
        if !facts.namespaces.iter().any(|have| have == ns) {
            out.push(format!(
                "the kernel has no {ns} namespaces (/proc/self/ns/{ns} is missing): use a kernel built with {option}"
            ));
        }
    }
    let has_overlay = facts
        .filesystems
        .lines()
        .any(|line| line.split_whitespace().last() == Some("overlay"));
    if !has_overlay {
        out.push(
            "the kernel has no overlay filesystem (`overlay` is not in /proc/filesystems): run `modprobe overlay` or use a kernel built with CONFIG_OVERLAY_FS"
                .to_string(),
        );
    }
    if facts.ip.is_none() {
        out.push("`ip` not found: apt-get install iproute2".to_string());
    }
    if let Some(Err(why)) = &facts.bridge_probe {
        out.push(format!(
            "the kernel cannot make bridges ({why}): run `modprobe bridge` or use a kernel built with CONFIG_BRIDGE"
        ));
    }
    if let Some(Err(why)) = &facts.veth_probe {
        out.push(format!(
            "the kernel cannot make veth pairs ({why}): run `modprobe veth` or use a kernel built with CONFIG_VETH"
        ));
    }
    out
}

fn parse_kernel(release: &str) -> Option<(u32, u32)> {
    let mut parts = release.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// Finds a system tool on `PATH` or in the usual sbin directories (which a non-login root
/// shell may lack on its `PATH`).
pub(crate) fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(
            ["/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"]
                .iter()
                .map(PathBuf::from),
        )
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Makes a throw-away link of `kind` and removes it again: the only sure way to know the
/// kernel supports it (built-in drivers leave no trace in /sys/module).
fn probe_link(ip: &Path, kind: &str) -> Result<(), String> {
    let name = format!("rmp{}{}", std::process::id() % 10_000_000, &kind[..1]);
    let mut add = Command::new(ip);
    add.args(["link", "add", &name, "type", kind]);
    if kind == "veth" {
        add.args(["peer", "name", &format!("{name}p")]);
    }
    let output = add
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", ip.display()))?;
    if !output.status.success() {
        return Err(format!(
            "`ip link add … type {kind}` failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    // Removing one end of a veth pair removes both.
    let _ = Command::new(ip)
        .args(["link", "del", &name])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> HostFacts {
        HostFacts {
            euid: 0,
            kernel_release: "6.18.44-fc".into(),
            namespaces: ["cgroup", "ipc", "mnt", "net", "pid", "uts", "user"]
                .map(String::from)
                .to_vec(),
            filesystems: "nodev\tproc\nnodev\toverlay\n\text4\n".into(),
            ip: Some(PathBuf::from("/usr/sbin/ip")),
            bridge_probe: Some(Ok(())),
            veth_probe: Some(Ok(())),
        }
    }

    #[test]
    fn a_good_host_has_no_problems() {
        assert_eq!(problems(&good()), Vec::<String>::new());
    }

    #[test]
    fn not_root_is_one_line_with_the_way_out() {
        let facts = HostFacts {
            euid: 1000,
            ..good()
        };
        assert_eq!(
            problems(&facts),
            ["machines need root: run as root or use `reactive model init --provider local`"]
        );
    }

    #[test]
    fn missing_ip_names_the_package() {
        let facts = HostFacts { ip: None, ..good() };
        assert_eq!(
            problems(&facts),
            ["`ip` not found: apt-get install iproute2"]
        );
    }

    #[test]
    fn each_missing_feature_is_its_own_line() {
        let facts = HostFacts {
            kernel_release: "4.19.0".into(),
            namespaces: vec!["mnt".into(), "uts".into(), "ipc".into()],
            filesystems: "nodev\tproc\n\text4\n".into(),
            bridge_probe: Some(Err("Unknown device type".into())),
            veth_probe: Some(Err("Unknown device type".into())),
            ..good()
        };
        let lines = problems(&facts);
        assert_eq!(lines.len(), 6, "{lines:#?}");
        assert!(lines[0].contains("Linux 5.8 or newer"));
        assert!(lines[1].contains("no net namespaces") && lines[1].contains("CONFIG_NET_NS"));
        assert!(lines[2].contains("no pid namespaces") && lines[2].contains("CONFIG_PID_NS"));
        assert!(lines[3].contains("overlay") && lines[3].contains("modprobe overlay"));
        assert!(lines[4].contains("bridges") && lines[4].contains("modprobe bridge"));
        assert!(lines[5].contains("veth") && lines[5].contains("CONFIG_VETH"));
        assert!(lines.iter().all(|line| !line.contains('\n')));
    }

    #[test]
    fn the_error_is_one_line_naming_every_problem() {
        let facts = HostFacts {
            euid: 1000,
            ip: None,
            ..good()
        };
        let err = crate::MachinesError::Unsupported(problems(&facts)).to_string();
        assert_eq!(
            err,
            "this host cannot run machines: \
             machines need root: run as root or use `reactive model init --provider local`; \
             `ip` not found: apt-get install iproute2"
        );
    }
}
