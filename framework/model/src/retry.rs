//! Automatic hook retries, as Juju's model option `automatically-retry-hooks` (on by
//! default): a failed hook is run again after a delay that doubles with each failure in
//! a row, from 5 seconds to at most 5 minutes (Juju's retry strategy facade,
//! `apiserver/facades/agent/retrystrategy`: `MinRetryTime` 5s, `RetryTimeFactor` 2,
//! `MaxRetryTime` 5m). The delay is on the model's clock, which moves only with
//! `reactive model tick --advance`: a command never waits for a retry, it says when the
//! retry is due. `reactive model resolve` still retries (or skips) at once.
//!
//! Layer: the uniter's bookkeeping (it uses the state only).

use crate::state::{Agent, ModelState};

/// The model option that turns automatic retries on or off, as Juju names it.
pub const OPTION: &str = "automatically-retry-hooks";

/// The first delay, in seconds.
const MIN_DELAY: i64 = 5;
/// The longest delay, in seconds.
const MAX_DELAY: i64 = 5 * 60;
/// How much the delay grows with each failure in a row.
const FACTOR: i64 = 2;

/// The delay before retrying a hook that has failed `failures` times in a row (1 for
/// the first failure): 5s, 10s, 20s, 40s, … then 5 minutes each time.
pub fn delay(failures: u32) -> i64 {
    let mut delay = MIN_DELAY;
    for _ in 1..failures {
        delay = (delay * FACTOR).min(MAX_DELAY);
        if delay == MAX_DELAY {
            break;
        }
    }
    delay
}

/// After `unit`'s hook failed (the unit is now in error): counts the failure and, if
/// the model retries hooks, schedules the retry on the model clock.
pub fn record_failure(model: &mut ModelState, unit: &str) {
    let now = model.clock;
    let retrying = model.automatically_retry_hooks;
    if let Some(u) = model.units.get_mut(unit) {
        u.hook_failures = u.hook_failures.saturating_add(1);
        u.retry_at = retrying.then(|| now + delay(u.hook_failures));
    }
}

/// After `unit`'s hook succeeded: the failures in a row start again from none.
pub fn record_success(model: &mut ModelState, unit: &str) {
    if let Some(u) = model.units.get_mut(unit) {
        u.hook_failures = 0;
        u.retry_at = None;
    }
}

/// Lets every unit whose retry is due (on the model clock) run again: it leaves the
/// error state, and its next hook is the one that failed, as after `resolve`. Returns
/// how many units it released. Nothing is released when the model does not retry.
pub fn release_due(model: &mut ModelState) -> usize {
    let now = model.clock;
    if !model.automatically_retry_hooks {
        return 0;
    }
    let mut released = 0;
    for u in model.units.values_mut() {
        if matches!(u.agent, Agent::Error { .. }) && u.retry_at.is_some_and(|at| at <= now) {
            u.agent = Agent::Idle;
            u.retry_at = None;
            released += 1;
        }
    }
    released
}

/// A retry the model waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The unit in error.
    pub unit: String,
    /// The hook that failed.
    pub hook: String,
    /// Seconds of model time until the retry.
    pub wait: i64,
}

impl std::fmt::Display for Pending {
    /// `hello/0: install hook failed; retry in 5s (automatically-retry-hooks)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} hook failed; retry in {} ({OPTION})",
            self.unit,
            self.hook,
            go_duration(self.wait)
        )
    }
}

/// The retries the model waits for, by unit name.
pub fn pending(model: &ModelState) -> Vec<Pending> {
    model
        .units
        .iter()
        .filter_map(|(name, u)| match (&u.agent, u.retry_at) {
            (Agent::Error { hook }, Some(at)) if model.automatically_retry_hooks => Some(Pending {
                unit: name.clone(),
                hook: hook.name.clone(),
                wait: (at - model.clock).max(0),
            }),
            _ => None,
        })
        .collect()
}

/// Whole seconds as Go's `time.Duration` prints them: `5s`, `1m20s`, `5m0s`, `1h0m0s`.
pub fn go_duration(seconds: i64) -> String {
    let (h, m, s) = (seconds / 3600, (seconds % 3600) / 60, seconds % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m{s}s"),
        _ => format!("{h}h{m}m{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_doubles_from_five_seconds_up_to_five_minutes() {
        let delays: Vec<i64> = (1..=9).map(delay).collect();
        assert_eq!(delays, [5, 10, 20, 40, 80, 160, 300, 300, 300]);
        assert_eq!(delay(u32::MAX), 300);
    }

    #[test]
    fn durations_print_as_go_prints_them() {
        assert_eq!(go_duration(5), "5s");
        assert_eq!(go_duration(80), "1m20s");
        assert_eq!(go_duration(300), "5m0s");
        assert_eq!(go_duration(3600), "1h0m0s");
    }
}
