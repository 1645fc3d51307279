//! End-to-end tests across crates live in `tests/`; the `crash-charm` binary is the
//! charm they run as a real hook process.
