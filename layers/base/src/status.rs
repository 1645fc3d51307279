//! layer:status's rules for every status a charm sets, whichever layer sets it.
//!
//! With the base layer, `charms_reactive::status::{maintenance, blocked, waiting,
//! active, set}` behave as layer:status's functions did:
//!
//! * `maintenance` is set at once (the operator sees that work started);
//! * `blocked`, `waiting` and `active` are kept until the hook's handlers are done, then
//!   the one that matters is set: `blocked` over `waiting` over `active`; between two of
//!   the same kind, the one from the higher layer (the charm's own layer is the highest),
//!   then the latest call;
//! * a hook that sets none of them leaves the unit's status as it was.
//!
//! Unit and application statuses are decided separately. A failed hook sets nothing it
//! kept (Juju would show the error anyway); a `maintenance` it set stays.
//!
//! The rules are a [`StatusPolicy`] installed by the base layer for every hook
//! (layer option `base.ranked_status: false` turns them off: every status is then set at
//! once, as without the base layer).

use std::cell::RefCell;

use charms_reactive::low_level::status_policy::{apply, StatusPolicy, StatusRequest};
use charms_reactive::prelude::{Scope, WorkloadStatus};
use charms_reactive::ToolError;

/// How a kept status ranks: `blocked` > `waiting` > `active`.
fn severity(status: WorkloadStatus) -> u8 {
    match status {
        WorkloadStatus::Blocked => 3,
        WorkloadStatus::Waiting => 2,
        WorkloadStatus::Active => 1,
        WorkloadStatus::Maintenance => 0,
    }
}

/// The base layer's status policy (see the module's documentation).
#[derive(Debug, Default)]
pub struct Ranked {
    /// Statuses kept for the end of the hook, in call order.
    kept: RefCell<Vec<StatusRequest>>,
}

impl Ranked {
    /// The status that wins for `scope` among those kept, if any.
    pub fn winner(&self, scope: Scope) -> Option<StatusRequest> {
        self.kept
            .borrow()
            .iter()
            .enumerate()
            .filter(|(_, r)| r.scope == scope)
            // max_by_key keeps the last of equal keys: the latest call wins a full tie.
            .max_by_key(|(seq, r)| (severity(r.status), r.rank, *seq))
            .map(|(_, r)| r.clone())
    }
}

impl StatusPolicy for Ranked {
    fn request(&self, request: StatusRequest) -> Result<(), ToolError> {
        if request.status == WorkloadStatus::Maintenance {
            return apply(request.scope, request.status, &request.message);
        }
        self.kept.borrow_mut().push(request);
        Ok(())
    }

    fn end_of_hook(&self) -> Result<(), ToolError> {
        for scope in [Scope::Unit, Scope::App] {
            if let Some(r) = self.winner(scope) {
                apply(r.scope, r.status, &r.message)?;
            }
        }
        Ok(())
    }
}
