//! `<charm>/dispatch --describe`: the charm's handlers and flags as JSON, without running
//! a hook, for `reactive graph`, `reactive explain` and the flag lint of `reactive build`
//! and `reactive proof`.
//!
//! For each handler: its conditions (with `{endpoint_name}` resolved against the charm's
//! `metadata.yaml`, one entry per endpoint as dispatch registers it), the flags its body
//! sets, clears and reads (string literals and `&str` constants passed to the flag
//! functions, found by the handler macros), and the flags set on its behalf by the layer
//! functions it calls ([`crate::declare_flags!`]). For each startup function, the
//! triggers it registers. Then the flags each layer declares it sets by itself, and the
//! automatic flags: `config.*` for every option of `config.yaml`, `endpoint.<name>.*` for
//! every endpoint, `secret.*` and `upgrade.series.in-progress`.
//!
//! A declared flag may keep a placeholder other than `{endpoint_name}` (`{package}`,
//! `{key}`, `{0}` for an argument the scan could not read): it stands for any name.
//!
//! The format is versioned by its `format` key; readers refuse another.

use std::collections::BTreeSet;
use std::path::Path;

use charms_reactive_juju::endpoint::{expand as expand_endpoint, has_placeholder};
use serde_json::{json, Value};

use crate::handler::{
    self, crate_of, BodyDef, Cond, Condition, Handler, NameThunk, Phase, FLAG_DECLS, INTERFACES,
};
use crate::metadata::{config_defaults, Metadata};

/// The value of the `format` key.
pub const FORMAT: &str = "charms-reactive-describe/1";

/// The command-line argument that makes a charm binary print its description.
pub const ARG: &str = "--describe";

/// The description of the handlers linked into this binary, for the charm in
/// `charm_dir` (its `metadata.yaml` and `config.yaml`; absent files count as empty), with
/// the crates in `layers` first in that order.
pub fn describe(layers: &[&str], charm_dir: &Path) -> anyhow::Result<Value> {
    let metadata = Metadata::load(charm_dir)?;
    let options: Vec<String> = config_defaults(charm_dir)?.into_keys().collect();
    let handlers = handler::handlers(layers, &|_| true, &metadata)?;
    let startups = handler::startups(layers, &|_| true);
    let handlers: Vec<Value> = handlers.iter().map(handler_json).collect();
    let startups: Vec<Value> = startups
        .iter()
        .map(|(id, def)| {
            let body = body_json(&def.body, crate_of(def.module), None);
            json!({
                "id": id,
                "layer": crate_of(def.module),
                "file": def.file,
                "line": def.line,
                "sets": body["sets"],
                "clears": body["clears"],
                "triggers": body["triggers"],
            })
        })
        .collect();
    let declared: Vec<Value> = FLAG_DECLS
        .iter()
        .filter(|d| d.function.is_none())
        .map(|d| {
            let krate = crate_of(d.module);
            let flags: BTreeSet<String> = d
                .flags
                .iter()
                .flat_map(|f| expand_for_crate(krate, f, &metadata))
                .collect();
            json!({"layer": krate, "flags": flags})
        })
        .collect();
    Ok(json!({
        "format": FORMAT,
        "charm": metadata.name,
        "layers": layers,
        "handlers": handlers,
        "startups": startups,
        "declared": declared,
        "automatic": automatic(&metadata, &options),
    }))
}

/// Prints the description as JSON on stdout; the charm binary's `--describe`.
pub(crate) fn print(layers: &[&str]) -> anyhow::Result<()> {
    let dir = charm_dir()?;
    let value = describe(layers, &dir)?;
    println!("{}", serde_json::to_string_pretty(&value)?);
    Ok(())
}

/// `$JUJU_CHARM_DIR` / `$CHARM_DIR` if set, else the binary's folder (`dispatch` sits at
/// the charm's root).
fn charm_dir() -> anyhow::Result<std::path::PathBuf> {
    use charms_reactive_juju::env;
    for var in [env::LEGACY_CHARM_DIR, env::CHARM_DIR] {
        if let Some(dir) = std::env::var_os(var).filter(|d| !d.is_empty()) {
            return Ok(dir.into());
        }
    }
    let exe = std::env::current_exe()?;
    Ok(exe
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| ".".into()))
}

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Hooks => "hooks",
        Phase::Action => "action",
        Phase::Flags => "flags",
        Phase::Restricted => "restricted",
    }
}

fn handler_json(h: &Handler) -> Value {
    let krate = crate_of(h.def.module);
    let strs = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let (mut all, mut any, mut none, mut not_all) = (vec![], vec![], vec![], vec![]);
    let (mut hooks, mut actions, mut files, mut only_once) = (vec![], vec![], vec![], false);
    for cond in &h.conditions {
        match cond {
            Cond::All(f) => all.extend(f.iter().cloned()),
            // Several #[when_any] (or #[when_not_all]) are each a group of their own.
            Cond::Any(f) => any.push(f.clone()),
            Cond::None(f) => none.extend(f.iter().cloned()),
            Cond::NotAll(f) => not_all.push(f.clone()),
            Cond::Static(Condition::Hook(p)) => hooks.extend(strs(p)),
            Cond::Static(Condition::Action(a)) => actions.extend(strs(a)),
            Cond::Static(Condition::FileChanged(f)) => files.extend(strs(f)),
            Cond::Static(Condition::OnlyOnce) => only_once = true,
            Cond::Static(Condition::Restricted(hook)) => hooks.push(hook.to_string()),
            Cond::Static(_) => {}
        }
    }
    let conds = json!({
        "when_all": all,
        "when_any": any,
        "when_none": none,
        "when_not_all": not_all,
        "hooks": hooks,
        "actions": actions,
        "files_changed": files,
        "only_once": only_once,
    });
    let body = body_json(&h.def.body, krate, h.endpoint.as_deref());
    json!({
        "id": h.id,
        "layer": krate,
        "module": h.def.module,
        "name": h.def.name,
        "file": h.def.file,
        "line": h.def.line,
        "phase": phase_name(h.phase),
        "endpoint": h.endpoint,
        "conditions": conds,
        "sets": body["sets"],
        "clears": body["clears"],
        "reads": body["reads"],
        "triggers": body["triggers"],
    })
}

fn names(thunks: &[NameThunk], endpoint: Option<&str>) -> BTreeSet<String> {
    thunks
        .iter()
        .filter_map(|t| t())
        .map(|n| match endpoint {
            Some(ep) => expand_endpoint(ep, n),
            None => n.to_string(),
        })
        .collect()
}

/// The flags a body sets, clears and reads, with those its calls to declared layer
/// functions set (`{0}` replaced by the call's first argument when the scan read it).
fn body_json(body: &BodyDef, krate: &str, endpoint: Option<&str>) -> Value {
    let mut sets = names(body.sets, endpoint);
    let clears = names(body.clears, endpoint);
    let reads = names(body.reads, endpoint);
    for call in body.calls {
        let mut segments: Vec<&str> = call.path.split("::").collect();
        let Some(name) = segments.pop() else { continue };
        // `krate::f(…)` is that crate's; a bare `f(…)` (maybe imported) is this crate's
        // if it declares one, else any crate's that does.
        let target = match segments.first() {
            None | Some(&"crate") | Some(&"self") | Some(&"super") => krate,
            Some(first) => first,
        };
        let named = |d: &&crate::handler::FlagDecl| d.function == Some(name);
        let mut decls: Vec<&crate::handler::FlagDecl> = FLAG_DECLS
            .iter()
            .filter(named)
            .filter(|d| crate_of(d.module) == target)
            .collect();
        if decls.is_empty() && segments.len() <= 1 {
            decls = FLAG_DECLS.iter().filter(named).collect();
        }
        for decl in decls {
            let arg = call.arg.and_then(|t| t());
            for flag in decl.flags {
                let flag = match arg {
                    Some(a) => flag.replace("{0}", a),
                    None => flag.to_string(),
                };
                sets.insert(match endpoint {
                    Some(ep) => expand_endpoint(ep, &flag),
                    None => flag,
                });
            }
        }
    }
    let triggers: Vec<Value> = body
        .triggers
        .iter()
        .map(|t| {
            let when = t.when.and_then(|w| w());
            json!({
                "when": if t.when_not { None } else { when },
                "when_not": if t.when_not { when } else { None },
                "sets": names(t.sets, endpoint),
                "clears": names(t.clears, endpoint),
            })
        })
        .collect();
    json!({"sets": sets, "clears": clears, "reads": reads, "triggers": triggers})
}

/// A declared flag of crate `krate`, `{endpoint_name}` resolved against the endpoints of
/// the interface that crate declares (every endpoint for other crates).
fn expand_for_crate(krate: &str, flag: &str, metadata: &Metadata) -> Vec<String> {
    if !has_placeholder(flag) {
        return vec![flag.to_string()];
    }
    let interface = INTERFACES.iter().find(|i| crate_of(i.module) == krate);
    metadata
        .endpoints
        .iter()
        .filter(|e| interface.is_none_or(|i| i.name == e.interface))
        .map(|e| expand_endpoint(&e.name, flag))
        .collect()
}

/// The flags the runtime sets by itself, by source.
fn automatic(metadata: &Metadata, options: &[String]) -> Value {
    let mut config = vec!["config.changed".to_string()];
    for opt in options {
        for kind in ["changed", "set", "default"] {
            config.push(format!("config.{kind}.{opt}"));
        }
    }
    let mut endpoint = Vec::new();
    for ep in &metadata.endpoints {
        for kind in ["joined", "changed", "changed.{field}", "departed"] {
            endpoint.push(format!("endpoint.{}.{kind}", ep.name));
        }
    }
    json!([
        {"source": "config", "flags": config},
        {"source": "endpoint", "flags": endpoint},
        {"source": "secret", "flags": [
            "secret.changed.{label}", "secret.rotate.{label}",
            "secret.expired.{label}", "secret.remove.{label}"
        ]},
        {"source": "series-upgrade", "flags": ["upgrade.series.in-progress"]},
    ])
}

/// Declares the flags a layer crate sets whose names its handlers compute (so the
/// handler macros cannot read them), for `--describe`, `reactive graph` and the flag
/// lint. Two forms:
///
/// ```ignore
/// // Flags this layer sets by itself; a placeholder stands for any name, and
/// // `{endpoint_name}` for each endpoint of the interface the crate declares.
/// charms_reactive::declare_flags!("apt.installed.{package}", "apt.queued_installs");
/// // Flags this crate's function sets for the handler calling it; `{0}` is the call's
/// // first argument (a literal or a `&str` constant).
/// charms_reactive::declare_flags!(fn acquire => "coordinator.requested.{0}");
/// ```
#[macro_export]
macro_rules! declare_flags {
    (fn $function:ident => $($flag:literal),+ $(,)?) => {
        $crate::__declare_flags!(::core::option::Option::Some(::core::stringify!($function)), $($flag),+);
    };
    ($($flag:literal),+ $(,)?) => {
        $crate::__declare_flags!(::core::option::Option::None, $($flag),+);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __declare_flags {
    ($function:expr, $($flag:literal),+) => {
        const _: () = {
            #[$crate::__private::linkme::distributed_slice($crate::__private::FLAG_DECLS)]
            #[linkme(crate = $crate::__private::linkme)]
            static DECLARATION: $crate::__private::FlagDecl = $crate::__private::FlagDecl {
                module: ::core::module_path!(),
                function: $function,
                flags: &[$($flag),+],
            };
        };
    };
}
