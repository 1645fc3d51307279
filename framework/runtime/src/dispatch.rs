//! The dispatcher: the hooks phase, then the flag loop until no flag changes.
//!
//! Rules kept from charms.reactive: `#[hook]` handlers run before any
//! flag handler; the queue of an iteration is fixed when it starts, so flags set by a
//! handler take effect in the next iteration; clearing a flag re-tests the rest of the
//! queue (and can drop handlers from it, never add); after the first iteration a handler
//! is re-tested only if one of its own flags transitioned in the previous iteration;
//! order within an iteration is registration order.
//!
//! Differences, on purpose: the order is deterministic (layer order, then source order);
//! clearing an unset flag re-tests nothing; predicates have no side effects (file-change
//! and only-once marks are recorded after the handler succeeded); a handler with no flag
//! conditions runs in the first iteration only; and a loop that has not settled after
//! [`MAX_ITERATIONS`] fails the hook, naming what keeps changing.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};

use anyhow::{anyhow, Context as _};

use crate::context::Context;
use crate::flags::is_set_in;
use crate::handler::{Cond, Condition, Handler, Phase};
use crate::helpers;
use crate::hook_pattern::hook_matches;

/// Iterations of the flag loop after which a hook fails (charms.reactive stops silently
/// after the same number).
pub const MAX_ITERATIONS: usize = 100;

/// How many of the last iterations the "did not settle" error describes.
const REPORTED_ITERATIONS: usize = 10;

impl Handler {
    /// Tests the conditions once (reading state only); when they all hold, what made them true (the flags seen
    /// set or unset, the hook, the action), for the DEBUG line of the invocation.
    pub(crate) fn evaluate(&self, ctx: &Context) -> Option<Vec<String>> {
        let mut why = Vec::new();
        for cond in &self.conditions {
            let holds = match cond {
                Cond::All(f) => {
                    let all = f.iter().all(|f| is_set_in(ctx, f));
                    if all {
                        why.extend(f.iter().cloned());
                    }
                    all
                }
                Cond::Any(f) => match f.iter().find(|f| is_set_in(ctx, f)) {
                    Some(set) => {
                        why.push(set.clone());
                        true
                    }
                    None => false,
                },
                Cond::None(f) => {
                    let none = !f.iter().any(|f| is_set_in(ctx, f));
                    if none {
                        why.extend(f.iter().map(|f| format!("not {f}")));
                    }
                    none
                }
                Cond::NotAll(f) => match f.iter().find(|f| !is_set_in(ctx, f)) {
                    Some(unset) => {
                        why.push(format!("not {unset}"));
                        true
                    }
                    None => false,
                },
                Cond::Static(Condition::Hook(p)) => match ctx.hook.hook_name() {
                    Some(h) if hook_matches(h, p, &ctx.metadata) => {
                        why.push(format!("hook {h}"));
                        true
                    }
                    _ => false,
                },
                Cond::Static(Condition::Action(names)) => match ctx.hook.action_name() {
                    Some(a) if names.contains(&a) => {
                        why.push(format!("action {a}"));
                        true
                    }
                    _ => false,
                },
                Cond::Static(Condition::Restricted(h)) => {
                    let holds = ctx.hook.hook_name() == Some(h);
                    if holds {
                        why.push(format!("hook {h}"));
                    }
                    holds
                }
                Cond::Static(Condition::FileChanged(paths)) => {
                    let changed = helpers::files_changed(ctx, &self.id, paths);
                    if changed {
                        why.push("a watched file changed".to_string());
                    }
                    changed
                }
                Cond::Static(Condition::OnlyOnce) => {
                    let first = !helpers::was_invoked(ctx, &self.id);
                    if first {
                        why.push("never ran before (only_once)".to_string());
                    }
                    first
                }
                // Flag conditions are always expanded into the variants above.
                Cond::Static(_) => false,
            };
            if !holds {
                return None;
            }
        }
        Some(why)
    }
}

impl Handler {
    /// A `#[when_file_changed]` handler with no flag, hook or action condition.
    fn is_bare_file_watch(&self) -> bool {
        self.phase == Phase::Hooks
            && self
                .conditions
                .iter()
                .any(|c| matches!(c, Cond::Static(Condition::FileChanged(_))))
            && !self
                .conditions
                .iter()
                .any(|c| matches!(c, Cond::Static(Condition::Hook(_))))
    }
}

/// Runs the handlers of `handlers` that apply to this hook, in dispatch order.
pub(crate) fn dispatch(ctx: &Context, handlers: &[Handler]) -> anyhow::Result<()> {
    if ctx.hook.is_restricted() {
        tracing::debug!("restricted dispatch for {:?}", ctx.hook);
        return run_phase(ctx, handlers, Phase::Restricted).map(drop);
    }
    if let Some(action) = ctx.hook.action_name() {
        let ran = run_phase(ctx, handlers, Phase::Action)?;
        if ran == 0 {
            report_unhandled_action(ctx, handlers, action)?;
        }
    }
    run_phase(ctx, handlers, Phase::Hooks)?;
    flag_loop(ctx, handlers)
}

/// Tests and invokes every handler of one single-pass phase; returns how many ran.
fn run_phase(ctx: &Context, handlers: &[Handler], phase: Phase) -> anyhow::Result<usize> {
    let queue: VecDeque<(&Handler, Vec<String>)> = handlers
        .iter()
        .filter(|h| h.phase == phase)
        .filter_map(|h| h.evaluate(ctx).map(|why| (h, why)))
        .collect();
    tracing::debug!("{phase:?} phase, {} handlers queued", queue.len());
    let before = ctx.invoked.borrow().len();
    run_queue(ctx, queue)?;
    Ok(ctx.invoked.borrow().len() - before)
}

/// An action whose handlers all had unmet conditions fails with a message saying why.
fn report_unhandled_action(
    ctx: &Context,
    handlers: &[Handler],
    action: &str,
) -> anyhow::Result<()> {
    let for_action: Vec<&Handler> = handlers
        .iter()
        .filter(|h| {
            h.phase == Phase::Action
                && h.def
                    .conditions
                    .iter()
                    .any(|c| matches!(c, Condition::Action(n) if n.contains(&action)))
        })
        .collect();
    let message = if for_action.is_empty() {
        format!("no handler for action {action:?}")
    } else {
        let ids: Vec<&str> = for_action.iter().map(|h| h.id.as_str()).collect();
        format!(
            "action {action:?} cannot run now: the conditions of {} are not met",
            ids.join(", ")
        )
    };
    tracing::warn!("{message}");
    ctx.backend.action_fail(&message).context("action-fail")?;
    Ok(())
}

fn flag_loop(ctx: &Context, handlers: &[Handler]) -> anyhow::Result<()> {
    let mut changes: Vec<String> = Vec::new();
    let mut history: VecDeque<(Vec<String>, Vec<String>)> = VecDeque::new();
    ctx.watch.borrow_mut().pending.clear();
    for iteration in 0..=MAX_ITERATIONS {
        let queue: VecDeque<(&Handler, Vec<String>)> = handlers
            .iter()
            .filter(|h| {
                // Bare file watchers are tested in every iteration, as in charms.reactive:
                // a handler earlier in this hook may have rewritten the file.
                (h.phase == Phase::Flags
                    && (iteration == 0 || h.watched.iter().any(|f| changes.iter().any(|c| c == f))))
                    || h.is_bare_file_watch()
            })
            .filter_map(|h| h.evaluate(ctx).map(|why| (h, why)))
            .collect();
        if queue.is_empty() {
            return Ok(());
        }
        if iteration == MAX_ITERATIONS {
            return Err(not_settled(&history));
        }
        tracing::debug!(
            "flag loop iteration {iteration}, {} handlers queued",
            queue.len()
        );
        if tracing::enabled!(tracing::Level::TRACE) {
            let ids: Vec<&str> = queue.iter().map(|(h, _)| h.id.as_str()).collect();
            tracing::trace!("queue: {}", ids.join(", "));
            tracing::trace!("flags that changed: {}", changes.join(", "));
        }
        let before = ctx.invoked.borrow().len();
        run_queue(ctx, queue)?;
        changes = std::mem::take(&mut ctx.watch.borrow_mut().pending);
        let ran = ctx.invoked.borrow()[before..].to_vec();
        history.push_back((ran, changes.clone()));
        if history.len() > REPORTED_ITERATIONS {
            history.pop_front();
        }
    }
    Ok(())
}

fn not_settled(history: &VecDeque<(Vec<String>, Vec<String>)>) -> anyhow::Error {
    let mut handlers: Vec<&str> = history
        .iter()
        .flat_map(|(h, _)| h.iter().map(String::as_str))
        .collect();
    let mut flags: Vec<&str> = history
        .iter()
        .flat_map(|(_, f)| f.iter().map(String::as_str))
        .collect();
    handlers.sort_unstable();
    handlers.dedup();
    flags.sort_unstable();
    flags.dedup();
    anyhow!(
        "reactive dispatch did not settle after {MAX_ITERATIONS} iterations; in the last {} \
         iterations these handlers kept running: {}; and these flags kept changing: {}",
        history.len(),
        handlers.join(", "),
        if flags.is_empty() {
            "(none)".to_string()
        } else {
            flags.join(", ")
        },
    )
}

/// Invokes a queue in order; after a handler that cleared a set flag, the rest of the
/// queue is re-tested against the current flags (and what made each true is updated).
fn run_queue(ctx: &Context, mut queue: VecDeque<(&Handler, Vec<String>)>) -> anyhow::Result<()> {
    while let Some((handler, why)) = queue.pop_front() {
        ctx.watch.borrow_mut().cleared = false;
        invoke(ctx, handler, &why)?;
        if ctx.watch.borrow().cleared {
            let before = queue.len();
            queue = queue
                .into_iter()
                .filter_map(|(h, _)| h.evaluate(ctx).map(|why| (h, why)))
                .collect();
            if queue.len() != before {
                tracing::debug!(
                    "{} handlers dequeued after a flag was cleared",
                    before - queue.len()
                );
            }
        }
    }
    Ok(())
}

fn invoke(ctx: &Context, handler: &Handler, why: &[String]) -> anyhow::Result<()> {
    tracing::info!("Invoking reactive handler: {}", handler.id);
    // Why, from the single evaluation that queued it: no predicate runs twice.
    if why.is_empty() {
        tracing::debug!("{} runs: it has no conditions", handler.id);
    } else {
        tracing::debug!("{} runs because: {}", handler.id, why.join(", "));
    }
    ctx.invoked.borrow_mut().push(handler.id.clone());
    *ctx.current_endpoint.borrow_mut() = handler.endpoint.clone();
    *ctx.current_handler.borrow_mut() = Some(handler.id.clone());
    let result = match catch_unwind(AssertUnwindSafe(handler.def.func)) {
        Ok(result) => result,
        Err(panic) => Err(anyhow!("panicked: {}", panic_message(&panic))),
    };
    *ctx.current_endpoint.borrow_mut() = None;
    *ctx.current_handler.borrow_mut() = None;
    let callback_error = ctx.callback_errors.borrow_mut().drain(..).next();
    result
        .and(callback_error.map_or(Ok(()), Err))
        .with_context(|| {
            format!(
                "reactive handler {} ({}:{}) failed",
                handler.id, handler.def.file, handler.def.line
            )
        })?;
    for cond in handler.def.conditions {
        match cond {
            Condition::OnlyOnce => helpers::mark_invoked(ctx, &handler.id),
            Condition::FileChanged(paths) => helpers::record_files(ctx, &handler.id, paths),
            _ => {}
        }
    }
    Ok(())
}

pub(crate) fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic payload)".to_string()
    }
}
