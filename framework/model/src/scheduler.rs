//! Running hooks until the model settles, interleaving units in an order chosen by a
//! seed: the same seed gives the same order (and the same hook log), another seed
//! another order. Layer: the scheduler, above the hook lifecycle.

use crate::hook::Hook;
use crate::lifecycle::{finish_hook, prepare_hook, Outcome};
use crate::paths::Paths;
use crate::resolver::next_hook;
use crate::retry::{self, Pending};
use crate::running;
use crate::state::{Agent, ModelState};
use crate::uniter::cleanup_relations;

/// Default bound on hooks per command.
pub const MAX_HOOKS: u64 = 10_000;

/// splitmix64: a tiny, well-distributed generator; the model's state carries it so a
/// sequence of commands stays reproducible.
fn next_random(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// What settling did.
#[derive(Debug, Default)]
pub struct Settled {
    /// Hooks run.
    pub hooks: u64,
    /// Units left in error.
    pub errors: Vec<String>,
    /// Failed hooks the model will retry once the model clock reaches their time
    /// (`automatically-retry-hooks`): settling does not wait for them.
    pub retries: Vec<Pending>,
}

/// Runs hooks until every unit is idle or in error. Units whose automatic retry is due
/// on the model clock run their failed hook again; retries not yet due are reported in
/// [`Settled::retries`], not waited for. Each round draws up to
/// `model.jobs` ready units from the seeded generator, runs their next hooks at the same
/// time (as Juju runs units concurrently), then applies the results in the order drawn
/// and saves the model. Hooks of one round see the model as it was when the round began
/// (none sees another's commits), so the hook log depends only on the seed and `jobs`,
/// not on which hook finishes first.
pub fn settle(paths: &Paths, model: &mut ModelState, max_hooks: u64) -> anyhow::Result<Settled> {
    let mut done = Settled::default();
    let jobs = model.jobs.max(1) as usize;
    // A SIGINT or SIGTERM kills the round's hooks; they are recorded as failed below,
    // then the command stops here.
    let _settling = crate::interrupt::Settling::begin();
    loop {
        if let Some(signal) = crate::interrupt::interrupted() {
            model.save(&paths.dir)?;
            anyhow::bail!(
                "interrupted by {}: the hooks it ended are recorded as failed (`reactive model resolve` runs them again)",
                crate::interrupt::signal_name(signal)
            );
        }
        retry::release_due(model);
        let mut ready: Vec<(String, Hook)> = model
            .units
            .iter()
            .filter(|(_, u)| u.agent == Agent::Idle)
            .filter_map(|(name, _)| next_hook(model, name).map(|h| (name.clone(), h)))
            .collect();
        if ready.is_empty() {
            break;
        }
        if done.hooks >= max_hooks {
            let busy: Vec<&str> = ready.iter().map(|(u, _)| u.as_str()).collect();
            anyhow::bail!(
                "the model did not settle after {max_hooks} hooks; still busy: {}",
                busy.join(", ")
            );
        }
        let mut round = Vec::new();
        let mut uniter_status = false;
        while round.len() < jobs && !ready.is_empty() {
            let pick = (next_random(&mut model.rng) % ready.len() as u64) as usize;
            let (unit, hook) = ready.remove(pick);
            uniter_status |= matches!(hook.name.as_str(), "install" | "stop" | "remove");
            let prepared = prepare_hook(paths, model, &unit, &hook)?;
            // `reactive model status` shows the agent executing while it runs.
            if let Some(message) = running::hook_message(&hook) {
                running::mark(paths, &unit, &message)?;
            }
            round.push((unit, prepared));
        }
        // The uniter's status before install, stop and remove ("installing charm
        // software", …) is the controller's before the hook starts: saved now, a status
        // read meanwhile shows it.
        if uniter_status {
            model.save(&paths.dir)?;
        }
        let units: Vec<String> = round.iter().map(|(u, _)| u.clone()).collect();
        let count = round.len() as u64;
        // Each record goes as soon as its hook ends, not with the round.
        let run = |(unit, hook): (String, crate::lifecycle::PreparedHook)| {
            let ran = hook.run();
            running::clear(paths, &unit);
            ran
        };
        let ran = if round.len() == 1 {
            round.into_iter().map(run).collect::<Vec<_>>()
        } else {
            std::thread::scope(|s| {
                let handles: Vec<_> = round.into_iter().map(|h| s.spawn(|| run(h))).collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join()
                            .map_err(|_| anyhow::anyhow!("a hook runner panicked"))
                    })
                    .collect::<anyhow::Result<Vec<_>>>()
            })?
        };
        for (r, unit) in ran.into_iter().zip(&units) {
            match finish_hook(paths, model, r)? {
                Outcome::Ok => retry::record_success(model, unit),
                Outcome::Failed(_) => retry::record_failure(model, unit),
            }
        }
        cleanup_relations(model);
        model.save(&paths.dir)?;
        done.hooks += count;
    }
    done.errors = model
        .units
        .iter()
        .filter(|(_, u)| matches!(u.agent, Agent::Error { .. }))
        .map(|(n, _)| n.clone())
        .collect();
    done.retries = retry::pending(model);
    Ok(done)
}
