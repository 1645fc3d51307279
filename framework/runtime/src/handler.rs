//! Handler registry: what the macros register at link time, and its deterministic order.
//!
//! `linkme` distributed slices hold the registrations (for both handlers and startup
//! functions): the macros emit plain `static` data, so collecting them costs nothing at
//! run time and needs no life-before-main constructors (which `inventory` relies on).
//! Either way the charm binary must name every layer crate (`use layer as _;`) or the
//! linker drops its registrations; [`crate::charm_main!`] does that.

use linkme::distributed_slice;

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
}

/// A `#[startup]` function as registered by the macro.
#[doc(hidden)]
pub struct StartupDef {
    pub name: &'static str,
    pub module: &'static str,
    pub file: &'static str,
    pub line: u32,
    pub func: fn() -> anyhow::Result<()>,
}

#[doc(hidden)]
#[distributed_slice]
pub static HANDLERS: [HandlerDef];

#[doc(hidden)]
#[distributed_slice]
pub static STARTUP: [StartupDef];

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

/// A registered handler, ready for dispatch.
#[derive(Debug)]
pub(crate) struct Handler {
    pub id: String,
    pub def: &'static HandlerDef,
    pub phase: Phase,
    /// Every flag named in a `#[when*]` condition: a handler is re-tested after the first
    /// iteration only when one of these transitioned.
    pub watched: Vec<&'static str>,
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

impl Handler {
    fn new(def: &'static HandlerDef) -> Handler {
        let has = |pred: fn(&Condition) -> bool| def.conditions.iter().any(pred);
        // The macros reject conflicting combinations; what remains is ranked.
        let phase = if has(|c| matches!(c, Condition::Restricted(_))) {
            Phase::Restricted
        } else if has(|c| matches!(c, Condition::Action(_))) {
            Phase::Action
        } else if has(|c| matches!(c, Condition::Hook(_))) {
            Phase::Hooks
        } else if has(|c| {
            matches!(
                c,
                Condition::WhenAll(_)
                    | Condition::WhenAny(_)
                    | Condition::WhenNone(_)
                    | Condition::WhenNotAll(_)
            )
        }) {
            Phase::Flags
        } else {
            Phase::Hooks
        };
        let mut watched: Vec<&'static str> = def
            .conditions
            .iter()
            .flat_map(|c| match c {
                Condition::WhenAll(f)
                | Condition::WhenAny(f)
                | Condition::WhenNone(f)
                | Condition::WhenNotAll(f) => *f,
                _ => &[],
            })
            .copied()
            .collect();
        watched.sort_unstable();
        watched.dedup();
        Handler {
            id: format!("{}::{}", def.module, def.name),
            def,
            phase,
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

/// All registered handlers, in dispatch order, keeping those `select` accepts.
pub(crate) fn handlers(layers: &[&str], select: &dyn Fn(&str) -> bool) -> Vec<Handler> {
    let mut defs: Vec<&'static HandlerDef> = HANDLERS.iter().collect();
    defs.sort_by_key(|d| source_key(layers, d.module, d.file, d.line));
    defs.into_iter()
        .map(Handler::new)
        .filter(|h| select(&h.id))
        .collect()
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
