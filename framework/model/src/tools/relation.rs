//! `relation-get`, `relation-set`, `relation-ids`, `relation-list` and
//! `relation-model-get`, with Juju's databag visibility rules: a unit reads its own bag,
//! its application's (leader, or any peer), the remote units' and the remote
//! application's. See <https://juju.is/docs/sdk/relations>.

use std::collections::BTreeMap;

use super::args::{Kind, Opt, Parsed};
use super::cmd::{check_empty, Body, Fail, Io, Spec, Tool};
use super::keyvalues;
use super::node::Node;
use super::output::{Output, FORMAT, OUTPUT};
use crate::gostr;
use charms_reactive_juju::names::{is_application_name, is_unit_name, unit_application};
use charms_reactive_juju::settings::{merge, Settings};

use crate::context::{HookContextData, RelationView, Transactional};

/// `-r`/`--relation`.
pub(super) const RELATION: Opt = Opt {
    names: &["r", "relation"],
    kind: Kind::Relation,
    usage: "Specify a relation by id",
};

const APP: Opt = Opt {
    names: &["app"],
    kind: Kind::Bool,
    usage: "Get the relation data for the overall application, not just a unit",
};

/// The deprecated `--format` of tools that print nothing.
pub(super) const DEPRECATED_FORMAT: Opt = Opt {
    names: &["format"],
    kind: Kind::Str,
    usage: "deprecated format flag",
};

pub(super) const TOOLS: &[Tool] = &[
    Tool {
        spec: Spec {
            name: "relation-get",
            args: "[<key> [<unit id>]]",
            purpose: "Get relation settings.",
            doc: "relation-get prints the value of a unit's relation setting, specified by key.\n\
                  If no key is given, or if the key is \"-\", all keys and values will be printed.",
            opts: &[FORMAT, OUTPUT, RELATION, APP],
        },
        body: Body::Run(relation_get),
    },
    Tool {
        spec: Spec {
            name: "relation-set",
            args: "key=value [key=value ...]",
            purpose: "set relation settings",
            doc: "\"relation-set\" writes the local unit's settings for some relation.\n\
                  If no relation is specified then the current relation is used. The\n\
                  setting values are not inspected and are stored as strings. Setting\n\
                  an empty string causes the setting to be removed. Duplicate settings\n\
                  are not allowed.\n\n\
                  If the unit is the leader, it can set the application settings using\n\
                  \"--app\".\n\n\
                  The --file option should be used when one or more key-value pairs are\n\
                  too long to fit within the command length limit of the shell or\n\
                  operating system. The file will contain a YAML map containing the\n\
                  settings.  Settings in the file will be overridden by any duplicate\n\
                  key-value arguments. A value of \"-\" for the filename means <stdin>.",
            opts: &[
                RELATION,
                Opt {
                    names: &["file"],
                    kind: Kind::Str,
                    usage: "file containing key-value pairs",
                },
                Opt {
                    names: &["app"],
                    kind: Kind::Bool,
                    usage:
                        "pick whether you are setting \"application\" settings or \"unit\" settings",
                },
                DEPRECATED_FORMAT,
            ],
        },
        body: Body::Run(relation_set),
    },
    Tool {
        spec: Spec {
            name: "relation-ids",
            args: "[<name>]",
            purpose: "List all relation IDs for the given endpoint.",
            doc: "relation-ids outputs a list of the related applications with a relation name.\n\
                  Only relation ids for relations which are not broken are included.",
            opts: &[FORMAT, OUTPUT],
        },
        body: Body::Run(relation_ids),
    },
    Tool {
        spec: Spec {
            name: "relation-list",
            args: "",
            purpose: "list relation units",
            doc: "-r must be specified when not in a relation hook",
            opts: &[
                FORMAT,
                OUTPUT,
                RELATION,
                Opt {
                    names: &["app"],
                    kind: Kind::Bool,
                    usage: "List remote application instead of participating units",
                },
            ],
        },
        body: Body::Run(relation_list),
    },
    Tool {
        spec: Spec {
            name: "relation-model-get",
            args: "",
            purpose: "Get details about the model hosing a related application.",
            doc: "-r must be specified when not in a relation hook",
            opts: &[FORMAT, OUTPUT, RELATION],
        },
        body: Body::Run(relation_model_get),
    },
];

/// The `-r` value, defaulting to the hook's relation.
fn relation_id(p: &Parsed, ctx: &HookContextData) -> Result<u32, Fail> {
    p.relation("r")
        .or(ctx.relation.as_ref().map(|r| r.id))
        .ok_or_else(|| Fail::Init("no relation id specified".to_string()))
}

fn view(ctx: &HookContextData, id: u32) -> Result<&RelationView, Fail> {
    ctx.relations
        .get(&id)
        .ok_or_else(|| Fail::Run("relation not found".to_string()))
}

/// `JUJU_REMOTE_UNIT` of the hook.
fn remote_unit(ctx: &HookContextData) -> Option<String> {
    ctx.relation
        .as_ref()
        .and_then(|r| r.remote_unit.clone())
        .filter(|u| !u.is_empty())
}

/// `JUJU_REMOTE_APP` of the hook.
fn remote_app(ctx: &HookContextData) -> Option<String> {
    ctx.relation
        .as_ref()
        .and_then(|r| ctx.relations.get(&r.id))
        .map(|v| v.remote_app.clone())
        .filter(|a| !a.is_empty())
}

/// Prints `--format flag deprecated for command "<name>"` (no newline) when a
/// non-empty deprecated `--format` was given.
pub(super) fn warn_deprecated_format(p: &Parsed, io: &mut Io, name: &str) {
    if p.string("format").is_some_and(|f| !f.is_empty()) {
        let msg = format!(
            "--format flag deprecated for command {}",
            gostr::quote(name)
        );
        io.stderr.extend_from_slice(msg.as_bytes());
    }
}

fn relation_get(p: &Parsed, ctx: &mut HookContextData, io: &mut Io) -> Result<(), Fail> {
    let out = Output::new(p, "smart");
    let id = relation_id(p, ctx)?;
    let mut args = p.args.iter();
    let key = match args.next().map(String::as_str) {
        None | Some("-") => "",
        Some(k) => k,
    };
    let mut app = p.flag("app");
    let target = match args.next() {
        Some(given) if app => {
            if is_application_name(given) {
                given.clone()
            } else if is_unit_name(given) {
                unit_application(given).to_string()
            } else {
                // Juju leaves the target empty; the read is then refused.
                String::new()
            }
        }
        Some(given) => {
            if !is_unit_name(given) {
                if is_application_name(given) {
                    return Err(Fail::Init(format!(
                        "expected unit name, got application name {}",
                        gostr::quote(given)
                    )));
                }
                return Err(Fail::Init(format!(
                    "invalid unit name {}",
                    gostr::quote(given)
                )));
            }
            given.clone()
        }
        None if app => remote_app(ctx)
            .ok_or_else(|| Fail::Init("no unit or application specified".to_string()))?,
        None => match (remote_unit(ctx), remote_app(ctx)) {
            (Some(unit), _) => unit,
            (None, Some(remote)) => {
                app = true;
                remote
            }
            (None, None) => return Err(Fail::Init("no unit or application specified".to_string())),
        },
    };
    let rest: Vec<String> = args.cloned().collect();
    check_empty(&rest)?;

    let rel = view(ctx, id)?;
    let bag = read_bag(ctx, rel, id, &target, app)?;
    let node = if key.is_empty() {
        Node::bag(&bag)
    } else {
        Node::opt_str(bag.get(key))
    };
    out.write(io, &node)
}

/// Reads a databag, if this unit may: its own, a remote unit's, the remote
/// application's, or its own application's (the leader, or any unit in a peer relation).
fn read_bag(
    ctx: &HookContextData,
    rel: &RelationView,
    id: u32,
    target: &str,
    app: bool,
) -> Result<Settings, Fail> {
    let denied = || Fail::Run("permission denied".to_string());
    let own_app = unit_application(&ctx.unit);
    if !app {
        if target == ctx.unit {
            return Ok(rel.unit_data.get(target).cloned().unwrap_or_default());
        }
        let target_app = unit_application(target);
        if target_app != own_app && target_app != rel.remote_app {
            return Err(denied());
        }
        return rel.unit_data.get(target).cloned().ok_or_else(|| {
            let key = ctx.relation_key(id).unwrap_or_default();
            Fail::Run(format!(
                "cannot read settings for unit {} in relation {}: settings not found",
                gostr::quote(target),
                gostr::quote(&key)
            ))
        });
    }
    if target == own_app {
        // Non-leaders may read their own application's bag only in a peer relation.
        if !ctx.leader && !rel.peer {
            return Err(denied());
        }
    } else if target != rel.remote_app {
        return Err(denied());
    }
    Ok(rel.app_data.get(target).cloned().unwrap_or_default())
}

fn relation_set(p: &Parsed, ctx: &mut HookContextData, io: &mut Io) -> Result<(), Fail> {
    let id = relation_id(p, ctx)?;
    let overrides = keyvalues::parse(&p.args).map_err(Fail::Init)?;

    warn_deprecated_format(p, io, "relation-set");
    let mut settings = match p.string("file").filter(|f| !f.is_empty()) {
        Some(path) => {
            let data = io.read_file_arg(path)?;
            read_settings(&data)?
        }
        None => BTreeMap::new(),
    };
    settings.extend(overrides);
    view(ctx, id)?;
    let app = p.flag("app");
    if app && !ctx.leader {
        return Err(Fail::Run("cannot write relation settings".to_string()));
    }
    if settings.is_empty() {
        return Ok(());
    }
    let owner = if app {
        unit_application(&ctx.unit).to_string()
    } else {
        ctx.unit.clone()
    };
    if let Some(rel) = ctx.relations.get_mut(&id) {
        let bags = if app {
            &mut rel.app_data
        } else {
            &mut rel.unit_data
        };
        merge(bags.entry(owner).or_default(), &settings);
    }
    ctx.transactional.push(Transactional::RelationSet {
        relation_id: id,
        app,
        settings,
    });
    Ok(())
}

/// Merges `settings` into `bag`; an empty value deletes the key.
/// A `--file` of settings: a YAML map whose scalars are taken as their text (as
/// yaml.v2 decodes into `map[string]string`); null values mean "delete".
pub(super) fn read_settings(data: &[u8]) -> Result<Settings, Fail> {
    let parsed: Option<BTreeMap<String, Option<String>>> =
        serde_yaml::from_slice(data).map_err(|e| Fail::Run(format!("yaml: {e}")))?;
    Ok(parsed
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or_default()))
        .collect())
}

fn relation_ids(p: &Parsed, ctx: &mut HookContextData, io: &mut Io) -> Result<(), Fail> {
    let out = Output::new(p, "smart");
    let endpoint = match p.args.first() {
        Some(name) => name.clone(),
        None => ctx
            .relation
            .as_ref()
            .and_then(|r| ctx.relations.get(&r.id))
            .map(|v| v.endpoint.clone())
            .ok_or_else(|| Fail::Init("no endpoint name specified".to_string()))?,
    };
    check_empty(p.args.get(1..).unwrap_or_default())?;
    let mut ids: Vec<String> = ctx
        .relations
        .iter()
        .filter(|(_, v)| v.endpoint == endpoint && !v.broken)
        .map(|(id, v)| format!("{}:{id}", v.endpoint))
        .collect();
    // Juju sorts the `endpoint:N` strings, so `db:10` comes before `db:2`.
    ids.sort();
    out.write(io, &Node::Strings(ids))
}

fn relation_list(p: &Parsed, ctx: &mut HookContextData, io: &mut Io) -> Result<(), Fail> {
    let out = Output::new(p, "smart");
    let id = relation_id(p, ctx)?;
    check_empty(&p.args)?;
    let rel = view(ctx, id)?;
    let node = if p.flag("app") {
        Node::Str(rel.remote_app.clone())
    } else {
        Node::Strings(rel.members.clone())
    };
    out.write(io, &node)
}

fn relation_model_get(p: &Parsed, ctx: &mut HookContextData, io: &mut Io) -> Result<(), Fail> {
    let out = Output::new(p, "smart");
    let id = relation_id(p, ctx)?;
    check_empty(&p.args)?;
    view(ctx, id)?;
    // Every application of the local model lives in the same model.
    let node = Node::Struct(vec![(
        "uuid".to_string(),
        Node::Str(ctx.model_uuid.clone()),
    )]);
    out.write(io, &node)
}
