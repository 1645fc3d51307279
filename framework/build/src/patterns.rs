//! gitignore-style patterns for `ignore` / `exclude`.

use globset::{Glob, GlobSet, GlobSetBuilder};

/// Files never taken from any layer: VCS and editor litter, built charms, and the unit
/// state database (shipping one wipes a unit's flags on upgrade, charms.reactive #221).
pub const DEFAULT_IGNORES: &[&str] = &[
    ".bzr",
    ".git",
    "**/.ropeproject",
    "*.pyc",
    "*~",
    ".tox",
    "*.swp",
    ".pull-source-rev",
    "*.charm",
    "build.lock",
    ".unit-state.db",
    ".unit-state.db-journal",
    ".build.manifest",
    "target",
];

/// A compiled set of patterns. A pattern without `/` matches a file or directory name at
/// any depth; one with `/` matches from the layer's root.
#[derive(Debug, Clone)]
pub struct Patterns {
    set: GlobSet,
    raw: Vec<String>,
}

impl Patterns {
    /// Compiles `patterns`; an invalid one is reported with its text.
    pub fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Result<Patterns, String> {
        let mut b = GlobSetBuilder::new();
        let mut raw = Vec::new();
        for p in patterns {
            raw.push(p.to_string());
            let p = p.trim_end_matches('/');
            let anchored = p.contains('/');
            let p = p.trim_start_matches('/');
            let base = if anchored || p.starts_with("**/") {
                p.to_string()
            } else {
                format!("**/{p}")
            };
            for g in [base.clone(), format!("{base}/**")] {
                b.add(Glob::new(&g).map_err(|e| format!("bad pattern {p:?}: {e}"))?);
            }
        }
        Ok(Patterns {
            set: b.build().map_err(|e| e.to_string())?,
            raw,
        })
    }

    /// Whether the relative path matches.
    pub fn matches(&self, rel: &str) -> bool {
        self.set.is_match(rel)
    }

    /// The first pattern (as written) matching `rel`.
    pub fn first_match(&self, rel: &str) -> Option<&str> {
        self.set
            .matches(rel)
            .first()
            .map(|i| self.raw[i / 2].as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gitignore_like() {
        let p = Patterns::new(["Makefile", "templates/junk.txt", "docs/"]).unwrap();
        assert!(p.matches("Makefile") && p.matches("sub/Makefile"));
        assert!(p.matches("templates/junk.txt") && !p.matches("x/templates/junk.txt"));
        assert!(p.matches("docs/a/b.md"));
        assert!(!p.matches("README.md"));
        assert!(Patterns::new(DEFAULT_IGNORES.iter().copied())
            .unwrap()
            .matches(".unit-state.db"));
    }
}
