//! Placeholder until the hook tools land (being written).
/// Tool names.
pub const TOOL_NAMES: &[&str] = &[];
/// Entry point.
pub fn tool_main(_argv0: &str, _args: Vec<String>) -> i32 {
    1
}
