//! Option parsing as `juju/gnuflag` does it for hook tools: GNU-style short and long
//! options anywhere among the arguments, `--` ending them, and errors worded with
//! "option" (hook tools set `FlagKnownAs = "option"`).

use std::collections::BTreeMap;

use crate::context::HookContextData;
use crate::gostr;

/// How an option takes its value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    /// A bool: `--x`, or `--x=<ParseBool value>`.
    Bool,
    /// Any string.
    Str,
    /// `--format`: one of the listed formatter names.
    Format(&'static [&'static str]),
    /// `-r`/`--relation`: a relation id known to the context.
    Relation,
    /// A Go `int` (`strconv.ParseInt`, base 10 here).
    Int,
}

/// One option; all its names share one value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Opt {
    /// Names without dashes; one-letter names are short options.
    pub names: &'static [&'static str],
    /// How it takes its value.
    pub kind: Kind,
    /// Help text.
    pub usage: &'static str,
}

/// A parsed option value.
#[derive(Debug, Clone)]
enum Value {
    Bool(bool),
    Str(String),
    Relation(u32),
}

/// The options given and the positional arguments left.
#[derive(Debug, Clone, Default)]
pub(crate) struct Parsed {
    values: BTreeMap<&'static str, Value>,
    /// Positional arguments, in order.
    pub args: Vec<String>,
}

impl Parsed {
    /// Whether a bool option ended up true.
    pub(crate) fn flag(&self, name: &str) -> bool {
        matches!(self.values.get(name), Some(Value::Bool(true)))
    }

    /// A string option's value, if given.
    pub(crate) fn string(&self, name: &str) -> Option<&str> {
        match self.values.get(name) {
            Some(Value::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// An int option's value, if given.
    pub(crate) fn int(&self, name: &str) -> Option<i64> {
        self.string(name).and_then(|s| s.parse().ok())
    }

    /// A relation option's id, if given.
    pub(crate) fn relation(&self, name: &str) -> Option<u32> {
        match self.values.get(name) {
            Some(Value::Relation(id)) => Some(*id),
            _ => None,
        }
    }
}

/// Why parsing stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// `-h` or `--help`.
    Help,
    /// A usage error (printed as `ERROR <msg>`, exit 2).
    Invalid(String),
}

/// Parses `args` against `opts`; values are checked as they are met, so the first
/// bad option in argument order is the one reported, as gnuflag does.
pub(crate) fn parse(
    opts: &[Opt],
    args: &[String],
    ctx: &HookContextData,
) -> Result<Parsed, ParseError> {
    let mut parsed = Parsed::default();
    let mut i = 0;
    // Rest of a cluster of short options (`-ab`), or `=value` after a long one.
    let mut pending = String::new();
    loop {
        let (name, long) = if let Some(c) = pending.chars().next() {
            pending.drain(..c.len_utf8());
            (c.to_string(), false)
        } else {
            let Some(arg) = args.get(i) else { break };
            if arg == "--" {
                parsed.args.extend(args[i + 1..].iter().cloned());
                break;
            }
            i += 1;
            if arg.is_empty() || arg == "-" || !arg.starts_with('-') {
                parsed.args.push(arg.clone());
                continue;
            }
            if let Some(body) = arg.strip_prefix("--") {
                match body.find('=') {
                    Some(0) => {
                        return Err(ParseError::Invalid(format!(
                            "empty flag in argument {}",
                            gostr::quote(arg)
                        )))
                    }
                    Some(eq) => {
                        pending = body[eq..].to_string();
                        (body[..eq].to_string(), true)
                    }
                    None => (body.to_string(), true),
                }
            } else {
                let body = &arg[1..];
                let first = body.chars().next().map_or(0, char::len_utf8);
                pending = body[first..].to_string();
                (body[..first].to_string(), false)
            }
        };
        let Some(opt) = opts.iter().find(|o| o.names.contains(&name.as_str())) else {
            if name == "help" || name == "h" {
                return Err(ParseError::Help);
            }
            return Err(ParseError::Invalid(format!(
                "option provided but not defined: {}",
                with_dashes(&name)
            )));
        };
        let key = opt.names[0];
        if matches!(opt.kind, Kind::Bool) && !pending.starts_with('=') {
            parsed.values.insert(key, Value::Bool(true));
            continue;
        }
        let value = if !pending.is_empty() {
            let v = std::mem::take(&mut pending);
            if long {
                v[1..].to_string()
            } else {
                v
            }
        } else if let Some(next) = args.get(i) {
            i += 1;
            next.clone()
        } else {
            return Err(ParseError::Invalid(format!(
                "option needs an argument: {}",
                with_dashes(&name)
            )));
        };
        let set = match opt.kind {
            Kind::Bool => gostr::parse_bool(&value).map(Value::Bool),
            Kind::Str => Ok(Value::Str(value.clone())),
            Kind::Format(choices) => {
                if choices.contains(&value.as_str()) {
                    Ok(Value::Str(value.clone()))
                } else {
                    Err(format!("unknown format {}", gostr::quote(&value)))
                }
            }
            Kind::Relation => relation_id(ctx, &value).map(Value::Relation),
            Kind::Int => gostr::atoi(&value)
                .map(|n| Value::Str(n.to_string()))
                .map_err(|e| e.replace("strconv.Atoi", "strconv.ParseInt")),
        };
        match set {
            Ok(v) => {
                parsed.values.insert(key, v);
            }
            Err(e) => {
                return Err(ParseError::Invalid(format!(
                    "invalid value {} for option {}: {e}",
                    gostr::quote(&value),
                    with_dashes(&name)
                )))
            }
        }
    }
    Ok(parsed)
}

/// gnuflag's `flagWithMinus`: `-r` for one-letter names, `--relation` otherwise.
fn with_dashes(name: &str) -> String {
    if name.len() > 1 {
        format!("--{name}")
    } else {
        format!("-{name}")
    }
}

/// A `-r` value: `N` or `endpoint:N`. Like Juju 3.6, only the number after the last
/// `:` counts; the endpoint text is not checked.
fn relation_id(ctx: &HookContextData, value: &str) -> Result<u32, String> {
    let number = value.rsplit(':').next().unwrap_or(value);
    let id = gostr::atoi(number).map_err(|_| "invalid relation id".to_string())?;
    u32::try_from(id)
        .ok()
        .filter(|id| ctx.relations.contains_key(id))
        .ok_or_else(|| "relation not found".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTS: &[Opt] = &[
        Opt {
            names: &["app"],
            kind: Kind::Bool,
            usage: "",
        },
        Opt {
            names: &["o", "output"],
            kind: Kind::Str,
            usage: "",
        },
        Opt {
            names: &["a", "all"],
            kind: Kind::Bool,
            usage: "",
        },
    ];

    fn run(args: &[&str]) -> Result<Parsed, ParseError> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse(OPTS, &args, &HookContextData::default())
    }

    #[test]
    fn gnu_style() {
        let p = run(&["x", "-a", "--app=false", "y", "--", "-a"]).unwrap_or_default();
        assert_eq!(p.args, vec!["x", "y", "-a"]);
        assert!(p.flag("a"));
        assert!(!p.flag("app"));
        assert_eq!(
            run(&["-ao", "f"])
                .ok()
                .and_then(|p| p.string("o").map(String::from)),
            Some("f".into())
        );
        assert_eq!(
            run(&["--output"]).err(),
            Some(ParseError::Invalid(
                "option needs an argument: --output".into()
            ))
        );
        assert_eq!(
            run(&["-x"]).err(),
            Some(ParseError::Invalid(
                "option provided but not defined: -x".into()
            ))
        );
        assert_eq!(
            run(&["--=x"]).err(),
            Some(ParseError::Invalid(
                "empty flag in argument \"--=x\"".into()
            ))
        );
        assert_eq!(run(&["--help"]).err(), Some(ParseError::Help));
    }
}
