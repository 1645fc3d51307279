//! Reading the model's logs: the hook log, and the debug log as `juju debug-log` shows
//! it (which records, the entity and time shown, following the log as hooks write it).

use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;

use super::ModelView;
use crate::logging_config::Level;
use crate::logs::read_log;
pub use crate::logs::LogLine;

impl ModelView {
    /// The hook log: one line per hook run (`<seq> <unit> <hook>[(<remote>)] …`); empty
    /// before the first hook. The error names the file.
    pub fn hook_log(&self) -> anyhow::Result<String> {
        read_log(&self.paths.hook_log())
    }

    /// The debug log's lines as stored (`<unit> <time> <LEVEL> <module> <text>`), all or
    /// only `unit`'s; none before the first hook. The error names the file.
    pub fn debug_log(&self, unit: Option<&str>) -> anyhow::Result<Vec<String>> {
        let text = read_log(&self.paths.debug_log())?;
        Ok(text
            .lines()
            .filter(|l| unit.is_none_or(|u| l.starts_with(&format!("{u} "))))
            .map(str::to_string)
            .collect())
    }

    /// A reader of the debug log from its start, which then gives each line as it is
    /// written.
    pub fn follow_debug_log(&self) -> DebugLogFollower {
        DebugLogFollower {
            path: self.paths.debug_log(),
            offset: 0,
            partial: Vec::new(),
        }
    }
}

/// Reads the debug log as it grows: each call to [`DebugLogFollower::next_lines`]
/// returns the complete lines written since the last.
#[derive(Debug)]
pub struct DebugLogFollower {
    path: PathBuf,
    offset: u64,
    partial: Vec<u8>,
}

impl DebugLogFollower {
    /// The lines written since the last call (all of them the first time); lines of
    /// another shape are skipped. The error names the file.
    pub fn next_lines(&mut self) -> anyhow::Result<Vec<LogLine>> {
        let mut file = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(
                    anyhow::Error::new(e).context(format!("reading {}", self.path.display()))
                )
            }
        };
        let mut buf = Vec::new();
        file.seek(SeekFrom::Start(self.offset))
            .and_then(|_| file.read_to_end(&mut buf))
            .map_err(|e| {
                anyhow::Error::new(e).context(format!("reading {}", self.path.display()))
            })?;
        self.offset += buf.len() as u64;
        self.partial.extend_from_slice(&buf);
        // Only complete lines: a record being written is read next time.
        let Some(end) = self.partial.iter().rposition(|&b| b == b'\n') else {
            return Ok(Vec::new());
        };
        let complete: Vec<u8> = self.partial.drain(..=end).collect();
        Ok(String::from_utf8_lossy(&complete)
            .lines()
            .filter_map(LogLine::parse)
            .collect())
    }
}

/// Which records `debug-log` shows, chosen as `juju debug-log`'s options choose them:
/// every include option ORed, every exclude option ORed, the kinds ANDed.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    /// `--include`: units (`app/n`), applications (`app`, all its units), entity tags
    /// (`unit-app-0`), with `*` wildcards on tags.
    pub include: Vec<String>,
    /// `--exclude`: as `include`.
    pub exclude: Vec<String>,
    /// `--include-module`: module names or their prefixes (`juju.worker.uniter`).
    pub include_module: Vec<String>,
    /// `--exclude-module`: as `include_module`.
    pub exclude_module: Vec<String>,
    /// `--level`: this level and more severe.
    pub level: Option<Level>,
}

impl LogFilter {
    /// Checks `--level`'s value as Juju does (TRACE to ERROR); the error is Juju's.
    pub fn parse_level(text: &str) -> anyhow::Result<Level> {
        match Level::parse(text) {
            Some(l) if l <= Level::Error => Ok(l),
            _ => anyhow::bail!(
                "level value {text:?} is not one of \"TRACE\", \"DEBUG\", \"INFO\", \"WARNING\", \"ERROR\""
            ),
        }
    }

    /// Whether `line` is shown.
    pub fn shows(&self, line: &LogLine) -> bool {
        let tag = entity_tag(&line.unit);
        let entity = |patterns: &[String]| patterns.iter().any(|p| glob(&entity_pattern(p), &tag));
        let module = |prefixes: &[String]| {
            prefixes
                .iter()
                .any(|p| line.module == *p || line.module.starts_with(&format!("{p}.")))
        };
        (self.include.is_empty() || entity(&self.include))
            && !entity(&self.exclude)
            && (self.include_module.is_empty() || module(&self.include_module))
            && !module(&self.exclude_module)
            && self
                .level
                .is_none_or(|l| Level::parse(&line.level).is_some_and(|have| have >= l))
    }
}

/// A unit's entity tag, as debug-log names it: `hello/0` → `unit-hello-0`.
pub fn entity_tag(unit: &str) -> String {
    format!("unit-{}", unit.replace('/', "-"))
}

/// An `--include`/`--exclude` value as Juju reads it: a pattern on entity tags.
fn entity_pattern(entity: &str) -> String {
    let is_tag = ["unit-", "application-", "machine-"]
        .iter()
        .any(|p| entity.starts_with(p));
    if entity.contains('*') || is_tag {
        entity.to_string()
    } else if !entity.is_empty() && entity.bytes().all(|b| b.is_ascii_digit()) {
        format!("machine-{entity}")
    } else if let Some((app, n)) = entity.split_once('/') {
        format!("unit-{app}-{n}")
    } else {
        // An application: all its units.
        format!("unit-{entity}-*")
    }
}

/// `*` matches any run of characters; everything else itself.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            let Some(after) = text.strip_prefix(head) else {
                return false;
            };
            (0..=after.len())
                .filter(|i| after.is_char_boundary(*i))
                .any(|i| glob(rest, &after[i..]))
        }
    }
}

/// How `debug-log` prints a record's time (`juju debug-log`'s `--utc`, `--date`,
/// `--ms`): `HH:MM:SS` by default, in local time.
#[derive(Debug, Clone, Copy, Default)]
pub struct TimeFormat {
    /// Show times in UTC instead of local time.
    pub utc: bool,
    /// Show the date too (`YYYY-MM-DD HH:MM:SS`).
    pub date: bool,
    /// Show milliseconds (`HH:MM:SS.mmm`).
    pub ms: bool,
}

impl LogLine {
    /// The line as `juju debug-log` prints a record:
    /// `unit-hello-0: 12:01:02 INFO unit.hello/0.juju-log Hello`.
    pub fn render(&self, time: TimeFormat) -> String {
        format!(
            "{}: {} {} {} {}",
            entity_tag(&self.unit),
            self.display_time(time),
            self.level,
            self.module,
            self.text
        )
    }

    /// The record's time as `format` asks.
    pub fn display_time(&self, format: TimeFormat) -> String {
        // Stored as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
        let micros: u32 = self
            .time
            .get(20..26)
            .and_then(|m| m.parse().ok())
            .unwrap_or(0);
        let (date, clock) = match (format.utc, crate::secret::parse_time(&self.time)) {
            (false, Some(secs)) => local_time(secs),
            _ => (
                self.time.get(..10).unwrap_or_default().to_string(),
                self.time.get(11..19).unwrap_or_default().to_string(),
            ),
        };
        let mut out = if format.date {
            format!("{date} {clock}")
        } else {
            clock
        };
        if format.ms {
            out.push_str(&format!(".{:03}", micros / 1000));
        }
        out
    }
}

/// `secs` since the epoch in the host's time zone: (`YYYY-MM-DD`, `HH:MM:SS`); in UTC
/// if the C library cannot say.
fn local_time(secs: i64) -> (String, String) {
    let utc = || {
        let t = crate::secret::format_time(secs);
        let part = |r: std::ops::Range<usize>| t.get(r).unwrap_or_default().to_string();
        (part(0..10), part(11..19))
    };
    // The type is the C library's `time_t` (inferred from the call below): `i64` on
    // glibc, where the conversion is a no-op, narrower on some other C libraries.
    #[allow(clippy::useless_conversion)]
    let Some(t) = secs.try_into().ok() else {
        return utc();
    };
    // SAFETY: `tm` is plain data, fully written by localtime_r on success.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid for the call.
    if unsafe { libc::localtime_r(&t, &mut tm) }.is_null() {
        return utc();
    }
    (
        format!(
            "{:04}-{:02}-{:02}",
            tm.tm_year + 1900,
            tm.tm_mon + 1,
            tm.tm_mday
        ),
        format!("{:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min, tm.tm_sec),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(unit: &str, level: &str, module: &str) -> LogLine {
        LogLine {
            unit: unit.into(),
            time: "2025-01-01T12:01:02.345678Z".into(),
            level: level.into(),
            module: module.into(),
            text: "Hello".into(),
        }
    }

    #[test]
    fn entities_and_modules_filter_as_juju_debug_log_does() {
        let l = line("hello/0", "INFO", "unit.hello/0.juju-log");
        let f = |include: &[&str], exclude: &[&str]| LogFilter {
            include: include.iter().map(|s| s.to_string()).collect(),
            exclude: exclude.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        assert!(f(&[], &[]).shows(&l));
        for shown in ["hello/0", "hello", "unit-hello-0", "unit-hel*"] {
            assert!(f(&[shown], &[]).shows(&l), "{shown}");
            assert!(!f(&[], &[shown]).shows(&l), "{shown}");
        }
        for other in ["hello/1", "hell", "0", "unit-world-*"] {
            assert!(!f(&[other], &[]).shows(&l), "{other}");
        }
        let m = LogFilter {
            include_module: vec!["unit".into()],
            level: Some(Level::Warning),
            ..Default::default()
        };
        assert!(!m.shows(&l), "INFO is below WARNING");
        assert!(m.shows(&line("hello/0", "ERROR", "unit.hello/0.install")));
        assert!(!m.shows(&line("hello/0", "ERROR", "juju.worker.uniter.operation")));
        assert!(!m.shows(&line("hello/0", "ERROR", "units.x")));
        assert_eq!(
            LogFilter::parse_level("loud").unwrap_err().to_string(),
            "level value \"loud\" is not one of \"TRACE\", \"DEBUG\", \"INFO\", \"WARNING\", \"ERROR\""
        );
    }

    #[test]
    fn records_render_as_juju_debug_log_prints_them() {
        let l = line("hello/0", "INFO", "unit.hello/0.juju-log");
        let utc = TimeFormat {
            utc: true,
            ..Default::default()
        };
        assert_eq!(
            l.render(utc),
            "unit-hello-0: 12:01:02 INFO unit.hello/0.juju-log Hello"
        );
        let full = TimeFormat {
            utc: true,
            date: true,
            ms: true,
        };
        assert_eq!(l.display_time(full), "2025-01-01 12:01:02.345");
    }
}
