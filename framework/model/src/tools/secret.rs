//! The secret tools: `secret-add`, `secret-get`, `secret-set`, `secret-remove`,
//! `secret-grant`, `secret-revoke`, `secret-ids` and `secret-info-get`, with Juju 3.6's
//! arguments, output and errors (`internal/worker/uniter/runner/jujuc/secret-*.go` in
//! Juju's source; the hook context's `GetSecret`, `CreateSecret`, … behind them).
//!
//! Every change is transactional (committed only if the hook succeeds), the tracking
//! `secret-get` moves included; the rest of the hook sees it at once. Where Juju buffers
//! a change the controller will refuse (a secret the unit may not manage, a label taken)
//! and fails the hook when committing it, the local model refuses at the call, with the
//! controller's message (exit 1). No message ever holds a secret's value.

use std::collections::BTreeMap;

use charms_reactive_juju::names::{is_application_name, is_unit_name, unit_application};

use super::args::{Kind, Opt, Parsed};
use super::cmd::{check_empty, Body, Fail, Io, Spec, Tool};
use super::node::Node;
use super::output::{Output, FORMAT, OUTPUT};
use crate::context::{HookContextData, SecretChange, SecretView, Transactional};
use crate::gostr::{self, quote};
use crate::secret::{
    content_from_args, encode_content, format_time, next_rotate, parse_duration, parse_time,
    parse_uri, xid_string, Grant, GrantTarget, Owner, SecretContent, SecretUri, ROTATE_POLICIES,
};

/// `--format` for the tools offering only yaml and json.
const FORMAT_YAML_JSON: Opt = Opt {
    names: &["format"],
    kind: Kind::Format(&["json", "yaml"]),
    usage: "Specify output format (json|yaml)",
};

const fn string_opt(name: &'static [&'static str], usage: &'static str) -> Opt {
    Opt {
        names: name,
        kind: Kind::Str,
        usage,
    }
}

/// `secret-add`'s and `secret-set`'s options (Juju's `secretUpsertCommand`).
const UPSERT: &[Opt] = &[
    string_opt(
        &["expire"],
        "either a duration or time when the secret should expire",
    ),
    string_opt(&["rotate"], "the secret rotation policy"),
    string_opt(&["description"], "the secret description"),
    string_opt(&["label"], "a label used to identify the secret in hooks"),
    string_opt(&["file"], "a YAML file containing secret key values"),
    string_opt(
        &["owner"],
        "the owner of the secret, either the application or unit",
    ),
];

const RELATION: Opt = Opt {
    names: &["r", "relation"],
    kind: Kind::Relation,
    usage: "the relation with which to associate the grant",
};

pub(super) const TOOLS: &[Tool] = &[
    Tool {
        spec: Spec {
            name: "secret-add",
            args: "[key[#base64|#file]=value...]",
            purpose: "Add a new secret.",
            doc: "Add a secret with a list of key values.\n\n\
                  If a key has the '#base64' suffix, the value is already in base64 format and no\n\
                  encoding will be performed, otherwise the value will be base64 encoded\n\
                  prior to being stored.\n\n\
                  If a key has the '#file' suffix, the value is read from the corresponding file.\n\n\
                  By default, a secret is owned by the application, meaning only the unit\n\
                  leader can manage it. Use \"--owner unit\" to create a secret owned by the\n\
                  specific unit which created it.",
            opts: UPSERT,
        },
        body: Body::Run(secret_add),
    },
    Tool {
        spec: Spec {
            name: "secret-get",
            args: "<ID> [key[#base64]]",
            purpose: "Get the content of a secret.",
            doc: "Get the content of a secret with a given secret ID.\n\
                  The first time the value is fetched, the latest revision is used.\n\
                  Subsequent calls will always return this same revision unless\n\
                  --peek or --refresh are used.\n\
                  Using --peek will fetch the latest revision just this time.\n\
                  Using --refresh will fetch the latest revision and continue to\n\
                  return the same revision next time unless --peek or --refresh is used.\n\n\
                  Either the ID or label can be used to identify the secret.",
            opts: &[
                FORMAT_YAML_JSON,
                OUTPUT,
                string_opt(&["label"], "a label used to identify the secret in hooks"),
                Opt {
                    names: &["peek"],
                    kind: Kind::Bool,
                    usage: "get the latest revision just this time",
                },
                Opt {
                    names: &["refresh"],
                    kind: Kind::Bool,
                    usage: "get the latest revision and also get this same revision for subsequent calls",
                },
            ],
        },
        body: Body::Run(secret_get),
    },
    Tool {
        spec: Spec {
            name: "secret-set",
            args: "<ID> [key[#base64]=value...]",
            purpose: "Update an existing secret.",
            doc: "Update a secret with a list of key values, or set new metadata.\n\
                  If a value has the '#base64' suffix, it is already in base64 format and no\n\
                  encoding will be performed, otherwise the value will be base64 encoded\n\
                  prior to being stored.\n\
                  To just update selected metadata like rotate policy, do not specify any secret value.",
            opts: UPSERT,
        },
        body: Body::Run(secret_set),
    },
    Tool {
        spec: Spec {
            name: "secret-remove",
            args: "<ID>",
            purpose: "remove a existing secret",
            doc: "Remove a secret with the specified URI.",
            opts: &[Opt {
                names: &["revision"],
                kind: Kind::Int,
                usage: "remove the specified revision",
            }],
        },
        body: Body::Run(secret_remove),
    },
    Tool {
        spec: Spec {
            name: "secret-grant",
            args: "<ID>",
            purpose: "Grant access to a secret.",
            doc: "Grant access to view the value of a specified secret.\n\
                  Access is granted in the context of a relation - unless revoked\n\
                  earlier, once the relation is removed, so too is the access grant.\n\n\
                  By default, all units of the related application are granted access.\n\
                  Optionally specify a unit name to limit access to just that unit.",
            opts: &[string_opt(&["unit"], "the unit to grant access"), RELATION],
        },
        body: Body::Run(secret_grant),
    },
    Tool {
        spec: Spec {
            name: "secret-revoke",
            args: "<ID>",
            purpose: "Revoke access to a secret.",
            doc: "Revoke access to view the value of a specified secret.\n\
                  Access may be revoked from an application (all units of\n\
                  that application lose access), or from a specified unit.\n\
                  If run in a relation hook, the related application's \n\
                  access is revoked, unless a uni is specified, in which\n\
                  case just that unit's access is revoked.'",
            opts: &[
                string_opt(&["app", "application"], "the application to revoke access"),
                string_opt(&["unit"], "the unit to revoke access"),
                Opt {
                    names: &["r", "relation"],
                    kind: Kind::Relation,
                    usage: "the relation for which to revoke the grant",
                },
            ],
        },
        body: Body::Run(secret_revoke),
    },
    Tool {
        spec: Spec {
            name: "secret-ids",
            args: "",
            purpose: "Print secret IDs.",
            doc: "Returns the secret ids for secrets owned by the application.",
            opts: &[FORMAT, OUTPUT],
        },
        body: Body::Run(secret_ids),
    },
    Tool {
        spec: Spec {
            name: "secret-info-get",
            args: "<ID>",
            purpose: "Get a secret's metadata info.",
            doc: "Get the metadata of a secret with a given secret ID.\n\
                  Either the ID or label can be used to identify the secret.",
            opts: &[
                FORMAT_YAML_JSON,
                OUTPUT,
                string_opt(&["label"], "a label used to identify the secret"),
            ],
        },
        body: Body::Run(secret_info_get),
    },
];

/// Juju's `ErrIsNotLeader`.
const NOT_LEADER: &str = "this unit is not the leader";

/// A string option given with a non-empty value (Juju tests `!= ""`).
fn given<'a>(p: &'a Parsed, name: &str) -> Option<&'a str> {
    p.string(name).filter(|s| !s.is_empty())
}

/// What `secret-add` and `secret-set` were asked to do (Juju's `secretUpsertCommand`).
struct Upsert {
    expire: Option<i64>,
    rotate: Option<String>,
    description: Option<String>,
    label: Option<String>,
    owner_unit: bool,
    content: SecretContent,
}

/// `secretUpsertCommand.Init`: the expiry, the rotate policy, the owner, then the content
/// from the arguments and the `--file`.
fn upsert(p: &Parsed, args: &[String], now: i64, io: &mut Io) -> Result<Upsert, Fail> {
    let expire = match given(p, "expire") {
        None => None,
        Some(spec) => Some(match parse_time(spec) {
            Some(t) => t,
            None => {
                let nanos = parse_duration(spec).ok_or_else(|| {
                    Fail::Init(format!("expire time or duration {} not valid", quote(spec)))
                })?;
                if nanos <= 0 {
                    return Err(Fail::Init(format!(
                        "negative expire duration {} not valid",
                        quote(spec)
                    )));
                }
                now + (nanos / 1_000_000_000) as i64
            }
        }),
    };
    let rotate = given(p, "rotate").map(String::from);
    if let Some(policy) = &rotate {
        if !ROTATE_POLICIES.contains(&policy.as_str()) {
            return Err(Fail::Init(format!(
                "rotate policy {} not valid",
                quote(policy)
            )));
        }
    }
    let owner = p.string("owner").unwrap_or("application");
    if owner != "application" && owner != "unit" {
        return Err(Fail::Init(format!(
            "secret owner {} not valid",
            quote(owner)
        )));
    }
    let mut read = |path: &str| -> Result<Vec<u8>, String> {
        let full = io.abs_path(path);
        std::fs::read(io.on_host(&full)).map_err(|e| gostr::path_error("open", &full, &e))
    };
    let data = content_from_args(args, &mut read).map_err(Fail::Init)?;
    let mut content = encode_content(data).map_err(Fail::Init)?;
    if let Some(file) = given(p, "file") {
        let full = io.abs_path(file);
        let bytes = std::fs::read(io.on_host(&full))
            .map_err(|e| Fail::Init(gostr::path_error("open", &full, &e)))?;
        let from_file = encode_content(read_secret_file(&bytes)?).map_err(Fail::Init)?;
        // Juju lets the file's keys override the arguments'.
        content.0.extend(from_file.0);
    }
    Ok(Upsert {
        expire,
        rotate,
        description: given(p, "description").map(String::from),
        label: given(p, "label").map(String::from),
        owner_unit: owner == "unit",
        content,
    })
}

/// Juju's `ReadSecretData`: a YAML (or JSON) map whose scalar values are taken as text.
fn read_secret_file(bytes: &[u8]) -> Result<BTreeMap<String, String>, Fail> {
    // The parser's message could quote the file: only its position is given.
    let value: serde_yaml::Value = serde_yaml::from_slice(bytes).map_err(|e| {
        Fail::Init(match e.location() {
            Some(l) => format!("yaml: line {}: cannot parse secret content", l.line()),
            None => "yaml: cannot parse secret content".to_string(),
        })
    })?;
    let map = match value {
        serde_yaml::Value::Null => return Ok(BTreeMap::new()),
        serde_yaml::Value::Mapping(m) => m,
        _ => {
            return Err(Fail::Init(
                "yaml: cannot unmarshal secret content into map[string]string".to_string(),
            ))
        }
    };
    let text = |v: &serde_yaml::Value| match v {
        serde_yaml::Value::String(s) => Some(s.clone()),
        serde_yaml::Value::Bool(b) => Some(b.to_string()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        serde_yaml::Value::Null => Some(String::new()),
        _ => None,
    };
    map.iter()
        .map(|(k, v)| match (text(k), text(v)) {
            (Some(k), Some(v)) => Ok((k, v)),
            _ => Err(Fail::Init(
                "yaml: cannot unmarshal secret content into map[string]string".to_string(),
            )),
        })
        .collect()
}

/// The URI argument of `secret-set`, `-remove`, `-grant` and `-revoke`
/// (`ParseURI`'s own error).
fn uri_arg(p: &Parsed) -> Result<SecretUri, Fail> {
    let first = p
        .args
        .first()
        .ok_or_else(|| Fail::Init("missing secret URI".to_string()))?;
    parse_uri(first).map_err(Fail::Init)
}

/// The URI argument of `secret-get` and `secret-info-get`, which reword a bad one.
fn optional_uri_arg(p: &Parsed) -> Result<Option<SecretUri>, Fail> {
    p.args
        .first()
        .map(|a| parse_uri(a).map_err(|_| Fail::Init(format!("secret URI {} not valid", quote(a)))))
        .transpose()
}

/// A secret this unit may change: refused as the controller would refuse it.
fn managed<'a>(ctx: &'a mut HookContextData, id: &str) -> Result<&'a mut SecretView, Fail> {
    let app = unit_application(&ctx.unit).to_string();
    let secrets = &mut ctx.secrets;
    match secrets.secrets.get_mut(id) {
        Some(v) if v.manage && !removed(v) => Ok(v),
        Some(v) if v.owner == Some(Owner::Application(app)) => {
            Err(Fail::Run(NOT_LEADER.to_string()))
        }
        Some(_) => Err(Fail::Run("permission denied".to_string())),
        None if secrets.known.contains(id) => Err(Fail::Run("permission denied".to_string())),
        None => Err(Fail::Run(format!("secret {} not found", quote(id)))),
    }
}

/// Removed by `secret-remove` earlier in this hook.
fn removed(v: &SecretView) -> bool {
    v.latest == 0
}

fn secret_add(p: &Parsed, ctx: &mut HookContextData, io: &mut Io) -> Result<(), Fail> {
    if p.args.is_empty() && given(p, "file").is_none() {
        return Err(Fail::Init("missing secret value or filename".to_string()));
    }
    let now = ctx.secrets.now;
    let u = upsert(p, &p.args, now, io)?;
    if u.content.is_empty() {
        return Err(Fail::Run("empty secret value not valid".to_string()));
    }
    let owner = if u.owner_unit {
        Owner::Unit(ctx.unit.clone())
    } else {
        if !ctx.leader {
            return Err(Fail::Run(NOT_LEADER.to_string()));
        }
        Owner::Application(unit_application(&ctx.unit).to_string())
    };
    if let Some(label) = &u.label {
        check_label_free(ctx, label, None)?;
    }
    let id = new_id(ctx);
    let view = SecretView {
        owner: Some(owner.clone()),
        manage: true,
        readable: true,
        label: u.label.clone(),
        description: u.description.clone(),
        rotate: u.rotate.clone(),
        next_rotate: None,
        latest: 1,
        latest_expire: u.expire,
        grants: Vec::new(),
        tracked: None,
        consumer_label: None,
        contents: [(1, u.content.clone())].into(),
        pending: None,
        created_here: true,
    };
    ctx.secrets.secrets.insert(id.clone(), view);
    ctx.secrets.known.insert(id.clone());
    ctx.transactional.push(Transactional::Secret {
        change: SecretChange::Create {
            id: id.clone(),
            owner,
            label: u.label,
            description: u.description,
            rotate: u.rotate,
            expire: u.expire,
            content: u.content,
        },
    });
    io.stdout
        .extend_from_slice(format!("secret:{id}\n").as_bytes());
    Ok(())
}

/// An owner's label is unique among the secrets of its application and its units
/// (Juju refuses a second one when committing).
fn check_label_free(ctx: &HookContextData, label: &str, except: Option<&str>) -> Result<(), Fail> {
    let taken = ctx.secrets.secrets.iter().any(|(id, v)| {
        Some(id.as_str()) != except && !removed(v) && v.label.as_deref() == Some(label)
    });
    if taken {
        return Err(Fail::Run(format!(
            "secret with label {} already exists",
            quote(label)
        )));
    }
    Ok(())
}

/// A new secret id: an xid made, as Juju's are, of a time, a machine, a process and a
/// counter, here the model clock, the model, the unit and the hook's sequence number.
fn new_id(ctx: &mut HookContextData) -> String {
    fn fnv(text: &str) -> u32 {
        text.bytes().fold(0x811c_9dc5u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
        })
    }
    let s = &mut ctx.secrets;
    loop {
        let counter = ((s.seq << 6) | u64::from(s.created & 63)) as u32;
        s.created += 1;
        let time = (s.now as u64 as u32).to_be_bytes();
        let machine = fnv(&ctx.model_uuid).to_be_bytes();
        let process = fnv(&ctx.unit).to_be_bytes();
        let count = counter.to_be_bytes();
        let id = xid_string([
            time[0], time[1], time[2], time[3], machine[1], machine[2], machine[3], process[2],
            process[3], count[1], count[2], count[3],
        ]);
        if !s.known.contains(&id) {
            return id;
        }
    }
}

fn secret_get(p: &Parsed, ctx: &mut HookContextData, io: &mut Io) -> Result<(), Fail> {
    let out = Output::new(p, "yaml");
    let uri = optional_uri_arg(p)?;
    let label = given(p, "label").map(String::from);
    if uri.is_none() && label.is_none() {
        return Err(Fail::Init(
            "require either a secret URI or label".to_string(),
        ));
    }
    let (peek, refresh) = (p.flag("peek"), p.flag("refresh"));
    if peek && refresh {
        return Err(Fail::Init(
            "specify one of --peek or --refresh but not both".to_string(),
        ));
    }
    let key = p.args.get(1).cloned();
    check_empty(p.args.get(2..).unwrap_or_default())?;
    let content = read_secret(ctx, uri.as_ref(), label.as_deref(), refresh, peek)?;
    let node = match key {
        None => Node::Map(
            content
                .values()
                .map_err(Fail::Run)?
                .into_iter()
                .map(|(k, v)| (k, Node::Str(v)))
                .collect(),
        ),
        Some(key) => Node::Str(content.key_value(&key).map_err(Fail::Run)?),
    };
    out.write(io, &node)
}

/// The hook context's `GetSecret`, with the controller's rules: a secret created (or,
/// with `--peek`/`--refresh`, changed) in this hook reads as written; the owner's units
/// find it by the owner's label, other units by their own label; a unit may read a
/// secret its application or itself owns, or one granted to it. The first read pins the
/// latest revision, `--refresh` moves the pin to it, `--peek` reads it once.
fn read_secret(
    ctx: &mut HookContextData,
    uri: Option<&SecretUri>,
    label: Option<&str>,
    refresh: bool,
    peek: bool,
) -> Result<SecretContent, Fail> {
    // Pending changes of this hook first.
    let pending = ctx.secrets.secrets.iter().find(|(id, v)| {
        !removed(v)
            && (v.created_here || (v.pending.is_some() && (refresh || peek)))
            && match (uri, label) {
                (Some(u), _) => u.id == **id,
                (None, Some(l)) => v.label.as_deref() == Some(l),
                (None, None) => false,
            }
    });
    if let Some((id, v)) = pending {
        let id = id.clone();
        let content = if v.created_here && v.pending.is_none() {
            v.contents.get(&1).cloned().unwrap_or_default()
        } else {
            v.pending.clone().unwrap_or_default()
        };
        let next = v.latest + 1;
        let (was_created, manage) = (v.created_here, v.manage);
        if !was_created && refresh {
            track(ctx, &id, next, None);
        }
        if let (Some(l), true, true) = (label, uri.is_some(), manage) {
            set_owner_label(ctx, &id, l);
        }
        return Ok(content);
    }
    let app = unit_application(&ctx.unit).to_string();
    let own_app = |v: &SecretView| match &v.owner {
        Some(Owner::Unit(u)) => *u == ctx.unit,
        Some(Owner::Application(a)) => *a == app,
        None => false,
    };
    let id = match (uri, label) {
        (Some(u), _) => u.id.clone(),
        (None, Some(l)) => {
            let by_owner_label = ctx
                .secrets
                .secrets
                .iter()
                .find(|(_, v)| !removed(v) && own_app(v) && v.label.as_deref() == Some(l));
            let by_consumer_label = ctx
                .secrets
                .secrets
                .iter()
                .find(|(_, v)| v.consumer_label.as_deref() == Some(l));
            match by_owner_label.or(by_consumer_label) {
                Some((id, _)) => id.clone(),
                None => return Err(Fail::Run(format!("consumer label {} not found", quote(l)))),
            }
        }
        (None, None) => return Err(Fail::Run("empty URI and label not valid".to_string())),
    };
    let Some(v) = ctx.secrets.secrets.get(&id).filter(|v| !removed(v)) else {
        return Err(Fail::Run(if ctx.secrets.known.contains(&id) {
            "permission denied".to_string()
        } else {
            format!("secret {} not found", quote(&id))
        }));
    };
    if !v.readable {
        return Err(Fail::Run("permission denied".to_string()));
    }
    let is_own_app = own_app(v);
    let manage = v.manage;
    // Reading without a tracked revision pins the latest, as --refresh does.
    let refresh = refresh || v.tracked.is_none();
    let revision = if refresh || peek {
        v.latest
    } else {
        v.tracked.unwrap_or(v.latest)
    };
    let content = v.contents.get(&revision).cloned().ok_or_else(|| {
        Fail::Run(format!(
            "secret {} revision {revision} not found",
            quote(&id)
        ))
    })?;
    let relabel = label.filter(|_| uri.is_some());
    // A label given with the URI renames the secret for its owner (the owner unit or
    // the owning application's leader), or is the unit's own label as a consumer; the
    // owning application's other units keep the owner's label.
    let consumer_label = relabel.filter(|_| !is_own_app).map(String::from);
    if let (Some(l), true) = (relabel, manage) {
        set_owner_label(ctx, &id, l);
    }
    if refresh {
        let latest = revision;
        track(ctx, &id, latest, consumer_label);
    } else if consumer_label.is_some() {
        let tracked = ctx
            .secrets
            .secrets
            .get(&id)
            .and_then(|v| v.tracked)
            .unwrap_or(revision);
        track(ctx, &id, tracked, consumer_label);
    }
    Ok(content)
}

/// Records the revision this unit tracks (and its consumer label), committed with the
/// hook.
fn track(ctx: &mut HookContextData, id: &str, revision: u32, label: Option<String>) {
    if let Some(v) = ctx.secrets.secrets.get_mut(id) {
        v.tracked = Some(revision);
        if label.is_some() {
            v.consumer_label = label.clone();
        }
    }
    ctx.transactional.push(Transactional::Secret {
        change: SecretChange::Track {
            id: id.to_string(),
            revision,
            label,
        },
    });
}

/// The owner renames its secret (`secret-get <ID> --label L` by the owner).
fn set_owner_label(ctx: &mut HookContextData, id: &str, label: &str) {
    if let Some(v) = ctx.secrets.secrets.get_mut(id) {
        if v.label.as_deref() == Some(label) {
            return;
        }
        v.label = Some(label.to_string());
    }
    update(
        ctx,
        id,
        SecretChange::Update {
            id: id.to_string(),
            label: Some(label.to_string()),
            description: None,
            rotate: None,
            expire: None,
            content: None,
        },
    );
}

/// Records an update; one to a secret created in this hook changes its creation, as
/// Juju's pending changes do.
fn update(ctx: &mut HookContextData, id: &str, change: SecretChange) {
    let SecretChange::Update {
        label,
        description,
        rotate,
        expire,
        content,
        ..
    } = &change
    else {
        return;
    };
    // A change to a secret created in this hook joins the creation, and a second update
    // joins the first: one new revision at most (a created secret is never also updated).
    for t in ctx.transactional.iter_mut() {
        let Transactional::Secret { change: pending } = t else {
            continue;
        };
        match pending {
            SecretChange::Create {
                id: created,
                label: l,
                description: d,
                rotate: r,
                expire: e,
                content: c,
                ..
            } if created == id => {
                merge_metadata([l, d, r], e, [label, description, rotate], *expire);
                if let Some(new) = content {
                    c.clone_from(new);
                }
                return;
            }
            SecretChange::Update {
                id: updated,
                label: l,
                description: d,
                rotate: r,
                expire: e,
                content: c,
            } if updated == id => {
                merge_metadata([l, d, r], e, [label, description, rotate], *expire);
                if content.is_some() {
                    c.clone_from(content);
                }
                return;
            }
            _ => {}
        }
    }
    ctx.transactional.push(Transactional::Secret { change });
}

/// Applies an update's label, description, rotate policy and expiry to a pending change:
/// what the update sets replaces, what it leaves out stays.
fn merge_metadata(
    slots: [&mut Option<String>; 3],
    expiry: &mut Option<i64>,
    new: [&Option<String>; 3],
    new_expiry: Option<i64>,
) {
    for (slot, new) in slots.into_iter().zip(new) {
        if new.is_some() {
            slot.clone_from(new);
        }
    }
    if new_expiry.is_some() {
        *expiry = new_expiry;
    }
}

fn secret_set(p: &Parsed, ctx: &mut HookContextData, io: &mut Io) -> Result<(), Fail> {
    let uri = uri_arg(p)?;
    let now = ctx.secrets.now;
    let u = upsert(p, &p.args[1..], now, io)?;
    let id = uri.id;
    if let Some(label) = &u.label {
        // Checked before the secret is touched: the view is borrowed below.
        if ctx.secrets.secrets.get(&id).is_some_and(|v| v.manage) {
            check_label_free(ctx, label, Some(&id))?;
        }
    }
    let v = managed(ctx, &id)?;
    let current = v.pending.as_ref().or_else(|| v.contents.get(&v.latest));
    let content = Some(u.content).filter(|c| !c.is_empty() && current != Some(c));
    if u.rotate.is_none()
        && u.description.is_none()
        && u.expire.is_none()
        && u.label.is_none()
        && content.is_none()
    {
        return Ok(());
    }
    if let Some(l) = &u.label {
        v.label = Some(l.clone());
    }
    if let Some(d) = &u.description {
        v.description = Some(d.clone());
    }
    if let Some(r) = &u.rotate {
        v.rotate = Some(r.clone());
        v.next_rotate = next_rotate(r, now, now);
    }
    if let Some(c) = &content {
        if v.created_here {
            v.contents.insert(1, c.clone());
        } else {
            v.pending = Some(c.clone());
        }
    }
    if u.expire.is_some() {
        v.latest_expire = u.expire;
    }
    update(
        ctx,
        &id.clone(),
        SecretChange::Update {
            id,
            label: u.label,
            description: u.description,
            rotate: u.rotate,
            expire: u.expire,
            content,
        },
    );
    Ok(())
}

fn secret_remove(p: &Parsed, ctx: &mut HookContextData, _io: &mut Io) -> Result<(), Fail> {
    let uri = uri_arg(p)?;
    check_empty(&p.args[1..])?;
    let revision = p
        .int("revision")
        .filter(|r| *r > 0)
        .map(|r| u32::try_from(r).unwrap_or(u32::MAX));
    let v = managed(ctx, &uri.id)?;
    match revision {
        None => v.latest = 0,
        Some(r) => {
            v.contents.remove(&r);
        }
    }
    ctx.transactional.push(Transactional::Secret {
        change: SecretChange::Remove {
            id: uri.id,
            revision,
        },
    });
    Ok(())
}

fn secret_grant(p: &Parsed, ctx: &mut HookContextData, _io: &mut Io) -> Result<(), Fail> {
    let uri = uri_arg(p)?;
    let relation = p
        .relation("r")
        .or(ctx.relation.as_ref().map(|r| r.id))
        .ok_or_else(|| Fail::Init("no relation id specified".to_string()))?;
    let remote_app = ctx
        .relations
        .get(&relation)
        .map(|r| r.remote_app.clone())
        .ok_or_else(|| Fail::Init("relation not found".to_string()))?;
    let unit = given(p, "unit").map(String::from);
    if let Some(u) = &unit {
        if !is_unit_name(u) {
            return Err(Fail::Init(format!("unit {} not valid", quote(u))));
        }
        if unit_application(u) != remote_app {
            return Err(Fail::Init(format!(
                "cannot specify unit {} in relation to application {}",
                quote(u),
                quote(&remote_app)
            )));
        }
    }
    check_empty(&p.args[1..])?;
    // Juju looks the secret up among those this unit manages: any other is not found.
    let id = uri.id;
    let v = ctx
        .secrets
        .secrets
        .get(&id)
        .filter(|v| v.manage && !removed(v))
        .ok_or_else(|| Fail::Run(format!("secret {} not found", quote(&id))))?;
    let target = match unit {
        Some(u) => GrantTarget::Unit(u),
        None => GrantTarget::Application(remote_app),
    };
    let scope = ctx
        .secrets
        .relation_tags
        .get(&relation)
        .cloned()
        .unwrap_or_default();
    for g in v.grants.iter().filter(|g| g.scope == scope) {
        if g.target == target || matches!(g.target, GrantTarget::Application(_)) {
            return Ok(());
        }
        if matches!(target, GrantTarget::Application(_)) {
            return Err(Fail::Run(
                "any unit level grants need to be revoked before granting access to the corresponding application"
                    .to_string(),
            ));
        }
    }
    let grant = Grant {
        target,
        relation,
        scope,
    };
    if let Some(v) = ctx.secrets.secrets.get_mut(&id) {
        v.grants.push(grant.clone());
    }
    ctx.transactional.push(Transactional::Secret {
        change: SecretChange::Grant { id, grant },
    });
    Ok(())
}

fn secret_revoke(p: &Parsed, ctx: &mut HookContextData, _io: &mut Io) -> Result<(), Fail> {
    let uri = uri_arg(p)?;
    let mut app = given(p, "app").map(String::from);
    let unit = given(p, "unit").map(String::from);
    if let Some(a) = &app {
        if !is_application_name(a) {
            return Err(Fail::Init(format!("application {} not valid", quote(a))));
        }
    }
    if let Some(u) = &unit {
        if !is_unit_name(u) {
            return Err(Fail::Init(format!("unit {} not valid", quote(u))));
        }
    }
    if app.is_some() && unit.is_some() {
        return Err(Fail::Init(
            "specify only one of application or unit".to_string(),
        ));
    }
    // As in Juju, -r defaults to the hook's relation.
    if let Some(relation) = p.relation("r").or(ctx.relation.as_ref().map(|r| r.id)) {
        let remote = ctx
            .relations
            .get(&relation)
            .map(|r| r.remote_app.clone())
            .ok_or_else(|| Fail::Init("relation not found".to_string()))?;
        if app.is_some() {
            return Err(Fail::Init(
                "do not specify both relation and app".to_string(),
            ));
        }
        app = Some(remote);
    }
    if app.is_none() && unit.is_none() {
        return Err(Fail::Init(
            "missing relation or application or unit".to_string(),
        ));
    }
    check_empty(&p.args[1..])?;
    let target = match (unit, app) {
        (Some(u), _) => GrantTarget::Unit(u),
        (None, Some(a)) => GrantTarget::Application(a),
        (None, None) => return Ok(()),
    };
    let v = managed(ctx, &uri.id)?;
    v.grants.retain(|g| g.target != target);
    ctx.transactional.push(Transactional::Secret {
        change: SecretChange::Revoke { id: uri.id, target },
    });
    Ok(())
}

/// The secrets `secret-ids` and `secret-info-get` see: owned by this unit, or by its
/// application when it leads it (Juju's `SecretMetadata`).
fn owned(ctx: &HookContextData) -> impl Iterator<Item = (&String, &SecretView)> {
    ctx.secrets
        .secrets
        .iter()
        .filter(|(_, v)| v.manage && !removed(v))
}

fn secret_ids(p: &Parsed, ctx: &mut HookContextData, io: &mut Io) -> Result<(), Fail> {
    let out = Output::new(p, "smart");
    check_empty(&p.args)?;
    let ids: Vec<String> = owned(ctx).map(|(id, _)| id.clone()).collect();
    // Juju prints a nil []string when there is none: `null` in json.
    let node = if ids.is_empty() && out.is_json() {
        Node::Nil
    } else {
        Node::Strings(ids)
    };
    out.write(io, &node)
}

fn secret_info_get(p: &Parsed, ctx: &mut HookContextData, io: &mut Io) -> Result<(), Fail> {
    let out = Output::new(p, "yaml");
    let uri = optional_uri_arg(p)?;
    let label = given(p, "label");
    match (&uri, label) {
        (None, None) => {
            return Err(Fail::Init(
                "require either a secret URI or label".to_string(),
            ))
        }
        (Some(_), Some(_)) => {
            return Err(Fail::Init(
                "specify either a secret URI or label but not both".to_string(),
            ))
        }
        _ => {}
    }
    check_empty(p.args.get(1..).unwrap_or_default())?;
    let (want, found) = match (&uri, label) {
        (Some(u), _) => (u.id.clone(), owned(ctx).find(|(id, _)| **id == u.id)),
        (None, Some(l)) => (
            l.to_string(),
            owned(ctx).find(|(_, v)| v.label.as_deref() == Some(l)),
        ),
        (None, None) => return Ok(()),
    };
    let Some((id, v)) = found else {
        return Err(Fail::Run(format!("secret {} not found", quote(&want))));
    };
    let mut fields = vec![
        ("revision".to_string(), Node::Int(i64::from(v.latest))),
        (
            "label".to_string(),
            Node::Str(v.label.clone().unwrap_or_default()),
        ),
        (
            "owner".to_string(),
            Node::Str(v.owner.as_ref().map_or("", |o| o.kind()).to_string()),
        ),
    ];
    let optional = [
        ("description", v.description.clone().map(Node::Str)),
        ("rotation", v.rotate.clone().map(Node::Str)),
        (
            "expiry",
            v.latest_expire.map(|t| Node::Plain(format_time(t))),
        ),
        (
            "rotates",
            v.next_rotate
                .filter(|_| !v.created_here)
                .map(|t| Node::Plain(format_time(t))),
        ),
    ];
    fields.extend(
        optional
            .into_iter()
            .filter_map(|(k, n)| n.map(|n| (k.to_string(), n))),
    );
    if !v.grants.is_empty() {
        let access = v
            .grants
            .iter()
            .map(|g| {
                Node::Struct(vec![
                    ("target".to_string(), Node::Str(g.target.tag())),
                    ("scope".to_string(), Node::Str(g.scope.clone())),
                    ("role".to_string(), Node::Str("view".to_string())),
                ])
            })
            .collect();
        fields.push(("access".to_string(), Node::List(access)));
    }
    out.write(io, &Node::Map(vec![(id.clone(), Node::Struct(fields))]))
}
