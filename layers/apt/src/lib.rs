//! The apt layer (in progress).
