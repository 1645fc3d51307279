//! Handler registry: what the macros register at link time, and its deterministic order.
//!
//! `linkme` distributed slices hold the registrations (handlers, startup functions and
//! interface declarations): the macros emit plain `static` data, so collecting them
//! costs nothing at run time and needs no life-before-main constructors (which
//! `inventory` relies on). Either way the charm binary must name every layer crate
//! (`use layer as _;`) or the linker drops its registrations; [`crate::charm_main!`]
//! does that.

use linkme::distributed_slice;

use charms_reactive_juju::endpoint::{has_placeholder, Role, PLACEHOLDER};

use crate::metadata::Metadata;

/// One condition of a handler, as written in its attributes.
#[doc(hidden)]
#[derive(Debug)]
pub enum Condition {
    WhenAll(&'static [&'static str]),
    WhenAny(&'static [&'static str]),
    WhenNone(&'static [&'static str]),
    WhenNotAll(&'static [&'static str]),
    Hook(&'static [&'static str]),
    FileChanged(&'static [&'static str]),
    OnlyOnce,
    Action(&'static [&'static str]),
    Restricted(&'static str),
}

/// A handler as registered by the macros.
#[doc(hidden)]
pub struct HandlerDef {
    pub name: &'static str,
    pub module: &'static str,
    pub file: &'static str,
    pub line: u32,
    pub func: fn() -> anyhow::Result<()>,
    pub conditions: &'static [Condition],
    /// What its body does with flags, as the macro read it.
    pub body: BodyDef,
}

/// A `#[startup]` function as registered by the macro.
#[doc(hidden)]
pub struct StartupDef {
    pub name: &'static str,
    pub module: &'static str,
    pub file: &'static str,
    pub line: u32,
    pub func: fn() -> anyhow::Result<()>,
    /// What its body does with flags (the triggers it registers).
    pub body: BodyDef,
}

/// A flag name the macro found in a body: a literal, or a constant read at run time
/// (`None` when that constant is not a `&str`).
#[doc(hidden)]
pub type NameThunk = fn() -> Option<&'static str>;

/// What a handler's or startup function's body does with flags (see the macros' scan).
#[doc(hidden)]
#[derive(Debug)]
pub struct BodyDef {
    pub sets: &'static [NameThunk],
    pub clears: &'static [NameThunk],
    pub reads: &'static [NameThunk],
    pub calls: &'static [CallDef],
    pub triggers: &'static [TriggerDef],
}

/// A call in a body to a function that is not a flag function, with its first argument
/// when that is a literal or a constant.
#[doc(hidden)]
#[derive(Debug)]
pub struct CallDef {
    pub path: &'static str,
    pub arg: Option<NameThunk>,
}

/// A `register_trigger` call in a body.
#[doc(hidden)]
#[derive(Debug)]
pub struct TriggerDef {
    pub when: Option<NameThunk>,
    pub when_not: bool,
    pub sets: &'static [NameThunk],
    pub clears: &'static [NameThunk],
}

/// Flags a layer sets by itself (`function: None`) or that its function `function` sets
/// on its caller's behalf ([`crate::declare_flags!`]).
#[doc(hidden)]
pub struct FlagDecl {
    pub module: &'static str,
    pub function: Option<&'static str>,
    pub flags: &'static [&'static str],
}

/// Wraps a constant the macros found as a flag argument, to ask its type.
#[doc(hidden)]
pub struct Probe<'a, T: ?Sized>(pub &'a T);

/// Picks `Some` for a `&str` constant by method resolution (see the macros' scan).
#[doc(hidden)]
pub trait FlagArgStr {
    fn __flag_arg(&self) -> Option<&'static str>;
}

impl FlagArgStr for Probe<'_, &'static str> {
    fn __flag_arg(&self) -> Option<&'static str> {
        Some(*self.0)
    }
}

/// The fallback of [`FlagArgStr`]: a constant of any other type names no flag.
#[doc(hidden)]
pub trait FlagArgOther {
    fn __flag_arg(&self) -> Option<&'static str>;
}

impl<T: ?Sized> FlagArgOther for &Probe<'_, T> {
    fn __flag_arg(&self) -> Option<&'static str> {
        None
    }
}

/// An interface layer's declaration ([`crate::interface!`]).
#[doc(hidden)]
pub struct InterfaceDef {
    pub module: &'static str,
    pub name: &'static str,
}

#[doc(hidden)]
#[distributed_slice]
pub static HANDLERS: [HandlerDef];

#[doc(hidden)]
#[distributed_slice]
pub static STARTUP: [StartupDef];

#[doc(hidden)]
#[distributed_slice]
pub static INTERFACES: [InterfaceDef];

#[doc(hidden)]
#[distributed_slice]
pub static FLAG_DECLS: [FlagDecl];

/// A handler that cannot be registered for the charm's endpoints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum RegistrationError {
    /// A templated handler in a crate without `interface!`.
    #[error(
        "handler {module}::{name} uses {PLACEHOLDER} but crate `{krate}` declares no interface; \
         add `charms_reactive::interface!(\"<interface name>\");` to its lib.rs"
    )]
    NoInterface {
        module: &'static str,
        name: &'static str,
        krate: &'static str,
    },
    /// A templated handler outside a `requires`, `provides` or `peers` module.
    #[error(
        "handler {module}::{name} uses {PLACEHOLDER} but is not in a `requires`, `provides` or \
         `peers` module, so its role is unknown"
    )]
    NoRole {
        module: &'static str,
        name: &'static str,
    },
}

/// When in a dispatch a handler may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// `#[hook]` handlers, and bare `#[only_once]` / `#[when_file_changed]` handlers
    /// (which charms.reactive also runs before the flag loop).
    Hooks,
    /// `#[action]` handlers, in the same slot as hooks when an action runs.
    Action,
    /// The flag loop: every handler with a `#[when*]` condition.
    Flags,
    /// `#[collect_metrics]` / `#[meter_status_changed]`.
    Restricted,
}

/// A handler condition with its flags expanded for one endpoint.
#[derive(Debug)]
pub(crate) enum Cond {
    All(Vec<String>),
    Any(Vec<String>),
    None(Vec<String>),
    NotAll(Vec<String>),
    Static(&'static Condition),
}

/// A registered handler, ready for dispatch.
#[derive(Debug)]
pub(crate) struct Handler {
    pub id: String,
    pub def: &'static HandlerDef,
    pub phase: Phase,
    /// The endpoint an interface-layer handler is bound to.
    pub endpoint: Option<String>,
    pub conditions: Vec<Cond>,
    /// Every flag named in a `#[when*]` condition: a handler is re-tested after the first
    /// iteration only when one of these transitioned.
    pub watched: Vec<String>,
}

impl std::fmt::Debug for HandlerDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}::{} ({}:{})",
            self.module, self.name, self.file, self.line
        )
    }
}

fn flag_lists(def: &HandlerDef) -> impl Iterator<Item = &'static [&'static str]> + '_ {
    def.conditions.iter().filter_map(|c| match c {
        Condition::WhenAll(f)
        | Condition::WhenAny(f)
        | Condition::WhenNone(f)
        | Condition::WhenNotAll(f) => Some(*f),
        _ => None,
    })
}

impl Handler {
    fn new(def: &'static HandlerDef, endpoint: Option<&str>) -> Handler {
        let has = |pred: fn(&Condition) -> bool| def.conditions.iter().any(pred);
        // The macros reject conflicting combinations; what remains is ranked.
        let phase = if has(|c| matches!(c, Condition::Restricted(_))) {
            Phase::Restricted
        } else if has(|c| matches!(c, Condition::Action(_))) {
            Phase::Action
        } else if has(|c| matches!(c, Condition::Hook(_))) {
            Phase::Hooks
        } else if flag_lists(def).next().is_some() {
            Phase::Flags
        } else {
            Phase::Hooks
        };
        let expand = |flags: &[&str]| -> Vec<String> {
            flags
                .iter()
                .map(|f| match endpoint {
                    Some(ep) => charms_reactive_juju::endpoint::expand(ep, f),
                    None => f.to_string(),
                })
                .collect()
        };
        let conditions: Vec<Cond> = def
            .conditions
            .iter()
            .map(|c| match c {
                Condition::WhenAll(f) => Cond::All(expand(f)),
                Condition::WhenAny(f) => Cond::Any(expand(f)),
                Condition::WhenNone(f) => Cond::None(expand(f)),
                Condition::WhenNotAll(f) => Cond::NotAll(expand(f)),
                other => Cond::Static(other),
            })
            .collect();
        let mut watched: Vec<String> = conditions
            .iter()
            .flat_map(|c| match c {
                Cond::All(f) | Cond::Any(f) | Cond::None(f) | Cond::NotAll(f) => f.clone(),
                Cond::Static(_) => Vec::new(),
            })
            .collect();
        watched.sort_unstable();
        watched.dedup();
        let base = format!("{}::{}", def.module, def.name);
        Handler {
            id: match endpoint {
                Some(ep) => format!("{base}:{ep}"),
                None => base,
            },
            def,
            phase,
            endpoint: endpoint.map(str::to_string),
            conditions,
            watched,
        }
    }
}

/// The crate a module path belongs to (its first segment).
pub(crate) fn crate_of(module: &str) -> &str {
    module.split("::").next().unwrap_or(module)
}

/// Rank of a crate in the layer order: listed layers first, in their order, then any
/// other crate by name (a charm built by `reactive build` lists all of them).
fn layer_rank<'a>(layers: &[&str], krate: &'a str) -> (usize, &'a str) {
    let normalized = |s: &str| s.replace('-', "_");
    let pos = layers.iter().position(|l| normalized(l) == krate);
    (pos.unwrap_or(layers.len()), krate)
}

/// Sort key: layer order, then source order (file, line) within the layer.
fn source_key<'a>(layers: &[&str], module: &'a str, file: &'a str, line: u32) -> impl Ord + 'a {
    (layer_rank(layers, crate_of(module)), file, line)
}

/// The endpoints an interface-layer handler is registered for: those of the charm whose
/// role is the handler's module (`requires`, `provides` or `peers`) and whose interface
/// is the one its crate declares.
fn endpoints_for(def: &HandlerDef, metadata: &Metadata) -> Result<Vec<String>, RegistrationError> {
    let krate = crate_of(def.module);
    let interface = INTERFACES
        .iter()
        .find(|i| crate_of(i.module) == krate)
        .ok_or(RegistrationError::NoInterface {
            module: def.module,
            name: def.name,
            krate,
        })?;
    let role = def
        .module
        .split("::")
        .find_map(Role::parse)
        .ok_or(RegistrationError::NoRole {
            module: def.module,
            name: def.name,
        })?;
    Ok(metadata.endpoints_for(role, interface.name))
}

/// All registered handlers, in dispatch order, keeping those `select` accepts. A handler
/// with `{endpoint_name}` in a flag becomes one handler per matching endpoint (none if
/// the charm has no such endpoint), in endpoint-name order.
pub(crate) fn handlers(
    layers: &[&str],
    select: &dyn Fn(&str) -> bool,
    metadata: &Metadata,
) -> Result<Vec<Handler>, RegistrationError> {
    let mut defs: Vec<&'static HandlerDef> = HANDLERS.iter().collect();
    defs.sort_by_key(|d| source_key(layers, d.module, d.file, d.line));
    let mut out = Vec::new();
    for def in defs {
        let templated = flag_lists(def).flatten().any(|f| has_placeholder(f));
        if templated {
            for ep in endpoints_for(def, metadata)? {
                out.push(Handler::new(def, Some(&ep)));
            }
        } else {
            out.push(Handler::new(def, None));
        }
    }
    out.retain(|h| select(&h.id));
    Ok(out)
}

/// All registered startup functions, in the same order as handlers.
pub(crate) fn startups(
    layers: &[&str],
    select: &dyn Fn(&str) -> bool,
) -> Vec<(String, &'static StartupDef)> {
    let mut defs: Vec<&'static StartupDef> = STARTUP.iter().collect();
    defs.sort_by_key(|d| source_key(layers, d.module, d.file, d.line));
    defs.into_iter()
        .map(|d| (format!("{}::{}", d.module, d.name), d))
        .filter(|(id, _)| select(id))
        .collect()
}
