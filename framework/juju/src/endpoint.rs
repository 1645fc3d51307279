//! The `{endpoint_name}` placeholder: an interface layer writes its flags and hook
//! patterns once, and each endpoint of a charm that uses the interface gets its own copy.

/// The placeholder, replaced by an endpoint's name.
pub const PLACEHOLDER: &str = "{endpoint_name}";

/// Replaces every placeholder in `template` with `endpoint`.
///
/// ```
/// use charms_reactive_juju::endpoint::expand;
/// assert_eq!(expand("db", "endpoint.{endpoint_name}.joined"), "endpoint.db.joined");
/// ```
pub fn expand(endpoint: &str, template: &str) -> String {
    template.replace(PLACEHOLDER, endpoint)
}

/// Whether `template` holds the placeholder.
pub fn has_placeholder(template: &str) -> bool {
    template.contains(PLACEHOLDER)
}
