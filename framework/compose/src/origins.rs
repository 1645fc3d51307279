//! `reactive layers`: every file of a built charm with the layer it came from.

use std::path::Path;

use crate::build_manifest::{list_files, signature_of, Manifest, FILE};
use crate::error::BuildError;

/// One line per file: `<mark> <path>  <layer> (<kind>)`, where the mark is `*` for a
/// file changed since the build, `+` for one added, `-` for one deleted, and blank
/// otherwise.
pub fn layers_report(charm_dir: &Path) -> Result<Vec<String>, BuildError> {
    let manifest = Manifest::read(charm_dir)?.ok_or_else(|| BuildError::Invalid {
        path: charm_dir.join(FILE),
        line: None,
        message: "no build manifest: this directory was not made by `reactive build`".into(),
    })?;
    let mut lines: Vec<String> = manifest
        .layers
        .iter()
        .map(|l| {
            format!(
                "# layer {}{}",
                l.url,
                if l.rev.is_empty() {
                    String::new()
                } else {
                    format!(" @ {}", l.rev)
                }
            )
        })
        .collect();
    let width = manifest
        .signatures
        .keys()
        .map(String::len)
        .max()
        .unwrap_or(0);
    for (rel, (origin, kind, sig)) in &manifest.signatures {
        let mark = match signature_of(&charm_dir.join(rel)) {
            None => '-',
            Some(s) if &s != sig => '*',
            Some(_) => ' ',
        };
        lines.push(format!("{mark} {rel:width$}  {origin} ({kind})"));
    }
    let mut present = Vec::new();
    list_files(charm_dir, charm_dir, &mut present)?;
    for rel in present
        .into_iter()
        .filter(|r| r != FILE && !manifest.signatures.contains_key(r))
    {
        lines.push(format!("+ {rel:width$}  (not from the build)"));
    }
    Ok(lines)
}
