//! `config-get`.

use super::args::{Kind, Opt, Parsed};
use super::cmd::{check_empty, Body, Fail, Io, Spec, Tool};
use super::node::Node;
use super::output::{Output, FORMAT, OUTPUT};
use crate::context::HookContextData;
use crate::gostr;

pub(super) const TOOLS: &[Tool] = &[Tool {
    spec: Spec {
        name: "config-get",
        args: "[<key>]",
        purpose: "Print application configuration.",
        doc: "config-get returns information about the application configuration\n\
              (as defined by config.yaml). If called without arguments, it returns\n\
              a dictionary containing all config settings that are either explicitly\n\
              set, or which have a non-nil default value. If the --all flag is passed,\n\
              it returns a dictionary containing all defined config settings including\n\
              nil values (for those without defaults). If called with a single argument,\n\
              it returns the value of that config key. Missing config keys are reported\n\
              as nulls, and do not return an error.\n\n<key> and --all are mutually exclusive.",
        opts: &[
            FORMAT,
            OUTPUT,
            Opt {
                names: &["a", "all"],
                kind: Kind::Bool,
                usage: "print all keys",
            },
        ],
    },
    body: Body::Run(config_get),
}];

fn config_get(p: &Parsed, ctx: &mut HookContextData, io: &mut Io) -> Result<(), Fail> {
    let out = Output::new(p, "smart");
    let all = p.flag("a");
    let key = p.args.first().cloned().unwrap_or_default();
    if !key.is_empty() && all {
        return Err(Fail::Init(format!(
            "cannot use argument --all together with key {}",
            gostr::quote(&key)
        )));
    }
    check_empty(p.args.get(1..).unwrap_or_default())?;
    let node = if key.is_empty() {
        Node::Map(
            ctx.config
                .iter()
                .filter(|(_, v)| all || !v.is_null())
                .map(|(k, v)| (k.clone(), Node::from_json(v)))
                .collect(),
        )
    } else {
        ctx.config.get(&key).map_or(Node::Nil, Node::from_json)
    };
    out.write(io, &node)
}
