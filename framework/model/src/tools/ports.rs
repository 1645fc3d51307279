//! `open-port`, `close-port` and `opened-ports`.

use std::collections::BTreeMap;

use super::args::{Kind, Opt, Parsed};
use super::cmd::{check_empty, Body, Fail, Io, Spec, Tool};
use super::node::Node;
use super::output::{Output, FORMAT, OUTPUT};
use super::relation::{warn_deprecated_format, DEPRECATED_FORMAT};
use crate::context::{HookContextData, PortRange, Transactional};
use crate::gostr;
use charms_reactive_juju::ports;

const PORT_ARGS: &str = "<port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp";

const PORT_OPTS: &[Opt] = &[
    DEPRECATED_FORMAT,
    Opt {
        names: &["endpoints"],
        kind: Kind::Str,
        usage: "a comma-delimited list of application endpoints to target with this operation",
    },
];

pub(super) const TOOLS: &[Tool] = &[
    Tool {
        spec: Spec {
            name: "open-port",
            args: PORT_ARGS,
            purpose: "Register a request to open a port or port range.",
            doc: "open-port registers a request to open the specified port or port range.\n\
                  This operation is transactional, so changes will not be made unless the\n\
                  hook exits successfully.",
            opts: PORT_OPTS,
        },
        body: Body::Run(open_port),
    },
    Tool {
        spec: Spec {
            name: "close-port",
            args: PORT_ARGS,
            purpose: "Register a request to close a port or port range.",
            doc: "close-port registers a request to close the specified port or port range.",
            opts: PORT_OPTS,
        },
        body: Body::Run(close_port),
    },
    Tool {
        spec: Spec {
            name: "opened-ports",
            args: "",
            purpose: "List all ports or port ranges opened by the unit.",
            doc: "opened-ports lists all ports or port ranges opened by a unit.\n\
                  Opening ports is transactional (i.e. will take place on successfully exiting\n\
                  the current hook), and therefore opened-ports will not return any values for\n\
                  pending open-port operations run from within the same hook.",
            opts: &[
                FORMAT,
                OUTPUT,
                Opt {
                    names: &["endpoints"],
                    kind: Kind::Bool,
                    usage: "display the list of target application endpoints for each port range",
                },
            ],
        },
        body: Body::Run(opened_ports),
    },
];

fn open_port(p: &Parsed, ctx: &mut HookContextData, io: &mut Io) -> Result<(), Fail> {
    let port = port_request(p, io, "open-port")?;
    ctx.transactional.push(Transactional::OpenPort { port });
    Ok(())
}

fn close_port(p: &Parsed, ctx: &mut HookContextData, io: &mut Io) -> Result<(), Fail> {
    let port = port_request(p, io, "close-port")?;
    ctx.transactional.push(Transactional::ClosePort { port });
    Ok(())
}

/// The shared `Init` and start of `Run` of open-port and close-port.
fn port_request(p: &Parsed, io: &mut Io, name: &str) -> Result<PortRange, Fail> {
    let Some(spec) = p.args.first() else {
        return Err(Fail::Init("no port or range specified".to_string()));
    };
    let (protocol, from, to) = parse_port_range(&spec.to_lowercase()).map_err(Fail::Init)?;
    check_empty(&p.args[1..])?;
    warn_deprecated_format(p, io, name);
    // An empty entry in the list means "all endpoints" to Juju, as no list does.
    let listed: Vec<String> = p
        .string("endpoints")
        .unwrap_or_default()
        .split(',')
        .map(|e| e.trim().to_string())
        .collect();
    let endpoints = if listed.iter().any(String::is_empty) {
        Vec::new()
    } else {
        listed
    };
    Ok(PortRange {
        protocol,
        from,
        to,
        endpoints,
    })
}

/// `network.ParsePortRange` ([`ports::parse`]), with Go's spelling of its errors.
fn parse_port_range(spec: &str) -> Result<(String, u16, u16), String> {
    use ports::ParseError;
    let range = ports::parse(spec).map_err(|e| match e {
        ParseError::InvalidPort { port, out_of_range } => {
            let why = if out_of_range {
                "value out of range"
            } else {
                "invalid syntax"
            };
            let port = gostr::quote(&port);
            format!("invalid port {port}: strconv.Atoi: parsing {port}: {why}")
        }
        ParseError::InvalidRange { ports } => {
            format!("invalid port range {}", gostr::quote(&ports))
        }
        ParseError::InvalidProtocol { protocol } => format!(
            "invalid protocol {}, expected \"tcp\", \"udp\", or \"icmp\"",
            gostr::quote(&protocol)
        ),
        other => other.to_string(),
    })?;
    Ok((range.protocol.as_str().to_string(), range.from, range.to))
}

/// `PortRange.String`.
fn port_string(p: &PortRange) -> String {
    if p.protocol == "icmp" {
        "icmp".to_string()
    } else if p.from == p.to {
        format!("{}/{}", p.from, p.protocol)
    } else {
        format!("{}-{}/{}", p.from, p.to, p.protocol)
    }
}

fn opened_ports(p: &Parsed, ctx: &mut HookContextData, io: &mut Io) -> Result<(), Fail> {
    let out = Output::new(p, "smart");
    check_empty(&p.args)?;
    // Sorted by protocol, then ports; each range once, with the union of its
    // endpoints (`None` = all endpoints).
    let mut ranges: BTreeMap<(String, u16, u16), Option<Vec<String>>> = BTreeMap::new();
    for port in &ctx.opened_ports {
        let entry = ranges
            .entry((port.protocol.clone(), port.from, port.to))
            .or_insert_with(|| Some(Vec::new()));
        match entry {
            Some(list) if !port.endpoints.is_empty() => list.extend(port.endpoints.clone()),
            _ => *entry = None,
        }
    }
    let show_endpoints = p.flag("endpoints");
    let lines = ranges
        .into_iter()
        .map(|((protocol, from, to), endpoints)| {
            let text = port_string(&PortRange {
                protocol,
                from,
                to,
                endpoints: vec![],
            });
            if !show_endpoints {
                return text;
            }
            let described = match endpoints {
                None => "*".to_string(),
                Some(mut list) => {
                    list.sort();
                    list.dedup();
                    list.join(", ")
                }
            };
            format!("{text} ({described})")
        })
        .collect();
    out.write(io, &Node::Strings(lines))
}
