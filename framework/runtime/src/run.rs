//! One hook from start to end, independent of where its state and hook tools come from
//! (the real entry point and the test harness both use it).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use anyhow::{anyhow, Context as _};

use crate::auto_flags;
use crate::backend::LogLevel;
use crate::context::{self, Context};
use crate::dispatch::{dispatch, panic_message};
use crate::endpoint;
use crate::handler::{Handler, StartupDef};
use crate::logging;
use crate::low_level::status_policy;

/// Runs startup functions, automatic flags and the dispatch. On success the caller
/// commits `ctx.kv`; on error it must discard it. Logs are flushed to `juju-log` either
/// way, the error included.
pub(crate) fn run_hook(
    ctx: Rc<Context>,
    handlers: &[Handler],
    startups: &[(String, &'static StartupDef)],
) -> anyhow::Result<()> {
    let _entered = context::enter(ctx.clone());
    // Handlers catch their own panics; this catches the rest (trigger callbacks fired by
    // automatic flags, the flush), so every failure is reported the same way.
    let result = catch_unwind(AssertUnwindSafe(|| run_phases(&ctx, handlers, startups)))
        .unwrap_or_else(|p| Err(anyhow!("panicked: {}", panic_message(&p))));
    if let Err(e) = &result {
        // To juju-log; the caller prints it on stderr only if this could not be sent.
        ctx.logs
            .borrow_mut()
            .push((LogLevel::Error, format!("Hook error: {e:#}")));
    }
    if logging::flush(&ctx) && result.is_err() {
        logging::mark_error_logged();
    }
    result
}

fn run_phases(
    ctx: &Context,
    handlers: &[Handler],
    startups: &[(String, &'static StartupDef)],
) -> anyhow::Result<()> {
    let restricted = ctx.hook.is_restricted();
    if !restricted {
        for (id, startup) in startups {
            *ctx.current_handler.borrow_mut() = Some(id.clone());
            let result = catch_unwind(AssertUnwindSafe(startup.func))
                .unwrap_or_else(|p| Err(anyhow!("panicked: {}", panic_message(&p))));
            *ctx.current_handler.borrow_mut() = None;
            let callback_error = ctx.callback_errors.borrow_mut().drain(..).next();
            result
                .and(callback_error.map_or(Ok(()), Err))
                .with_context(|| format!("startup function {id} failed"))?;
        }
        auto_flags::on_start(ctx)?;
        endpoint::on_start(ctx)?;
        if let Some(e) = ctx.callback_errors.borrow_mut().drain(..).next() {
            return Err(e.context("while setting automatic flags"));
        }
    }
    dispatch(ctx, handlers)?;
    if restricted {
        endpoint::refuse_publish_in_restricted(ctx)?;
    } else {
        // Statuses a layer kept for the end of the hook, while the hook-lifetime flags
        // still exist and before anything is committed.
        status_policy::end_of_hook(ctx).context("setting the hook's final status")?;
        auto_flags::on_end(ctx);
        endpoint::flush(ctx)?;
    }
    Ok(())
}
