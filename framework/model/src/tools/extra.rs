//! The less common tools: `goal-state`, `credential-get`,
//! `resource-get`, `storage-list` and `juju-reboot` with minimal behaviour;
//! `storage-add` and `storage-get` unsupported.

use super::args::{Kind, Opt, Parsed};
use super::cmd::{check_empty, unsupported, Body, Fail, Io, Spec, Tool};
use super::node::Node;
use super::output::{Output, FORMAT, OUTPUT};
use crate::context::HookContextData;
use crate::gostr;
use charms_reactive_juju::names::unit_application;

/// `goal-state` offers yaml (its default) and json only.
const FORMAT_YAML_JSON: Opt = Opt {
    names: &["format"],
    kind: Kind::Format(&["json", "yaml"]),
    usage: "Specify output format (json|yaml)",
};

pub(super) const TOOLS: &[Tool] = &[
    Tool {
        spec: Spec {
            name: "goal-state",
            args: "",
            purpose: "Print the status of the charm's peers and related units.",
            doc: "'goal-state' command will list the charm units and relations, specifying their status and\n\
                  their relationship to the unit executing the hook.",
            opts: &[FORMAT_YAML_JSON, OUTPUT],
        },
        body: Body::Run(goal_state),
    },
    Tool {
        spec: Spec {
            name: "credential-get",
            args: "",
            purpose: "Access cloud credentials.",
            doc: "credential-get returns the cloud specification used by the unit's model.\n\
                  The local model never trusts an application with cloud credentials.",
            opts: &[FORMAT, OUTPUT],
        },
        body: Body::Run(credential_get),
    },
    Tool {
        spec: Spec {
            name: "resource-get",
            args: "<resource name>",
            purpose: "Get the path to the locally cached resource file.",
            doc: "The local model has no resources.",
            opts: &[],
        },
        body: Body::Run(resource_get),
    },
    Tool {
        spec: Spec {
            name: "storage-list",
            args: "[<storage-name>]",
            purpose: "List storage attached to the unit.",
            doc: "The local model attaches no storage.",
            opts: &[FORMAT, OUTPUT],
        },
        body: Body::Run(storage_list),
    },
    Tool {
        spec: Spec {
            name: "juju-reboot",
            args: "",
            purpose: "Reboot the host machine.",
            doc: "juju-reboot is not supported when running actions, nor by the local model.",
            opts: &[Opt {
                names: &["now"],
                kind: Kind::Bool,
                usage: "reboot immediately, killing the invoking process",
            }],
        },
        body: Body::Run(juju_reboot),
    },
    unsupported("storage-add", "Add storage instances."),
    unsupported("storage-get", "Print information for the storage instance with the specified ID."),
];

fn status(text: &str) -> Node {
    Node::Struct(vec![("status".to_string(), Node::Str(text.to_string()))])
}

fn goal_state(p: &Parsed, ctx: &mut HookContextData, io: &mut Io) -> Result<(), Fail> {
    let out = Output::new(p, "yaml");
    check_empty(&p.args)?;
    let own_app = unit_application(&ctx.unit);
    let mut units = vec![(ctx.unit.clone(), status("active"))];
    let mut relations: Vec<(String, Node)> = Vec::new();
    for rel in ctx.relations.values().filter(|r| !r.broken) {
        let mut entries = vec![(rel.remote_app.clone(), status("joined"))];
        for member in &rel.members {
            entries.push((member.clone(), status("active")));
            if rel.peer
                && unit_application(member) == own_app
                && !units.iter().any(|(u, _)| u == member)
            {
                units.push((member.clone(), status("active")));
            }
        }
        match relations
            .iter_mut()
            .find(|(endpoint, _)| *endpoint == rel.endpoint)
        {
            Some((_, Node::Map(existing))) => existing.extend(entries),
            _ => relations.push((rel.endpoint.clone(), Node::Map(entries))),
        }
    }
    let node = Node::Struct(vec![
        ("units".to_string(), Node::Map(units)),
        ("relations".to_string(), Node::Map(relations)),
    ]);
    out.write(io, &node)
}

fn credential_get(p: &Parsed, _ctx: &mut HookContextData, _io: &mut Io) -> Result<(), Fail> {
    check_empty(&p.args)?;
    Err(Fail::Run(
        "cannot access cloud credentials: permission denied".to_string(),
    ))
}

fn resource_get(p: &Parsed, _ctx: &mut HookContextData, _io: &mut Io) -> Result<(), Fail> {
    let Some(name) = p.args.first() else {
        return Err(Fail::Init("missing required resource name".to_string()));
    };
    check_empty(&p.args[1..])?;
    Err(Fail::Run(format!(
        "could not download resource: resource {} not found",
        gostr::quote(name)
    )))
}

fn storage_list(p: &Parsed, _ctx: &mut HookContextData, io: &mut Io) -> Result<(), Fail> {
    let out = Output::new(p, "smart");
    check_empty(p.args.get(1..).unwrap_or_default())?;
    out.write(io, &Node::Strings(Vec::new()))
}

fn juju_reboot(p: &Parsed, ctx: &mut HookContextData, _io: &mut Io) -> Result<(), Fail> {
    check_empty(&p.args)?;
    if ctx.action.is_some() {
        return Err(Fail::Run(
            "juju-reboot is not supported when running an action.".to_string(),
        ));
    }
    Err(Fail::Run(
        "juju-reboot is not supported by the local model".to_string(),
    ))
}
