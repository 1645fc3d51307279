//! Test charms: plain directories with a `metadata.yaml` and an executable `dispatch`
//! (usually a shell script), which the local model runs as it runs built charms.

use std::path::{Path, PathBuf};

/// A `dispatch` that does nothing and succeeds.
pub const NOOP: &str = "#!/bin/sh\nexit 0\n";

/// `kv`: a peer relation `cluster` and a `db` endpoint it provides (interface `pgsql`).
pub const KV: &str = "name: kv\nsummary: s\ndescription: d\npeers:\n  cluster: {interface: kv-peers}\nprovides:\n  db: {interface: pgsql}\n";

/// `web`: requires `database` (interface `pgsql`), so it relates to `kv:db`.
pub const WEB: &str =
    "name: web\nsummary: s\ndescription: d\nrequires:\n  database: {interface: pgsql}\n";

/// Writes the charm `<root>/charms/<name>` with `metadata` and an executable `dispatch`;
/// returns its directory.
pub fn write_charm(root: &Path, name: &str, metadata: &str, dispatch: &str) -> PathBuf {
    write_charm_in(&root.join("charms").join(name), metadata, dispatch)
}

/// Writes a charm into `dir` itself: `metadata.yaml` and an executable `dispatch`.
pub fn write_charm_in(dir: &Path, metadata: &str, dispatch: &str) -> PathBuf {
    crate::write_file(dir.join("metadata.yaml"), metadata);
    crate::write_executable(dir.join("dispatch"), dispatch);
    dir.to_path_buf()
}

/// The hook files `reactive build` generates for a charm (`hooks/<name>`, unsorted): every
/// standard hook Juju may run, written out here rather than taken from the code under
/// test, then each relation endpoint's five hooks and each storage's two.
pub fn expected_hook_files(endpoints: &[&str], storage: &[&str]) -> Vec<String> {
    let mut files: Vec<String> = [
        "collect-metrics",
        "config-changed",
        "install",
        "leader-elected",
        "leader-settings-changed",
        "post-series-upgrade",
        "pre-series-upgrade",
        "remove",
        "start",
        "stop",
        "update-status",
        "upgrade-charm",
    ]
    .iter()
    .map(|h| format!("hooks/{h}"))
    .collect();
    for s in storage {
        for kind in ["attached", "detaching"] {
            files.push(format!("hooks/{s}-storage-{kind}"));
        }
    }
    for e in endpoints {
        for kind in ["created", "joined", "changed", "departed", "broken"] {
            files.push(format!("hooks/{e}-relation-{kind}"));
        }
    }
    files
}
