//! The syntax of unit files ([systemd.syntax(7)]): sections, `Key=Value` lines, comments,
//! line continuations; the merge of a unit file with its drop-ins (an empty assignment
//! resets a list); specifiers ([systemd.unit(5)], "Specifiers"); command lines
//! ([systemd.service(5)], "Command lines"); time spans ([systemd.time(7)]).
//!
//! [systemd.syntax(7)]: https://www.freedesktop.org/software/systemd/man/latest/systemd.syntax.html
//! [systemd.unit(5)]: https://www.freedesktop.org/software/systemd/man/latest/systemd.unit.html
//! [systemd.service(5)]: https://www.freedesktop.org/software/systemd/man/latest/systemd.service.html
//! [systemd.time(7)]: https://www.freedesktop.org/software/systemd/man/latest/systemd.time.html

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One `Key=Value` assignment and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Assignment {
    pub section: String,
    pub key: String,
    pub value: String,
    pub file: PathBuf,
    pub line: usize,
}

/// Parses one unit file or drop-in. Lines that are neither a section header, a comment nor an
/// assignment are errors naming the file and line.
pub(crate) fn parse(text: &str, file: &Path) -> Result<Vec<Assignment>, String> {
    let mut out = Vec::new();
    let mut section: Option<String> = None;
    let mut lines = text.lines().enumerate();
    while let Some((index, raw)) = lines.next() {
        let number = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) else {
                return Err(format!(
                    "{}:{number}: bad section header {line:?}",
                    file.display()
                ));
            };
            section = Some(name.to_string());
            continue;
        }
        // A trailing backslash continues the assignment on the next line (joined with a
        // space); comment lines inside a continuation are skipped.
        let mut joined = line.to_string();
        while joined.ends_with('\\') {
            joined.pop();
            let Some((_, next)) = lines.next() else { break };
            let next = next.trim();
            if next.starts_with('#') || next.starts_with(';') {
                joined.push('\\');
                continue;
            }
            joined.push(' ');
            joined.push_str(next);
        }
        let Some((key, value)) = joined.split_once('=') else {
            return Err(format!(
                "{}:{number}: expected Key=Value, found {line:?}",
                file.display()
            ));
        };
        let Some(section) = &section else {
            return Err(format!(
                "{}:{number}: assignment outside of any section",
                file.display()
            ));
        };
        out.push(Assignment {
            section: section.clone(),
            key: key.trim().to_string(),
            value: value.trim().to_string(),
            file: file.to_path_buf(),
            line: number,
        });
    }
    Ok(out)
}

/// A unit's settings after its file and drop-ins, in order: each key's values, where an empty
/// assignment has cleared the earlier ones (`ExecStart=` in a drop-in before a new one).
#[derive(Debug, Clone, Default)]
pub(crate) struct Settings {
    values: BTreeMap<(String, String), Vec<Assignment>>,
}

impl Settings {
    /// Merges assignments in the order given (the unit file first, then drop-ins).
    pub fn merge(assignments: impl IntoIterator<Item = Assignment>) -> Settings {
        let mut values: BTreeMap<(String, String), Vec<Assignment>> = BTreeMap::new();
        for a in assignments {
            let entry = values
                .entry((a.section.clone(), a.key.clone()))
                .or_default();
            if a.value.is_empty() {
                entry.clear();
            } else {
                entry.push(a);
            }
        }
        Settings { values }
    }

    /// Every value of `section`/`key`, in order.
    pub fn all(&self, section: &str, key: &str) -> Vec<&str> {
        self.values
            .get(&(section.to_string(), key.to_string()))
            .map(|v| v.iter().map(|a| a.value.as_str()).collect())
            .unwrap_or_default()
    }

    /// The last value of `section`/`key` (single-valued settings: the last one wins).
    pub fn last(&self, section: &str, key: &str) -> Option<&str> {
        self.values
            .get(&(section.to_string(), key.to_string()))
            .and_then(|v| v.last())
            .map(|a| a.value.as_str())
    }

    /// Every list value, split on whitespace (`Wants=a.service b.service`).
    pub fn words(&self, section: &str, key: &str) -> Vec<String> {
        self.all(section, key)
            .iter()
            .flat_map(|v| v.split_whitespace().map(str::to_string))
            .collect()
    }

    /// Every assignment, for checking which keys are supported.
    pub fn assignments(&self) -> impl Iterator<Item = &Assignment> {
        self.values.values().flatten()
    }
}

/// What specifiers expand to for one unit.
#[derive(Debug, Clone)]
pub(crate) struct SpecifierContext {
    /// Full unit name (`foo@bar.service`).
    pub unit: String,
    /// The host name.
    pub hostname: String,
}

/// Expands `%n`, `%N`, `%p`, `%i`, `%I`, `%f`, `%t`, `%S`, `%C`, `%L`, `%E`, `%T`, `%V`,
/// `%H`, `%l`, `%h` (root's), `%u` (root), `%%`. An unknown specifier is kept as written.
pub(crate) fn expand_specifiers(value: &str, ctx: &SpecifierContext) -> String {
    if !value.contains('%') {
        return value.to_string();
    }
    let unit = ctx.unit.as_str();
    let stem = unit.rsplit_once('.').map_or(unit, |(stem, _)| stem);
    let (prefix, instance) = match stem.split_once('@') {
        Some((p, i)) => (p, i),
        None => (stem, ""),
    };
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(spec) = chars.next() else {
            out.push('%');
            break;
        };
        let short_host = ctx.hostname.split('.').next().unwrap_or(&ctx.hostname);
        match spec {
            '%' => out.push('%'),
            'n' => out.push_str(unit),
            'N' => out.push_str(stem),
            'p' => out.push_str(prefix),
            'i' => out.push_str(instance),
            'I' => out.push_str(&unescape_name(instance)),
            'f' => {
                let name = if instance.is_empty() {
                    prefix
                } else {
                    instance
                };
                out.push('/');
                out.push_str(unescape_name(name).trim_start_matches('/'));
            }
            't' => out.push_str("/run"),
            'S' => out.push_str("/var/lib"),
            'C' => out.push_str("/var/cache"),
            'L' => out.push_str("/var/log"),
            'E' => out.push_str("/etc"),
            'T' => out.push_str("/tmp"),
            'V' => out.push_str("/var/tmp"),
            'H' => out.push_str(&ctx.hostname),
            'l' => out.push_str(short_host),
            'h' => out.push_str("/root"),
            'u' => out.push_str("root"),
            'U' => out.push('0'),
            other => {
                out.push('%');
                out.push(other);
            }
        }
    }
    out
}

/// Undoes systemd's name escaping: `-` is `/`, `\xNN` a byte.
fn unescape_name(name: &str) -> String {
    let mut out = Vec::new();
    let bytes = name.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'-' {
            out.push(b'/');
        } else if bytes[i] == b'\\' && i + 3 < bytes.len() && bytes[i + 1] == b'x' {
            match u8::from_str_radix(&name[i + 2..i + 4], 16) {
                Ok(b) => {
                    out.push(b);
                    i += 3;
                }
                Err(_) => out.push(b'\\'),
            }
        } else {
            out.push(bytes[i]);
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One command line of `ExecStart=` and friends, with its prefixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExecCommand {
    /// The program (absolute, or a name looked up on systemd's fixed search path).
    pub path: String,
    /// `argv`, `argv[0]` included.
    pub argv: Vec<String>,
    /// `-`: a failure is recorded but ignored.
    pub ignore_failure: bool,
    /// `+` (or `!`, `!!`): run with full privileges, ignoring `User=`/`Group=`.
    pub privileged: bool,
    /// `:`: no environment variable substitution.
    pub no_env_expansion: bool,
}

/// Splits one command line into words (quotes and C escapes as systemd takes them) and reads
/// its prefixes. `$VAR`/`${VAR}` are left for [`substitute_env`] at run time.
pub(crate) fn parse_exec(value: &str) -> Result<ExecCommand, String> {
    let mut rest = value.trim_start();
    let (mut ignore_failure, mut privileged, mut no_env_expansion, mut at) =
        (false, false, false, false);
    loop {
        match rest.chars().next() {
            Some('-') => ignore_failure = true,
            Some('+') | Some('!') => privileged = true,
            Some(':') => no_env_expansion = true,
            Some('@') => at = true,
            Some('|') => return Err(format!("{value:?}: the `|` prefix is not supported")),
            _ => break,
        }
        rest = &rest[1..];
    }
    let words = split_words(rest).map_err(|e| format!("{value:?}: {e}"))?;
    let mut words = words.into_iter();
    let Some(path) = words.next() else {
        return Err(format!("{value:?}: no command"));
    };
    let mut argv: Vec<String> = Vec::new();
    if at {
        let Some(argv0) = words.next() else {
            return Err(format!("{value:?}: `@` needs argv[0] after the program"));
        };
        argv.push(argv0);
    } else {
        argv.push(path.clone());
    }
    argv.extend(words);
    if argv.iter().any(|w| w == ";") {
        return Err(format!(
            "{value:?}: several commands on one line (`;`) are not supported"
        ));
    }
    Ok(ExecCommand {
        path,
        argv,
        ignore_failure,
        privileged,
        no_env_expansion,
    })
}

/// Splits on whitespace, honouring double and single quotes and C-style backslash escapes.
pub(crate) fn split_words(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Ok(words);
        }
        let mut word = String::new();
        let mut quote: Option<char> = None;
        while let Some(c) = chars.next() {
            match (c, quote) {
                ('\\', _) => match chars.next() {
                    Some('n') => word.push('\n'),
                    Some('t') => word.push('\t'),
                    Some('r') => word.push('\r'),
                    Some('a') => word.push('\x07'),
                    Some('b') => word.push('\x08'),
                    Some('f') => word.push('\x0c'),
                    Some('v') => word.push('\x0b'),
                    Some('s') => word.push(' '),
                    Some(other) => word.push(other),
                    None => return Err("trailing backslash".into()),
                },
                ('"' | '\'', None) => quote = Some(c),
                (q, Some(open)) if q == open => quote = None,
                (w, None) if w.is_whitespace() => break,
                (other, _) => word.push(other),
            }
        }
        if let Some(open) = quote {
            return Err(format!("unterminated {open} quote"));
        }
        words.push(word);
    }
}

/// Substitutes `${VAR}` (inside a word) and `$VAR` (a whole word: split on whitespace into
/// several words) from `env`; `$$` is a literal `$`. Unset variables are empty.
pub(crate) fn substitute_env(argv: &[String], env: &[(String, String)]) -> Vec<String> {
    let lookup = |name: &str| -> String {
        env.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for word in argv {
        if let Some(name) = word.strip_prefix('$') {
            if !name.is_empty()
                && !name.starts_with('{')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                out.extend(lookup(name).split_whitespace().map(str::to_string));
                continue;
            }
        }
        let mut s = String::new();
        let mut rest = word.as_str();
        while let Some(pos) = rest.find('$') {
            s.push_str(&rest[..pos]);
            rest = &rest[pos + 1..];
            if let Some(after) = rest.strip_prefix('$') {
                s.push('$');
                rest = after;
            } else if let Some(after) = rest.strip_prefix('{') {
                match after.find('}') {
                    Some(end) => {
                        s.push_str(&lookup(&after[..end]));
                        rest = &after[end + 1..];
                    }
                    None => {
                        s.push_str("${");
                        rest = after;
                    }
                }
            } else {
                s.push('$');
            }
        }
        s.push_str(rest);
        out.push(s);
    }
    out
}

/// Parses a time span: `90`, `5s`, `1min 30s`, `500ms`, `2h`; `infinity` (and `0` where the
/// setting says so) is `None`.
pub(crate) fn parse_timespan(value: &str) -> Result<Option<Duration>, String> {
    let value = value.trim();
    if value == "infinity" {
        return Ok(None);
    }
    let mut total = Duration::ZERO;
    let mut rest = value;
    if rest.is_empty() {
        return Err("empty time span".into());
    }
    while !rest.is_empty() {
        rest = rest.trim_start();
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!("bad time span {value:?}"));
        }
        let number: f64 = rest[..digits]
            .parse()
            .map_err(|_| format!("bad time span {value:?}"))?;
        rest = rest[digits..].trim_start();
        let unit_len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let seconds = match unit {
            "" | "s" | "sec" | "second" | "seconds" => 1.0,
            "us" | "usec" | "µs" => 1e-6,
            "ms" | "msec" => 1e-3,
            "m" | "min" | "minute" | "minutes" => 60.0,
            "h" | "hr" | "hour" | "hours" => 3600.0,
            "d" | "day" | "days" => 86400.0,
            "w" | "week" | "weeks" => 604800.0,
            "M" | "month" | "months" => 2_629_800.0,
            "y" | "year" | "years" => 31_557_600.0,
            other => return Err(format!("bad time unit {other:?} in {value:?}")),
        };
        total += Duration::from_secs_f64(number * seconds);
    }
    Ok(Some(total))
}

/// Parses a boolean as systemd does (`yes`/`no`, `true`/`false`, `on`/`off`, `1`/`0`).
pub(crate) fn parse_bool(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "yes" | "y" | "true" | "t" | "on" => Ok(true),
        "0" | "no" | "n" | "false" | "f" | "off" => Ok(false),
        _ => Err(format!("{value:?} is not a boolean")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> PathBuf {
        PathBuf::from("/lib/systemd/system/x.service")
    }

    #[test]
    fn sections_comments_and_continuations() {
        let text = "# comment\n[Unit]\nDescription = A thing \n; other comment\n\
                    [Service]\nExecStart=/bin/echo a \\\n  b\\\n# skipped\n  c\n";
        let a = parse(text, &file()).expect("parses");
        assert_eq!(a.len(), 2);
        assert_eq!(
            (
                a[0].section.as_str(),
                a[0].key.as_str(),
                a[0].value.as_str()
            ),
            ("Unit", "Description", "A thing")
        );
        // The backslash becomes a space, as in systemd.
        assert_eq!(a[1].value, "/bin/echo a  b c");
        assert_eq!(a[1].line, 6);
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse("[Service]\nnonsense\n", &file()).expect_err("fails");
        assert_eq!(
            e,
            "/lib/systemd/system/x.service:2: expected Key=Value, found \"nonsense\""
        );
        let e = parse("A=b\n", &file()).expect_err("fails");
        assert!(e.contains(":1: assignment outside of any section"), "{e}");
    }

    #[test]
    fn drop_ins_override_and_empty_assignments_reset_lists() {
        let unit = parse(
            "[Service]\nExecStart=/bin/a\nLimitNOFILE=10\nEnvironment=A=1\n",
            &file(),
        )
        .expect("unit");
        let drop_in = parse(
            "[Service]\nExecStart=\nExecStart=/bin/b\nLimitNOFILE=20\nEnvironment=B=2\n",
            Path::new("/etc/systemd/system/x.service.d/override.conf"),
        )
        .expect("drop-in");
        let s = Settings::merge(unit.into_iter().chain(drop_in));
        assert_eq!(s.all("Service", "ExecStart"), ["/bin/b"]);
        assert_eq!(s.last("Service", "LimitNOFILE"), Some("20"));
        assert_eq!(s.all("Service", "Environment"), ["A=1", "B=2"]);
    }

    #[test]
    fn specifiers() {
        let ctx = SpecifierContext {
            unit: "getty@tty1.service".into(),
            hostname: "m-0.example".into(),
        };
        assert_eq!(
            expand_specifiers("%n %N %p %i %t/%p %H %l 100%%", &ctx),
            "getty@tty1.service getty@tty1 getty tty1 /run/getty m-0.example m-0 100%"
        );
    }

    #[test]
    fn command_lines() {
        let c = parse_exec("-+/bin/sh -c 'echo \"a b\"; exit 1' x\\ty").expect("parses");
        assert!(c.ignore_failure && c.privileged);
        assert_eq!(c.path, "/bin/sh");
        assert_eq!(c.argv, ["/bin/sh", "-c", "echo \"a b\"; exit 1", "x\ty"]);
        let c = parse_exec("@/usr/sbin/daemon my-name --flag").expect("parses");
        assert_eq!(c.path, "/usr/sbin/daemon");
        assert_eq!(c.argv, ["my-name", "--flag"]);
        assert!(parse_exec("/bin/a ; /bin/b").is_err());
        assert!(parse_exec("/bin/echo 'open").is_err());
    }

    #[test]
    fn environment_substitution() {
        let env = vec![
            ("OPTS".to_string(), "-a  -b".to_string()),
            ("D".to_string(), "/srv".to_string()),
        ];
        let argv: Vec<String> = ["/bin/x", "$OPTS", "--dir=${D}/x", "$$HOME", "${NONE}"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            substitute_env(&argv, &env),
            ["/bin/x", "-a", "-b", "--dir=/srv/x", "$HOME", ""]
        );
    }

    #[test]
    fn time_spans_and_booleans() {
        assert_eq!(parse_timespan("90"), Ok(Some(Duration::from_secs(90))));
        assert_eq!(
            parse_timespan("1min 30s"),
            Ok(Some(Duration::from_secs(90)))
        );
        assert_eq!(
            parse_timespan("500ms"),
            Ok(Some(Duration::from_millis(500)))
        );
        assert_eq!(parse_timespan("infinity"), Ok(None));
        assert!(parse_timespan("soon").is_err());
        assert_eq!(parse_bool("yes"), Ok(true));
        assert_eq!(parse_bool("off"), Ok(false));
        assert!(parse_bool("maybe").is_err());
    }
}
