//! `action-get`, `action-set`, `action-fail` and `action-log`; outside an action
//! they fail with `not running an action`.

use std::collections::BTreeMap;

use charms_reactive_juju::names;
use serde_json::{Map, Value};

use super::args::Parsed;
use super::cmd::{check_empty, Body, Fail, Io, Spec, Tool};
use super::node::Node;
use super::output::{Output, FORMAT, OUTPUT};
use crate::context::{ActionData, HookContextData};
use crate::gostr;

pub(super) const TOOLS: &[Tool] = &[
    Tool {
        spec: Spec {
            name: "action-get",
            args: "[<key>[.<key>.<key>...]]",
            purpose: "Get action parameters.",
            doc: "action-get will print the value of the parameter at the given key, serialized\n\
                  as YAML.  If multiple keys are passed, action-get will recurse into the param\n\
                  map as needed.",
            opts: &[FORMAT, OUTPUT],
        },
        body: Body::Run(action_get),
    },
    Tool {
        spec: Spec {
            name: "action-set",
            args: "<key>=<value> [<key>=<value> ...]",
            purpose: "Set action results.",
            doc: "action-set adds the given values to the results map of the Action. This map\n\
                  is returned to the user after the completion of the Action. Keys must start\n\
                  and end with lowercase alphanumeric, and contain only lowercase alphanumeric,\n\
                  hyphens and periods.  The following special keys are reserved for internal use:\n\
                  \"stdout\", \"stdout-encoding\", \"stderr\", \"stderr-encoding\".",
            opts: &[],
        },
        body: Body::Run(action_set),
    },
    Tool {
        spec: Spec {
            name: "action-fail",
            args: "[\"<failure message>\"]",
            purpose: "Set action fail status with message.",
            doc:
                "action-fail sets the fail state of the action with a given error message.  Using\n\
                  action-fail without a failure message will set a default message indicating a\n\
                  problem with the action.",
            opts: &[],
        },
        body: Body::Run(action_fail),
    },
    Tool {
        spec: Spec {
            name: "action-log",
            args: "<message>",
            purpose: "record a progress message for the current action",
            doc: "",
            opts: &[],
        },
        body: Body::Run(action_log),
    },
];

fn running(ctx: &mut HookContextData) -> Result<&mut ActionData, Fail> {
    ctx.action
        .as_mut()
        .ok_or_else(|| Fail::Run("not running an action".to_string()))
}

fn action_get(p: &Parsed, ctx: &mut HookContextData, io: &mut Io) -> Result<(), Fail> {
    let out = Output::new(p, "smart");
    let keys: Vec<&str> = match p.args.first() {
        Some(first) => {
            check_empty(&p.args[1..])?;
            first.split('.').collect()
        }
        None => Vec::new(),
    };
    let params = &running(ctx)?.params;
    let node = if keys.is_empty() {
        match params {
            // Juju prints an empty map rather than nil.
            Value::Null => Node::Map(Vec::new()),
            other => Node::from_json(other),
        }
    } else {
        let mut current = Some(params);
        for key in keys {
            current = current.and_then(Value::as_object).and_then(|m| m.get(key));
        }
        current.map_or(Node::Nil, Node::from_json)
    };
    out.write(io, &node)
}

fn action_set(p: &Parsed, ctx: &mut HookContextData, _io: &mut Io) -> Result<(), Fail> {
    let mut updates = Vec::new();
    for arg in &p.args {
        let Some((key, value)) = arg.split_once('=') else {
            return Err(Fail::Init(format!(
                "argument {} must be of the form key...=value",
                gostr::quote(arg)
            )));
        };
        let keys: Vec<String> = key.split('.').map(String::from).collect();
        for k in &keys {
            if !names::is_action_name(k) {
                return Err(Fail::Init(format!(
                    "key {} must start and end with lowercase alphanumeric, and contain only \
                     lowercase alphanumeric, hyphens and periods",
                    gostr::quote(k)
                )));
            }
            if names::is_reserved_action_key(k) {
                return Err(Fail::Init(format!(
                    "cannot set reserved action key \"{k}\""
                )));
            }
        }
        updates.push((keys, value.to_string()));
    }
    let action = running(ctx)?;
    for (keys, value) in updates {
        add_value(&mut action.results, &keys, value);
    }
    Ok(())
}

/// Juju's `addValueToMap`: dotted keys nest; a non-map on the way is replaced.
fn add_value(results: &mut BTreeMap<String, Value>, keys: &[String], value: String) {
    let Some((last, path)) = keys.split_last() else {
        return;
    };
    let Some((first, rest)) = path.split_first() else {
        results.insert(last.clone(), Value::String(value));
        return;
    };
    let mut node = results
        .entry(first.clone())
        .or_insert_with(|| Value::Object(Map::new()));
    for key in rest {
        if !node.is_object() {
            *node = Value::Object(Map::new());
        }
        let Some(map) = node.as_object_mut() else {
            return;
        };
        node = map
            .entry(key.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if !node.is_object() {
        *node = Value::Object(Map::new());
    }
    if let Some(map) = node.as_object_mut() {
        map.insert(last.clone(), Value::String(value));
    }
}

fn action_fail(p: &Parsed, ctx: &mut HookContextData, _io: &mut Io) -> Result<(), Fail> {
    let message = match p.args.first() {
        Some(m) => {
            check_empty(&p.args[1..])?;
            m.clone()
        }
        None => "action failed without reason given, check action for errors".to_string(),
    };
    running(ctx)?.failed = Some(message);
    Ok(())
}

fn action_log(p: &Parsed, ctx: &mut HookContextData, _io: &mut Io) -> Result<(), Fail> {
    if p.args.is_empty() {
        return Err(Fail::Init("no message specified".to_string()));
    }
    let message = p.args.join(" ");
    running(ctx)?.logs.push(message);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_keys_nest() {
        let mut results = BTreeMap::new();
        let keys = |s: &str| s.split('.').map(String::from).collect::<Vec<_>>();
        add_value(&mut results, &keys("foo.bar"), "2".into());
        add_value(&mut results, &keys("foo.baz.val"), "3".into());
        add_value(&mut results, &keys("foo.bar.zab"), "4".into());
        add_value(&mut results, &keys("top"), "1".into());
        let got = serde_json::to_string(&results).unwrap_or_default();
        assert_eq!(
            got,
            r#"{"foo":{"bar":{"zab":"4"},"baz":{"val":"3"}},"top":"1"}"#
        );
        assert!(
            names::is_action_name("a-1")
                && !names::is_action_name("-a")
                && !names::is_action_name("A")
                && !names::is_action_name("")
        );
    }
}
