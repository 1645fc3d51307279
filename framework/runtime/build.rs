//! Links the unwinder statically (gcc's `libgcc_eh.a`) into every binary that uses the
//! runtime, so they load no `libgcc_s.so`. Charm binaries and hook tools start many
//! times per hook; on the project's 2-core VMs an extra shared library costs about
//! 0.3 ms per start (BENCHMARKS.md). glibc stays dynamic: a static glibc breaks name
//! lookups (NSS) on hosts whose glibc differs from the build host's. Also the `build`
//! script of the command-line crate, whose hook-tool binary starts once per tool call.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    // Any rerun-if line stops cargo re-running this for every file change in the
    // package; a change of the script itself always re-runs it.
    println!("cargo:rerun-if-env-changed=CC");
    let linux_gnu = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux")
        && std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("gnu");
    if !linux_gnu {
        return;
    }
    // Without the archive the binaries simply keep the shared unwinder.
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let Ok(out) = Command::new(cc)
        .arg("-print-file-name=libgcc_eh.a")
        .output()
    else {
        return;
    };
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if !out.status.success() || !path.is_absolute() || !path.is_file() {
        return;
    }
    if let Some(dir) = path.parent() {
        println!("cargo:rustc-link-search=native={}", dir.display());
        println!("cargo:rustc-link-lib=static=gcc_eh");
    }
}
