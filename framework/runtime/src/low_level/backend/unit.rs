//! `unit-get`, `network-get`, `application-version-set`.

use serde_json::Value;

use super::{JujuTools, ToolError};

/// The unit's addresses and workload version.
pub trait UnitTools {
    /// `private-address` or `public-address`.
    fn unit_get(&self, key: &str) -> Result<String, ToolError>;
    /// Network information for a binding (endpoint or extra-binding), as Juju prints it.
    fn network_get(&self, binding: &str, relation_id: Option<&str>) -> Result<Value, ToolError>;
    /// Sets the workload version shown by `juju status`. Applied at once.
    fn application_version_set(&self, version: &str) -> Result<(), ToolError>;
}

impl UnitTools for JujuTools {
    fn unit_get(&self, key: &str) -> Result<String, ToolError> {
        Ok(self
            .read_json::<Option<String>>("unit-get", &[key])?
            .unwrap_or_default())
    }

    fn network_get(&self, binding: &str, relation_id: Option<&str>) -> Result<Value, ToolError> {
        let mut args = vec![binding];
        if let Some(rid) = relation_id {
            args.extend(["-r", rid]);
        }
        self.read_json("network-get", &args)
    }

    fn application_version_set(&self, version: &str) -> Result<(), ToolError> {
        self.write("application-version-set", &["--", version], None, &[])
    }
}
