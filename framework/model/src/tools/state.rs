//! `state-get`, `state-set` and `state-delete`: the unit's controller-side state.
//! Writes are transactional; reads in the same hook see them.

use super::args::{Kind, Opt, Parsed};
use super::cmd::{check_empty, Body, Fail, Io, Spec, Tool};
use super::keyvalues;
use super::node::Node;
use super::output::{Output, FORMAT, OUTPUT};
use super::relation::read_settings;
use crate::context::{HookContextData, Transactional};
use crate::gostr;

/// Juju's fixed quota on state keys (bytes).
const MAX_KEY_SIZE: usize = 256;
/// Juju's fixed quota on state values (bytes).
const MAX_VALUE_SIZE: usize = 64 * 1024;

pub(super) const TOOLS: &[Tool] = &[
    Tool {
        spec: Spec {
            name: "state-get",
            args: "[<key>]",
            purpose: "print server-side-state value",
            doc: "state-get prints the value of the server side state specified by key.\n\
                  If no key is given, or if the key is \"-\", all keys and values will be printed.",
            opts: &[
                FORMAT,
                OUTPUT,
                Opt {
                    names: &["strict"],
                    kind: Kind::Bool,
                    usage: "Return an error if the requested key does not exist",
                },
            ],
        },
        body: Body::Run(state_get),
    },
    Tool {
        spec: Spec {
            name: "state-set",
            args: "key=value [key=value ...]",
            purpose: "set server-side-state values",
            doc: "state-set sets the value of the server side state specified by key.\n\n\
                  The --file option should be used when one or more key-value pairs\n\
                  are too long to fit within the command length limit of the shell\n\
                  or operating system. The file will contain a YAML map containing\n\
                  the settings as strings.  Settings in the file will be overridden\n\
                  by any duplicate key-value arguments. A value of \"-\" for the filename\n\
                  means <stdin>.",
            opts: &[Opt {
                names: &["file"],
                kind: Kind::Str,
                usage: "file containing key-value pairs",
            }],
        },
        body: Body::Run(state_set),
    },
    Tool {
        spec: Spec {
            name: "state-delete",
            args: "<key>",
            purpose: "delete server-side-state key value pair",
            doc: "state-delete deletes the value of the server side state specified by key.",
            opts: &[],
        },
        body: Body::Run(state_delete),
    },
];

fn state_get(p: &Parsed, ctx: &mut HookContextData, io: &mut Io) -> Result<(), Fail> {
    let out = Output::new(p, "smart");
    let key = match p.args.first().map(String::as_str) {
        None | Some("-") => "",
        Some(k) => k,
    };
    check_empty(p.args.get(1..).unwrap_or_default())?;
    let node = if key.is_empty() {
        // An empty state reads as nil (nothing, or `null` in json).
        if ctx.state.is_empty() {
            Node::Nil
        } else {
            Node::bag(&ctx.state)
        }
    } else {
        match ctx.state.get(key) {
            Some(value) => Node::Str(value.clone()),
            None if p.flag("strict") => {
                return Err(Fail::Run(format!("{} not found", gostr::quote(key))))
            }
            None => Node::Nil,
        }
    };
    out.write(io, &node)
}

fn state_set(p: &Parsed, ctx: &mut HookContextData, io: &mut Io) -> Result<(), Fail> {
    let overrides = keyvalues::parse(&p.args).map_err(Fail::Init)?;
    let mut settings = match p.string("file").filter(|f| !f.is_empty()) {
        Some(path) => {
            let data = io.read_file_arg(path)?;
            read_settings(&data)?
        }
        None => Default::default(),
    };
    settings.extend(overrides);
    for (key, value) in &settings {
        if key.len() > MAX_KEY_SIZE {
            return Err(Fail::Run(format!(
                "max allowed key length ({MAX_KEY_SIZE}) exceeded"
            )));
        }
        if value.len() > MAX_VALUE_SIZE {
            return Err(Fail::Run(format!(
                "max allowed value length ({MAX_VALUE_SIZE}) exceeded"
            )));
        }
    }
    if settings.is_empty() {
        return Ok(());
    }
    // Juju's hook context stores an empty value as such; it does not delete.
    ctx.state
        .extend(settings.iter().map(|(k, v)| (k.clone(), v.clone())));
    ctx.transactional.push(Transactional::StateSet { settings });
    Ok(())
}

fn state_delete(p: &Parsed, ctx: &mut HookContextData, _io: &mut Io) -> Result<(), Fail> {
    let key = p.args.first().cloned().unwrap_or_default();
    check_empty(p.args.get(1..).unwrap_or_default())?;
    if key.is_empty() {
        return Ok(());
    }
    ctx.state.remove(&key);
    ctx.transactional.push(Transactional::StateDelete { key });
    Ok(())
}
