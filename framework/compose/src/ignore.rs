//! Which files of a layer are left out: gitignore-style patterns, a layer's `exclude`
//! (its own files) and `ignore` (the files of every layer below it).

use std::path::PathBuf;

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::error::BuildError;
use crate::layers::Layer;

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
    pub fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Result<Patterns, PatternError> {
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
                let glob = Glob::new(&g).map_err(|source| PatternError {
                    pattern: p.to_string(),
                    source,
                })?;
                b.add(glob);
            }
        }
        let set = b.build().map_err(|source| PatternError {
            pattern: raw.join(", "),
            source,
        })?;
        Ok(Patterns { set, raw })
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

/// A pattern that does not compile.
#[derive(Debug, thiserror::Error)]
#[error("bad pattern {pattern:?}")]
pub struct PatternError {
    /// The pattern as written.
    pub pattern: String,
    /// globset's reason.
    pub source: globset::Error,
}

/// One layer's compiled `ignore` and `exclude` (the latter with [`DEFAULT_IGNORES`]).
#[derive(Debug, Clone)]
pub struct LayerFilters {
    ignore: Patterns,
    exclude: Patterns,
}

impl LayerFilters {
    /// Compiles the layer's patterns; a bad one is an error naming its layer.yaml.
    pub fn of(layer: &Layer) -> Result<LayerFilters, BuildError> {
        let path: PathBuf = layer
            .config
            .path
            .clone()
            .unwrap_or_else(|| layer.dir.join("layer.yaml"));
        let compile = |pats: &[String], extra: &[&str]| {
            Patterns::new(pats.iter().map(String::as_str).chain(extra.iter().copied())).map_err(
                |source| BuildError::Pattern {
                    path: path.clone(),
                    source,
                },
            )
        };
        Ok(LayerFilters {
            ignore: compile(&layer.config.ignore, &[])?,
            exclude: compile(&layer.config.exclude, DEFAULT_IGNORES)?,
        })
    }

    /// The first of this layer's `ignore` patterns (as written) matching `rel`.
    pub fn ignored_by(&self, rel: &str) -> Option<&str> {
        self.ignore.first_match(rel)
    }
}

/// Whether layer `i`'s file `rel` is left out: by its own `exclude` (or the default
/// ignores), or by the `ignore` of any layer above it (`filters` in merge order).
pub fn dropped(filters: &[LayerFilters], i: usize, rel: &str) -> bool {
    filters[i].exclude.matches(rel) || filters[i + 1..].iter().any(|r| r.ignore.matches(rel))
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
