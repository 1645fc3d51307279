//! Running an action on a unit through the hook lifecycle (`lifecycle`): the
//! action's parameters (schema defaults filled in, then validated against the
//! action's JSON schema as Juju validates them, [`crate::action_schema`]) go into its
//! context, and its `action-set` results, output and exit code come back. Layer: above
//! the hook lifecycle. See <https://juju.is/docs/juju/action>.

use std::collections::BTreeMap;

use anyhow::Context;

use serde_json::{Map, Value};

use crate::action_schema::ActionSchema;
use crate::context::ActionData;
use crate::gostr::go_status;
use crate::hook::Hook;
use crate::launch::action_vars;
use crate::lifecycle::{begin, error_chain, Exit, Prepared};
use crate::logs::append;
use crate::paths::Paths;
use crate::state::{ActionRecord, ModelState};

/// The result of an action run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ActionResult {
    /// `completed` or `failed`.
    pub status: String,
    /// The failure message, if any.
    pub message: Option<String>,
    /// `action-set` results plus `return-code`, `stdout`, `stderr`.
    pub results: BTreeMap<String, Value>,
    /// `action-log` messages.
    pub log: Vec<String>,
}

impl ActionResult {
    fn failed(message: String) -> ActionResult {
        ActionResult {
            status: "failed".into(),
            message: Some(message),
            results: Default::default(),
            log: Vec::new(),
        }
    }
}

/// Runs action `name` with `params` on `unit_name` (allowed even while the unit is in
/// error, as in Juju). The parameters are first checked as Juju checks them when it
/// queues an action: the schema's defaults filled in, then validated against the
/// action's schema in the unit's `actions.yaml` ([`ActionSchema`]); parameters that do
/// not validate are an error with Juju's message, and nothing runs. Immediate effects
/// apply; like a hook, transactional ones only on success.
pub fn run_action(
    paths: &Paths,
    model: &mut ModelState,
    unit_name: &str,
    name: &str,
    params: Map<String, Value>,
) -> anyhow::Result<ActionResult> {
    let unit = model.unit(unit_name)?;
    let charm = &model.app(&unit.app)?.charm;
    anyhow::ensure!(
        charm.actions.iter().any(|a| a == name),
        "application {:?} has no action {name:?}",
        unit.app
    );
    let schema = action_schema(&unit.charm_dir, name)?;
    let mut params = params;
    schema.insert_defaults(&mut params);
    schema.validate(&params).map_err(anyhow::Error::msg)?;
    let params = Value::Object(params);
    let (seq, mut ctx) = begin(model, unit_name, &Hook::plain(""), name)?;
    let ctx_params = params.clone();
    ctx.action = Some(ActionData {
        name: name.to_string(),
        params,
        ..Default::default()
    });
    let program = format!("actions/{name}");
    let vars = action_vars(name, seq);
    let (finished, exit) = Prepared::new(paths, model, unit_name, seq, ctx, &program, vars)?.run();
    let output = match exit {
        Exit::Exited(output) => output,
        Exit::Missing => {
            return Ok(ActionResult::failed(format!(
                "action not implemented on unit {unit_name:?}"
            )))
        }
        Exit::NotRun(why) => return Ok(ActionResult::failed(error_chain(why))),
        // Unlike a hook, an action the model cannot serve is the model's error.
        Exit::AgentFailed(_, e) => return Err(e),
    };
    // Juju flushes the context whenever the action exited 0, also after action-fail.
    let success = output.status.success();
    finished.apply(model, success)?;
    let action = finished.context().action.clone().unwrap_or_default();
    let mut results = action.results.clone();
    results.insert(
        "return-code".into(),
        Value::from(output.status.code().unwrap_or(-1)),
    );
    results.insert(
        "stdout".into(),
        String::from_utf8_lossy(&output.stdout).into_owned().into(),
    );
    results.insert(
        "stderr".into(),
        String::from_utf8_lossy(&output.stderr).into_owned().into(),
    );
    let (status, message) = if !success {
        ("failed", Some(go_status(&output.status)))
    } else if let Some(m) = action.failed.clone() {
        ("failed", Some(m))
    } else {
        ("completed", None)
    };
    append(
        &paths.hook_log(),
        &format!("{seq} {unit_name} action:{name} {status}\n"),
    )?;
    model.actions.push(ActionRecord {
        id: seq,
        unit: unit_name.to_string(),
        name: name.to_string(),
        params: ctx_params,
        status: status.to_string(),
        message: message.clone(),
        results: results.clone(),
    });
    Ok(ActionResult {
        status: status.into(),
        message,
        results,
        log: action.logs,
    })
}

/// The schema of action `name` from the unit's copy of the charm's `actions.yaml`;
/// the error names the file.
fn action_schema(charm_dir: &std::path::Path, name: &str) -> anyhow::Result<ActionSchema> {
    let path = charm_dir.join("actions.yaml");
    let text = std::fs::read_to_string(&path).with_context(|| path.display().to_string())?;
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&text).with_context(|| path.display().to_string())?;
    let spec = doc.get(name).cloned().unwrap_or(serde_yaml::Value::Null);
    ActionSchema::from_spec(name, &spec).with_context(|| {
        format!(
            "{}: invalid params schema for action schema {name}",
            path.display()
        )
    })
}
