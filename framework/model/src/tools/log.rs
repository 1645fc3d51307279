//! `juju-log`.

use super::args::{Kind, Opt, Parsed};
use super::cmd::{Body, Fail, Io, Spec, Tool};
use super::relation::{warn_deprecated_format, DEPRECATED_FORMAT};
use crate::context::{HookContextData, Immediate};
use crate::gostr;

pub(super) const TOOLS: &[Tool] = &[Tool {
    spec: Spec {
        name: "juju-log",
        args: "<message>",
        purpose: "write a message to the juju log",
        doc: "",
        opts: &[
            Opt {
                names: &["debug"],
                kind: Kind::Bool,
                usage: "log at debug level",
            },
            Opt {
                names: &["l", "log-level"],
                kind: Kind::Str,
                usage: "Send log message at the given level",
            },
            DEPRECATED_FORMAT,
        ],
    },
    body: Body::Run(juju_log),
}];

/// loggo's level names (case-insensitive), as recorded.
fn parse_level(level: &str) -> Option<&'static str> {
    match level.to_ascii_uppercase().as_str() {
        "TRACE" => Some("TRACE"),
        "DEBUG" => Some("DEBUG"),
        "INFO" => Some("INFO"),
        "WARNING" | "WARN" => Some("WARNING"),
        "ERROR" => Some("ERROR"),
        "CRITICAL" => Some("CRITICAL"),
        _ => None,
    }
}

fn juju_log(p: &Parsed, ctx: &mut HookContextData, io: &mut Io) -> Result<(), Fail> {
    if p.args.is_empty() {
        return Err(Fail::Init("no message specified".to_string()));
    }
    let message = p.args.join(" ");
    warn_deprecated_format(p, io, "juju-log");
    let requested = p.string("l").unwrap_or("INFO");
    let level = if p.flag("debug") {
        "DEBUG"
    } else if requested.is_empty() {
        "INFO"
    } else if let Some(level) = parse_level(requested) {
        level
    } else {
        ctx.immediate.push(Immediate::Log {
            level: "WARNING".to_string(),
            message: format!(
                "Specified log level of {} is not valid",
                gostr::quote(requested)
            ),
        });
        "INFO"
    };
    let prefix = ctx
        .relation
        .as_ref()
        .and_then(|r| ctx.relation_key(r.id))
        .map(|key| format!("{key}: "))
        .unwrap_or_default();
    ctx.immediate.push(Immediate::Log {
        level: level.to_string(),
        message: format!("{prefix}{message}"),
    });
    Ok(())
}
