//! `status-set`, `status-get` and `application-version-set`.

use super::args::{Kind, Opt, Parsed};
use super::cmd::{check_empty, Body, Fail, Io, Spec, Tool};
use super::node::Node;
use super::output::{Output, FORMAT, OUTPUT};
use crate::context::{HookContextData, Immediate, Status};
use crate::gostr;
use charms_reactive_juju::names::unit_application;

const VALID_STATUSES: &[&str] = &["maintenance", "blocked", "waiting", "active"];

pub(super) const TOOLS: &[Tool] = &[
    Tool {
        spec: Spec {
            name: "status-set",
            args: "<maintenance | blocked | waiting | active> [message]",
            purpose: "set status information",
            doc: "Sets the workload status of the charm. Message is optional.\n\
                  The \"last updated\" attribute of the status is set, even if the\n\
                  status and message are the same as what's already set.",
            opts: &[Opt {
                names: &["application"],
                kind: Kind::Bool,
                usage: "set this status for the application to which the unit belongs if the unit is the leader",
            }],
        },
        body: Body::Run(status_set),
    },
    Tool {
        spec: Spec {
            name: "status-get",
            args: "[--include-data] [--application]",
            purpose: "Print status information.",
            doc: "By default, only the status value is printed.\n\
                  If the --include-data flag is passed, the associated data are printed also.",
            opts: &[
                FORMAT,
                OUTPUT,
                Opt {
                    names: &["include-data"],
                    kind: Kind::Bool,
                    usage: "print all status data",
                },
                Opt {
                    names: &["application"],
                    kind: Kind::Bool,
                    usage: "print status for all units of this application if this unit is the leader",
                },
            ],
        },
        body: Body::Run(status_get),
    },
    Tool {
        spec: Spec {
            name: "application-version-set",
            args: "<new-version>",
            purpose: "specify which version of the application is deployed",
            doc: "application-version-set tells Juju which version of the application\n\
                  software is running.",
            opts: &[],
        },
        body: Body::Run(application_version_set),
    },
];

fn status_set(p: &Parsed, ctx: &mut HookContextData, _io: &mut Io) -> Result<(), Fail> {
    let Some(status) = p.args.first() else {
        return Err(Fail::Init(
            "invalid args, require <status> [message]".to_string(),
        ));
    };
    if !VALID_STATUSES.contains(&status.as_str()) {
        return Err(Fail::Init(format!(
            "invalid status {}, expected one of [{}]",
            gostr::quote(status),
            VALID_STATUSES.join(" ")
        )));
    }
    let message = p.args.get(1).cloned().unwrap_or_default();
    check_empty(p.args.get(2..).unwrap_or_default())?;
    let app = p.flag("application");
    if app && !ctx.leader {
        return Err(Fail::Run("this unit is not the leader".to_string()));
    }
    let new = Status {
        status: status.clone(),
        message: message.clone(),
        data: Default::default(),
    };
    if app {
        ctx.app_status = new;
    } else {
        ctx.unit_status = new;
    }
    ctx.immediate.push(Immediate::StatusSet {
        app,
        status: status.clone(),
        message,
    });
    Ok(())
}

/// `toDetails`: the status, plus message and data when asked.
fn details(status: &Status, include_data: bool) -> Vec<(String, Node)> {
    let mut out = vec![("status".to_string(), Node::Str(status.status.clone()))];
    if include_data {
        let data = status
            .data
            .iter()
            .map(|(k, v)| (k.clone(), Node::from_json(v)))
            .collect();
        out.push(("status-data".to_string(), Node::Map(data)));
        out.push(("message".to_string(), Node::Str(status.message.clone())));
    }
    out
}

fn status_get(p: &Parsed, ctx: &mut HookContextData, io: &mut Io) -> Result<(), Fail> {
    let out = Output::new(p, "smart");
    check_empty(&p.args)?;
    let include_data = p.flag("include-data");
    if !p.flag("application") {
        if !include_data && out.is_smart() {
            return out.write(io, &Node::Str(ctx.unit_status.status.clone()));
        }
        return out.write(io, &Node::Map(details(&ctx.unit_status, include_data)));
    }
    if !ctx.leader {
        return Err(Fail::Run(
            "finding application status: this unit is not the leader".to_string(),
        ));
    }
    if !include_data && out.is_smart() {
        return out.write(io, &Node::Str(ctx.app_status.status.clone()));
    }
    let app = unit_application(&ctx.unit);
    let mut units: Vec<(String, Node)> = ctx
        .unit_statuses
        .iter()
        .filter(|(name, _)| unit_application(name) == app && **name != ctx.unit)
        .map(|(name, status)| (name.clone(), Node::Map(details(status, include_data))))
        .collect();
    // This unit's status is the one this hook sees (it may have just set it).
    units.push((
        ctx.unit.clone(),
        Node::Map(details(&ctx.unit_status, include_data)),
    ));
    let mut app_details = details(&ctx.app_status, include_data);
    // Juju nests `units` inside `application-status`.
    app_details.push(("units".to_string(), Node::Map(units)));
    let node = Node::Map(vec![(
        "application-status".to_string(),
        Node::Map(app_details),
    )]);
    out.write(io, &node)
}

fn application_version_set(
    p: &Parsed,
    ctx: &mut HookContextData,
    _io: &mut Io,
) -> Result<(), Fail> {
    let Some(version) = p.args.first() else {
        return Err(Fail::Init("no version specified".to_string()));
    };
    check_empty(&p.args[1..])?;
    ctx.immediate.push(Immediate::ApplicationVersion {
        version: version.clone(),
    });
    Ok(())
}
