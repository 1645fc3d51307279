//! Triggers: flag changes that synchronously cause other flag changes or callbacks.
//!
//! Register them in a `#[startup]` function so they exist in every hook.

use std::collections::HashMap;

use crate::context::{current, Context};
use crate::flags;

/// Which transition a trigger reacts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum On {
    /// The flag goes from unset to set.
    Set,
    /// The flag goes from set to unset.
    Cleared,
}

/// A trigger, built with [`Trigger::when`] or [`Trigger::when_not`].
///
/// ```no_run
/// use charms_reactive::triggers::{register_trigger, Trigger};
/// // Whenever the port option changes, the service must be reconfigured.
/// register_trigger(Trigger::when("config.changed.port").clear_flag("app.configured")).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct Trigger {
    on: On,
    flag: String,
    actions: Actions,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Actions {
    set: Vec<String>,
    clear: Vec<String>,
    callbacks: Vec<fn() -> anyhow::Result<()>>,
}

impl Trigger {
    /// Reacts to `flag` being set.
    pub fn when(flag: &str) -> Trigger {
        Trigger {
            on: On::Set,
            flag: flag.to_string(),
            actions: Actions::default(),
        }
    }

    /// Reacts to `flag` being cleared.
    pub fn when_not(flag: &str) -> Trigger {
        Trigger {
            on: On::Cleared,
            flag: flag.to_string(),
            actions: Actions::default(),
        }
    }

    /// Also sets `flag`.
    pub fn set_flag(mut self, flag: &str) -> Trigger {
        self.actions.set.push(flag.to_string());
        self
    }

    /// Also clears `flag`.
    pub fn clear_flag(mut self, flag: &str) -> Trigger {
        self.actions.clear.push(flag.to_string());
        self
    }

    /// Also calls `callback`. An error it returns fails the hook once the running
    /// handler returns.
    pub fn callback(mut self, callback: fn() -> anyhow::Result<()>) -> Trigger {
        self.actions.callbacks.push(callback);
        self
    }
}

/// Error from [`register_trigger`].
#[derive(Debug, thiserror::Error)]
#[error("trigger on flag {0:?} has no action: give it set_flag, clear_flag or callback")]
pub struct NoTriggerAction(String);

/// Registers a trigger for the rest of this hook. Triggers are not persisted: register
/// them in a `#[startup]` function so they exist in every hook. Registering the same
/// action twice has no extra effect.
pub fn register_trigger(trigger: Trigger) -> Result<(), NoTriggerAction> {
    let a = &trigger.actions;
    if a.set.is_empty() && a.clear.is_empty() && a.callbacks.is_empty() {
        return Err(NoTriggerAction(trigger.flag));
    }
    current().triggers.borrow_mut().add(trigger);
    Ok(())
}

/// Triggers registered in this hook.
#[derive(Debug, Default)]
pub(crate) struct Triggers {
    by_flag: HashMap<(On, String), Actions>,
}

impl Triggers {
    fn add(&mut self, trigger: Trigger) {
        let entry = self.by_flag.entry((trigger.on, trigger.flag)).or_default();
        for f in trigger.actions.set {
            if !entry.set.contains(&f) {
                entry.set.push(f);
            }
        }
        for f in trigger.actions.clear {
            if !entry.clear.contains(&f) {
                entry.clear.push(f);
            }
        }
        for cb in trigger.actions.callbacks {
            if !entry.callbacks.contains(&cb) {
                entry.callbacks.push(cb);
            }
        }
    }
}

/// How deep trigger cascades may go before they are taken for a cycle.
const MAX_CASCADE_DEPTH: usize = 100;

/// Runs the triggers of a transition: sets, then clears, then callbacks, recursively.
/// A cascade deeper than [`MAX_CASCADE_DEPTH`] (a cycle of triggers) stops and fails the
/// hook with the chain of flags, instead of overflowing the stack.
pub(crate) fn fire(ctx: &Context, on: On, flag: &str) {
    let Some(actions) = ctx
        .triggers
        .borrow()
        .by_flag
        .get(&(on, flag.to_string()))
        .cloned()
    else {
        return;
    };
    if ctx.trigger_chain.borrow().len() >= MAX_CASCADE_DEPTH {
        let chain = ctx.trigger_chain.borrow();
        let tail: Vec<&str> = chain
            .iter()
            .rev()
            .take(8)
            .rev()
            .map(String::as_str)
            .collect();
        ctx.callback_errors.borrow_mut().push(anyhow::anyhow!(
            "trigger cascade deeper than {MAX_CASCADE_DEPTH} (a cycle of triggers?); last flags: {} -> {flag}",
            tail.join(" -> ")
        ));
        return;
    }
    ctx.trigger_chain.borrow_mut().push(flag.to_string());
    for f in &actions.set {
        flags::set_in(ctx, f, serde_json::Value::Null);
    }
    for f in &actions.clear {
        flags::clear_in(ctx, f);
    }
    for cb in &actions.callbacks {
        if let Err(e) = cb() {
            ctx.callback_errors
                .borrow_mut()
                .push(e.context(format!("trigger callback on flag {flag:?}")));
        }
    }
    ctx.trigger_chain.borrow_mut().pop();
}
