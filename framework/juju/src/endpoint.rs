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

/// The side of a relation an endpoint takes, as declared in `metadata.yaml`: the section
/// it is listed under. See <https://juju.is/docs/sdk/metadata-yaml>.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Listed under `requires`: consumes the interface.
    Requires,
    /// Listed under `provides`: offers the interface.
    Provides,
    /// Listed under `peers`: related to the application's other units.
    Peers,
}

impl Role {
    /// Every role, in the order the runtime reads `metadata.yaml`'s sections.
    pub const ALL: [Role; 3] = [Role::Requires, Role::Provides, Role::Peers];

    /// The `metadata.yaml` section name: `requires`, `provides` or `peers`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Requires => "requires",
            Role::Provides => "provides",
            Role::Peers => "peers",
        }
    }

    /// The role named by a `metadata.yaml` section; `None` for any other word.
    ///
    /// ```
    /// use charms_reactive_juju::endpoint::Role;
    /// assert_eq!(Role::parse("peers"), Some(Role::Peers));
    /// assert_eq!(Role::parse("Peers"), None);
    /// ```
    pub fn parse(section: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == section)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(role.to_string(), role.as_str());
        }
        assert_eq!(Role::parse(""), None);
    }
}
