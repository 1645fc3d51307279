//! The charm binary's entry point.

use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;

use anyhow::Context as _;
use charms_reactive_juju::env;

use crate::backend::JujuTools;
use crate::context::{Context, RelationContext};
use crate::handler;
use crate::hook::HookInfo;
use crate::logging;
use crate::metadata::{config_defaults, Metadata};
use crate::run::run_hook;
use crate::secrets::HookSecret;
use crate::unit_state::UnitStateDb;

/// Runs the hook this process was started for, with handlers ordered by crate name
/// (use [`crate::charm_main!`] for layer order). Exit code 0 on
/// success; on failure the error chain is sent to `juju-log` (printed on stderr if it
/// could not be) and the code is 1.
pub fn main() -> ExitCode {
    main_with_layers(&[])
}

/// Like [`crate::main`], with the layer order from the build: handlers of the first layer
/// run before those of the second within an iteration, and so on. [`crate::charm_main!`]
/// calls it; a charm has no reason to call it directly.
pub fn main_with_layers(layers: &[&str]) -> ExitCode {
    // `dispatch --describe`: the handlers and flags as JSON, no hook run.
    if std::env::args_os().nth(1).as_deref() == Some(crate::low_level::describe::ARG.as_ref()) {
        return match crate::low_level::describe::print(layers) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("ERROR {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    let _ = tracing::subscriber::set_global_default(logging::subscriber(
        logging::level_from_env(),
        logging::Echo::Stderr,
    ));
    match run_from_env(layers) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Once: juju-log has it already unless it could not be sent.
            if !logging::error_logged() {
                eprintln!("ERROR {e:#}");
            }
            ExitCode::FAILURE
        }
    }
}

fn charm_dir() -> anyhow::Result<PathBuf> {
    for var in [env::LEGACY_CHARM_DIR, env::CHARM_DIR] {
        if let Some(dir) = std::env::var_os(var).filter(|d| !d.is_empty()) {
            return Ok(PathBuf::from(dir));
        }
    }
    std::env::current_dir().with_context(|| {
        format!(
            "{} is not set and the working directory is unreadable",
            env::LEGACY_CHARM_DIR
        )
    })
}

fn run_from_env(layers: &[&str]) -> anyhow::Result<()> {
    let dispatch_path = std::env::var(env::DISPATCH_PATH).ok();
    let argv0 = std::env::args_os()
        .next()
        .map(|a| a.to_string_lossy().into_owned());
    let hook = HookInfo::from_env(dispatch_path.as_deref(), argv0.as_deref())?;
    // config-get runs while the unit state is opened (restricted hooks do not read it).
    let tools = Rc::new(JujuTools::new());
    if !hook.is_restricted() {
        tools.prefetch_json("config-get", &["--all"]);
    }
    let charm_dir = charm_dir()?;
    let metadata = Metadata::load(&charm_dir)?;
    let defaults = config_defaults(&charm_dir)?;
    let (db, kv) = UnitStateDb::open(&UnitStateDb::default_path(&charm_dir))?;
    let unit_name = unit_name_from(std::env::var(env::UNIT_NAME).ok())?;
    let mut ctx = Context::new(
        tools.clone(),
        hook,
        unit_name,
        relation_from_env(),
        metadata,
        defaults,
        charm_dir,
        kv,
    );
    ctx.secret = secret_from_env()?;
    ctx.layers = layers.iter().map(|l| l.to_string()).collect();
    let ctx = Rc::new(ctx);
    let handlers = handler::handlers(layers, &|_| true, &ctx.metadata)?;
    let startups = handler::startups(layers, &|_| true);
    match run_hook(ctx.clone(), &handlers, &startups) {
        Ok(()) => {
            // The last juju-log call is still running: commit meanwhile.
            let committed = db.commit(&ctx.kv.borrow());
            tools.wait_detached();
            Ok(committed?)
        }
        Err(e) => {
            db.rollback();
            tools.wait_detached();
            Err(e)
        }
    }
}

/// The unit's name from `JUJU_UNIT_NAME`, which Juju always sets: without it, relation
/// data, leadership and peer lookups would act for a unit named "".
fn unit_name_from(value: Option<String>) -> anyhow::Result<String> {
    match value {
        Some(name) if !name.is_empty() => Ok(name),
        _ => anyhow::bail!(
            "{} is not set: the charm's dispatch runs in a Juju hook or action, which sets it \
             (set it to the unit's name, e.g. app/0, to run it by hand)",
            env::UNIT_NAME
        ),
    }
}

/// The relation of a relation hook, from Juju's environment variables.
fn relation_from_env() -> Option<RelationContext> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    Some(RelationContext {
        relation_id: var(env::RELATION_ID)?,
        remote_unit: var(env::REMOTE_UNIT),
        remote_app: var(env::REMOTE_APP),
        departing_unit: var(env::DEPARTING_UNIT),
    })
}

/// The secret of a secret hook, from `JUJU_SECRET_ID`, `JUJU_SECRET_LABEL` and
/// `JUJU_SECRET_REVISION`; `None` when no secret id is set.
fn secret_from_env() -> anyhow::Result<Option<HookSecret>> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    secret_from(
        var(env::SECRET_ID),
        var(env::SECRET_LABEL),
        var(env::SECRET_REVISION),
    )
}

fn secret_from(
    id: Option<String>,
    label: Option<String>,
    revision: Option<String>,
) -> anyhow::Result<Option<HookSecret>> {
    let Some(id) = id else {
        return Ok(None);
    };
    let id = id
        .parse()
        .with_context(|| format!("{} is not a secret URI", env::SECRET_ID))?;
    let revision = revision
        .map(|r| {
            r.parse::<u32>()
                .with_context(|| format!("{} {r:?} is not a revision number", env::SECRET_REVISION))
        })
        .transpose()?;
    Ok(Some(HookSecret {
        id,
        label,
        revision,
    }))
}

/// Declares the interface an interface layer implements, e.g. `rabbitmq`. Handlers of
/// this crate whose flags use `{endpoint_name}` and which live in a `requires`,
/// `provides` or `peers` module are registered once per endpoint of the charm with that
/// role and interface (none if the charm has no such endpoint).
///
/// ```ignore
/// charms_reactive::interface!("rabbitmq");
/// ```
#[macro_export]
macro_rules! interface {
    ($name:literal) => {
        #[doc(hidden)]
        #[$crate::__private::linkme::distributed_slice($crate::__private::INTERFACES)]
        #[linkme(crate = $crate::__private::linkme)]
        static __REACTIVE_INTERFACE: $crate::__private::InterfaceDef =
            $crate::__private::InterfaceDef {
                module: ::core::module_path!(),
                name: $name,
            };
    };
}

/// Defines `main` for a charm binary made of layer crates, naming each crate so the
/// linker keeps its handlers and giving the runtime their order.
///
/// ```ignore
/// charms_reactive::charm_main!(layer_base, layer_apt, hello);
/// ```
#[macro_export]
macro_rules! charm_main {
    ($($layer:ident),* $(,)?) => {
        $( #[allow(unused_imports)] use $layer as _; )*
        fn main() -> ::std::process::ExitCode {
            $crate::low_level::main_with_layers(&[$(::core::stringify!($layer)),*])
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_unit_name_is_an_error_naming_the_variable() {
        for missing in [None, Some(String::new())] {
            let e = unit_name_from(missing).unwrap_err();
            assert!(
                e.to_string().starts_with("JUJU_UNIT_NAME is not set"),
                "{e}"
            );
        }
        assert_eq!(unit_name_from(Some("web/0".into())).unwrap(), "web/0");
    }

    #[test]
    fn the_secret_of_a_secret_hook_comes_from_juju_s_variables() {
        assert_eq!(secret_from(None, Some("x".into()), None).unwrap(), None);
        let s = secret_from(
            Some("secret:9m4e2mr0ui3e8a215n4g".into()),
            Some("db".into()),
            Some("3".into()),
        )
        .unwrap()
        .unwrap();
        assert_eq!(s.id.unique(), "9m4e2mr0ui3e8a215n4g");
        assert_eq!((s.label.as_deref(), s.revision), (Some("db"), Some(3)));
        let e = secret_from(Some("secret:nope".into()), None, None).unwrap_err();
        assert!(e.to_string().starts_with("JUJU_SECRET_ID"), "{e}");
        let e = secret_from(
            Some("secret:9m4e2mr0ui3e8a215n4g".into()),
            None,
            Some("x".into()),
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("JUJU_SECRET_REVISION"), "{e}");
    }
}
