//! The crate's error type.

/// Why a machines operation failed.
///
/// The specific variants are the ones a caller may want to react to; everything else is
/// [`MachinesError::Failed`], whose message names the machine, the step and the path or
/// command involved.
#[derive(Debug, thiserror::Error)]
pub enum MachinesError {
    /// The host cannot run machines: one line, each problem saying what is missing and
    /// how to get it, separated by `; `.
    #[error("this host cannot run machines: {}", .0.join("; "))]
    Unsupported(Vec<String>),
    /// No machine of that name in the fleet.
    #[error("no machine named {0} in this model")]
    NoSuchMachine(String),
    /// The machine exists on disk but its init process is gone, so nothing can enter it.
    #[error("machine {0} is not running (its init exited)")]
    NotRunning(String),
    /// A machine of that name already exists.
    #[error("machine {0} already exists")]
    AlreadyExists(String),
    /// The spec or configuration is invalid (bad name, address outside the subnet, …).
    #[error("{0}")]
    Invalid(String),
    /// Any other failure, with context.
    #[error("{0:#}")]
    Failed(#[from] anyhow::Error),
}

/// `Result` with [`MachinesError`].
pub type Result<T, E = MachinesError> = std::result::Result<T, E>;
