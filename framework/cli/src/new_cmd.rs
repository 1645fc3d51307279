//! `reactive new <name>`: a new charm layer (the composer's `scaffold`) in `./<name>`.
//!
//! The handler crate depends on the framework checkout this `reactive` was built from
//! (known at compile time), or on `--framework PATH`.

use std::path::{Path, PathBuf};

use charms_reactive_compose::scaffold::scaffold;

/// The checkout this binary was built from.
pub fn default_framework() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// Runs `reactive new`.
pub fn run(name: &str, layers: &[String], framework: Option<PathBuf>) -> anyhow::Result<()> {
    let framework = framework.unwrap_or_else(default_framework);
    let framework = framework.canonicalize().unwrap_or(framework);
    let dir = Path::new(name);
    let written = scaffold(dir, name, layers, &framework)?;
    for file in &written {
        println!("wrote {}", file.display());
    }
    println!(
        "next: cd {name} && cargo test && reactive build . && reactive proof target/charms/{name}"
    );
    Ok(())
}
