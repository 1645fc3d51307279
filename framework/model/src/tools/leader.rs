//! `leader-get`, `leader-set` and `is-leader`.

use super::args::Parsed;
use super::cmd::{check_empty, Body, Fail, Io, Spec, Tool};
use super::keyvalues;
use super::node::Node;
use super::output::{Output, FORMAT, OUTPUT};
use crate::context::{HookContextData, Immediate};
use crate::gostr;
use charms_reactive_juju::settings::merge;

pub(super) const TOOLS: &[Tool] = &[
    Tool {
        spec: Spec {
            name: "leader-get",
            args: "[<key>]",
            purpose: "print application leadership settings",
            doc: "leader-get prints the value of a leadership setting specified by key. If no key\n\
                  is given, or if the key is \"-\", all keys and values will be printed.",
            opts: &[FORMAT, OUTPUT],
        },
        body: Body::Run(leader_get),
    },
    Tool {
        spec: Spec {
            name: "leader-set",
            args: "<key>=<value> [...]",
            purpose: "Write application leadership settings.",
            doc: "leader-set immediate writes the supplied key/value pairs to the controller,\n\
                  which will then inform non-leader units of the change. It will fail if called\n\
                  without arguments, or if called by a unit that is not currently application leader.",
            opts: &[],
        },
        body: Body::Run(leader_set),
    },
    Tool {
        spec: Spec {
            name: "is-leader",
            args: "",
            purpose: "Print application leadership status.",
            doc: "is-leader prints a boolean indicating whether the local unit is guaranteed to\n\
                  be application leader for at least 30 seconds. If it fails, you should assume that\n\
                  there is no such guarantee.",
            opts: &[FORMAT, OUTPUT],
        },
        body: Body::Run(is_leader),
    },
];

fn leader_get(p: &Parsed, ctx: &mut HookContextData, io: &mut Io) -> Result<(), Fail> {
    let out = Output::new(p, "smart");
    let key = match p.args.first().map(String::as_str) {
        None | Some("-") => "",
        Some(k) if k.contains('=') => {
            return Err(Fail::Init(format!("invalid key {}", gostr::quote(k))))
        }
        Some(k) => k,
    };
    check_empty(p.args.get(1..).unwrap_or_default())?;
    let node = if key.is_empty() {
        Node::bag(&ctx.leader_settings)
    } else {
        Node::opt_str(ctx.leader_settings.get(key))
    };
    out.write(io, &node)
}

fn leader_set(p: &Parsed, ctx: &mut HookContextData, _io: &mut Io) -> Result<(), Fail> {
    let settings = keyvalues::parse(&p.args).map_err(Fail::Init)?;
    if !ctx.leader {
        return Err(Fail::Run(
            "cannot write leadership settings: cannot write settings: not the leader".to_string(),
        ));
    }
    if settings.is_empty() {
        return Ok(());
    }
    merge(&mut ctx.leader_settings, &settings);
    ctx.immediate.push(Immediate::LeaderSet { settings });
    Ok(())
}

fn is_leader(p: &Parsed, ctx: &mut HookContextData, io: &mut Io) -> Result<(), Fail> {
    let out = Output::new(p, "smart");
    check_empty(&p.args)?;
    out.write(io, &Node::Bool(ctx.leader))
}
