//! The model's own settings, as `juju model-config` shows and sets them. The local model
//! has two of Juju's model options: `automatically-retry-hooks` (default `true`) and
//! `logging-config` (default `<root>=INFO`, see [`crate::logging_config`]).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::retry::OPTION as RETRY_HOOKS;
use crate::state::ModelState;

/// The options the local model has, by name.
pub const MODEL_CONFIG_KEYS: &[&str] = &[RETRY_HOOKS, LOGGING_CONFIG];

/// Juju's model option naming the levels the agents record.
const LOGGING_CONFIG: &str = "logging-config";

/// One model option: its value, and where the value comes from (`default` or `model`,
/// as `juju model-config` prints it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelConfigValue {
    /// `default` or `model`.
    pub from: &'static str,
    /// The value.
    pub value: Value,
}

/// Every option of `model`, by name.
pub(super) fn model_config(model: &ModelState) -> BTreeMap<String, ModelConfigValue> {
    let retry = model.automatically_retry_hooks;
    let logging = model.logging_config.as_deref();
    BTreeMap::from([
        (
            RETRY_HOOKS.to_string(),
            ModelConfigValue {
                from: if retry { "default" } else { "model" },
                value: Value::Bool(retry),
            },
        ),
        (
            LOGGING_CONFIG.to_string(),
            ModelConfigValue {
                from: if logging.is_some() {
                    "model"
                } else {
                    "default"
                },
                value: Value::String(
                    logging
                        .unwrap_or(crate::logging_config::DEFAULT_LOGGING_CONFIG)
                        .to_string(),
                ),
            },
        ),
    ])
}

/// Sets options from `key=value` pairs: all of them or, if one is wrong, none (the error
/// names it).
pub(super) fn set_model_config(model: &mut ModelState, pairs: &[String]) -> anyhow::Result<()> {
    let mut retry = model.automatically_retry_hooks;
    let mut logging = model.logging_config.clone();
    for pair in pairs {
        let Some((key, value)) = pair.split_once('=') else {
            anyhow::bail!("expected \"key=value\", got {pair:?}");
        };
        match key {
            RETRY_HOOKS => {
                retry = crate::gostr::parse_bool(value)
                    .map_err(|_| anyhow::anyhow!("{key}: expected bool, got string({value:?})"))?;
            }
            LOGGING_CONFIG => {
                // Checked now, so that hooks never meet a specification loggo refuses.
                crate::logging_config::LoggingConfig::parse(value)
                    .map_err(|e| anyhow::anyhow!("{key}: {e}"))?;
                logging = Some(value.to_string());
            }
            _ => anyhow::bail!(
                "unknown model config key {key:?} (the local model has: {})",
                MODEL_CONFIG_KEYS.join(", ")
            ),
        }
    }
    model.logging_config = logging;
    if retry != model.automatically_retry_hooks {
        model.automatically_retry_hooks = retry;
        // Units already in error: retried on the usual delay from now, or not at all.
        let now = model.clock;
        for u in model.units.values_mut() {
            u.retry_at = (retry && matches!(u.agent, crate::state::Agent::Error { .. }))
                .then(|| now + crate::retry::delay(u.hook_failures.max(1)));
        }
    }
    Ok(())
}
