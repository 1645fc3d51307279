//! Juju's model option `logging-config` (`<root>=INFO;unit=DEBUG`): which levels of
//! which logging modules the unit agents record, and so which reach `debug-log`. The
//! syntax and rules are those of Juju's logging library, loggo
//! ([`ParseConfigString`](https://github.com/juju/loggo/blob/master/config.go)): `;`- or
//! `:`-separated `module=LEVEL` pairs, a bare level for the root, `*` for `<root>`; a
//! module without a level of its own takes its parent's (`unit.hello/0.juju-log` ←
//! `unit.hello/0` ← `unit` ← `<root>`). Layer: vocabulary (depends on nothing).

use std::collections::BTreeMap;

/// The local model's `logging-config` until it is set: every module at INFO.
pub const DEFAULT_LOGGING_CONFIG: &str = "<root>=INFO";

/// The root module's name in a specification.
const ROOT: &str = "<root>";

/// A log level, least severe first (loggo's order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `TRACE`.
    Trace,
    /// `DEBUG`.
    Debug,
    /// `INFO`.
    Info,
    /// `WARNING`.
    Warning,
    /// `ERROR`.
    Error,
    /// `CRITICAL`.
    Critical,
}

impl Level {
    /// loggo's `ParseLevel`: a level's name in any case (`WARN` for `WARNING`).
    pub fn parse(text: &str) -> Option<Level> {
        Some(match text.trim().to_ascii_uppercase().as_str() {
            "TRACE" => Level::Trace,
            "DEBUG" => Level::Debug,
            "INFO" => Level::Info,
            "WARN" | "WARNING" => Level::Warning,
            "ERROR" => Level::Error,
            "CRITICAL" => Level::Critical,
            _ => return None,
        })
    }

    /// The name Juju prints (`WARNING`).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
            Level::Critical => "CRITICAL",
        }
    }

    /// The value of `CHARMS_REACTIVE_LOG` that lets the runtime emit this level and
    /// above (the runtime has no CRITICAL: `error`).
    pub fn runtime_filter(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warning => "warn",
            Level::Error | Level::Critical => "error",
        }
    }
}

/// A parsed `logging-config`: a level per module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggingConfig {
    levels: BTreeMap<String, Option<Level>>,
}

impl Default for LoggingConfig {
    /// [`DEFAULT_LOGGING_CONFIG`]: every module at INFO.
    fn default() -> LoggingConfig {
        LoggingConfig {
            levels: BTreeMap::from([(ROOT.to_string(), Some(Level::Info))]),
        }
    }
}

impl LoggingConfig {
    /// Parses a specification as loggo does; the error is loggo's.
    pub fn parse(spec: &str) -> Result<LoggingConfig, String> {
        let spec = spec.trim();
        let mut levels = BTreeMap::new();
        if spec.is_empty() {
            return Ok(LoggingConfig { levels });
        }
        if let Some(level) = parse_level(spec) {
            levels.insert(ROOT.to_string(), level);
            return Ok(LoggingConfig { levels });
        }
        for value in spec.split([';', ':']).filter(|v| !v.is_empty()) {
            let Some((name, level)) = value.split_once('=') else {
                return Err(format!(
                    "logger specification expected '=', found {value:?}"
                ));
            };
            let (name, level) = (name.trim(), level.trim());
            if name.is_empty() || level.is_empty() {
                return Err(format!(
                    "logger specification {value:?} has blank name or level"
                ));
            }
            let name = if name == "*" { ROOT } else { name };
            let level =
                parse_level(level).ok_or_else(|| format!("unknown severity level {level:?}"))?;
            levels.insert(name.to_ascii_lowercase(), level);
        }
        Ok(LoggingConfig { levels })
    }

    /// The lowest level module `module` records: its own, else its nearest parent's,
    /// else the root's (WARNING, loggo's default, if the root has none).
    pub fn level_of(&self, module: &str) -> Level {
        let mut name = module.to_ascii_lowercase();
        loop {
            if let Some(Some(level)) = self.levels.get(&name) {
                return *level;
            }
            match name.rfind('.') {
                Some(dot) => name.truncate(dot),
                None => break,
            }
        }
        self.levels
            .get(ROOT)
            .copied()
            .flatten()
            .unwrap_or(Level::Warning)
    }

    /// Whether a record of `level` from `module` is kept.
    pub fn records(&self, module: &str, level: Level) -> bool {
        level >= self.level_of(module)
    }
}

/// A level, or `UNSPECIFIED` (inherit the parent's).
fn parse_level(text: &str) -> Option<Option<Level>> {
    if text.trim().eq_ignore_ascii_case("UNSPECIFIED") {
        return Some(None);
    }
    Level::parse(text).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_inherit_their_parents_level_as_in_loggo() -> Result<(), String> {
        let c = LoggingConfig::parse("<root>=WARNING;unit=DEBUG")?;
        assert_eq!(c.level_of("unit.hello/0.juju-log"), Level::Debug);
        assert_eq!(c.level_of("juju.worker.uniter.operation"), Level::Warning);
        assert!(c.records("unit.hello/0.install", Level::Debug));
        assert!(!c.records("juju.worker", Level::Info));
        let c = LoggingConfig::parse("DEBUG")?;
        assert_eq!(c.level_of("anything"), Level::Debug);
        let c = LoggingConfig::parse("")?;
        assert_eq!(c.level_of("x"), Level::Warning);
        let c = LoggingConfig::parse(DEFAULT_LOGGING_CONFIG)?;
        assert_eq!(c, LoggingConfig::default());
        assert_eq!(c.level_of("unit.x/0.juju-log"), Level::Info);
        Ok(())
    }

    #[test]
    fn bad_specifications_get_loggos_messages() {
        assert_eq!(
            LoggingConfig::parse("unit").unwrap_err(),
            "logger specification expected '=', found \"unit\""
        );
        assert_eq!(
            LoggingConfig::parse("unit=LOUD").unwrap_err(),
            "unknown severity level \"LOUD\""
        );
        assert_eq!(
            LoggingConfig::parse("=INFO").unwrap_err(),
            "logger specification \"=INFO\" has blank name or level"
        );
    }
}
