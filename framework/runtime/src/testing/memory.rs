//! The in-memory backend: Juju's hook-tool semantics over a [`State`].

use std::cell::RefCell;

use serde_json::{json, Map, Value};

use super::record::{Record, ToolCall};
use super::state::State;
use crate::backend::*;
use crate::Scope;
use charms_reactive_juju::settings::merge;

/// Hook tools answering from, and writing to, a [`State`].
///
/// Transactional tools (relation-set, state-set/delete, open/close-port) change the
/// working state, which the harness keeps only if the hook succeeds; immediate ones
/// (status-set, leader-set, application-version-set, juju-log, action-*) are also kept
/// in the [`Record`], which survives a failure.
pub(crate) struct MemoryBackend {
    pub state: RefCell<State>,
    pub record: RefCell<Record>,
    pub defaults: Map<String, Value>,
    pub action_params: Option<Value>,
    /// In `-relation-departed`: (relation id, unit) no longer listed, still readable.
    pub departing: Option<(String, String)>,
    /// In `-relation-broken`: the relation no longer listed.
    pub broken: Option<String>,
    /// Tools that fail (fault injection).
    pub failing: Vec<String>,
}

impl MemoryBackend {
    /// Records a call; fails it if the test asked for this tool to fail.
    fn call(&self, tool: &str, args: &[&str]) -> Result<(), ToolError> {
        self.record.borrow_mut().calls.push(ToolCall {
            tool: tool.to_string(),
            args: args.iter().map(|a| a.to_string()).collect(),
        });
        if self.failing.iter().any(|t| t == tool) {
            return Err(ToolError::Failed {
                tool: tool.to_string(),
                args: args.join(" "),
                status: "exit status: 1".into(),
                stderr: "ERROR injected failure".into(),
                code: Some(1),
            });
        }
        Ok(())
    }

    fn with_relation<R>(
        &self,
        id: &str,
        f: impl FnOnce(&mut super::state::Relation) -> R,
    ) -> Result<R, ToolError> {
        let mut state = self.state.borrow_mut();
        let rel = state
            .relations
            .iter_mut()
            .find(|r| r.id == id)
            .ok_or_else(|| {
                ToolError::Refused(format!(
                    "invalid value {id:?} for option -r: relation not found"
                ))
            })?;
        Ok(f(rel))
    }

    fn not_in_action(&self) -> Result<&Value, ToolError> {
        self.action_params
            .as_ref()
            .ok_or_else(|| ToolError::Refused("not running an action".into()))
    }
}

impl ConfigTools for MemoryBackend {
    fn config_get(&self) -> Result<Map<String, Value>, ToolError> {
        self.call("config-get", &["--all"])?;
        let mut config = self.defaults.clone();
        config.extend(self.state.borrow().config.clone());
        Ok(config)
    }
}

impl RelationTools for MemoryBackend {
    fn relation_ids(&self, endpoint: &str) -> Result<Vec<String>, ToolError> {
        self.call("relation-ids", &[endpoint])?;
        let mut ids: Vec<String> = self
            .state
            .borrow()
            .relations
            .iter()
            .filter(|r| r.endpoint == endpoint && Some(&r.id) != self.broken.as_ref())
            .map(|r| r.id.clone())
            .collect();
        ids.sort();
        Ok(ids)
    }

    fn relation_list(&self, relation_id: &str) -> Result<Vec<String>, ToolError> {
        self.call("relation-list", &["-r", relation_id])?;
        let departing = self.departing.clone();
        self.with_relation(relation_id, |r| {
            r.remote_units
                .keys()
                .filter(|u| departing.as_ref() != Some(&(r.id.clone(), (*u).clone())))
                .cloned()
                .collect()
        })
    }

    fn relation_remote_app(&self, relation_id: &str) -> Result<Option<String>, ToolError> {
        self.call("relation-list", &["-r", relation_id, "--app"])?;
        self.with_relation(relation_id, |r| Some(r.remote_app.clone()))
    }

    fn relation_get(
        &self,
        relation_id: &str,
        target: &str,
        scope: Scope,
    ) -> Result<Settings, ToolError> {
        let app = scope.is_app();
        self.call(
            "relation-get",
            &[
                "-r",
                relation_id,
                if app { "--app" } else { "--unit" },
                target,
            ],
        )?;
        let (unit, leader) = {
            let s = self.state.borrow();
            (s.unit.clone(), s.leader)
        };
        let own_app = unit.split('/').next().unwrap_or_default().to_string();
        self.with_relation(relation_id, |r| {
            if app && target == own_app {
                if !leader && r.remote_app != own_app {
                    return Err(ToolError::Refused("permission denied".into()));
                }
                Ok(r.local_app_data.clone())
            } else if app {
                Ok(r.remote_app_data.clone())
            } else if target == unit {
                Ok(r.local_unit_data.clone())
            } else {
                Ok(r.remote_units.get(target).cloned().unwrap_or_default())
            }
        })?
    }

    fn relation_set(
        &self,
        relation_id: &str,
        scope: Scope,
        settings: &Settings,
    ) -> Result<(), ToolError> {
        let app = scope.is_app();
        let keys: Vec<&str> = settings.keys().map(String::as_str).collect();
        let mut args = vec!["-r", relation_id, if app { "--app" } else { "--unit" }];
        args.extend(keys);
        self.call("relation-set", &args)?;
        if app && !self.state.borrow().leader {
            return Err(ToolError::Refused("cannot write relation settings".into()));
        }
        self.with_relation(relation_id, |r| {
            merge(
                if app {
                    &mut r.local_app_data
                } else {
                    &mut r.local_unit_data
                },
                settings,
            )
        })
    }
}

impl LeaderTools for MemoryBackend {
    fn is_leader(&self) -> Result<bool, ToolError> {
        self.call("is-leader", &[])?;
        Ok(self.state.borrow().leader)
    }

    fn leader_get(&self) -> Result<Settings, ToolError> {
        self.call("leader-get", &[])?;
        Ok(self.state.borrow().leader_settings.clone())
    }

    fn leader_set(&self, settings: &Settings) -> Result<(), ToolError> {
        let keys: Vec<&str> = settings.keys().map(String::as_str).collect();
        self.call("leader-set", &keys)?;
        if !self.state.borrow().leader {
            return Err(ToolError::Refused(
                "cannot write leadership settings: cannot write settings: not the leader".into(),
            ));
        }
        // What the real backend refuses, this one refuses too.
        crate::backend::check_leader_settings(settings)?;
        merge(&mut self.state.borrow_mut().leader_settings, settings);
        merge(&mut self.record.borrow_mut().leader_settings, settings);
        Ok(())
    }
}

impl StatusTools for MemoryBackend {
    fn status_set(
        &self,
        scope: Scope,
        status: WorkloadStatus,
        message: &str,
    ) -> Result<(), ToolError> {
        let app = scope.is_app();
        self.call(
            "status-set",
            &[
                if app { "--application" } else { "--unit" },
                status.as_str(),
                message,
            ],
        )?;
        let info = StatusInfo {
            status: status.as_str().to_string(),
            message: message.to_string(),
        };
        if app {
            if !self.state.borrow().leader {
                return Err(ToolError::Refused("this unit is not the leader".into()));
            }
            self.state.borrow_mut().app_status = info.clone();
            self.record.borrow_mut().app_statuses.push(info);
        } else {
            self.state.borrow_mut().unit_status = info.clone();
            self.record.borrow_mut().unit_statuses.push(info);
        }
        Ok(())
    }

    fn status_get(&self, scope: Scope) -> Result<StatusInfo, ToolError> {
        let app = scope.is_app();
        self.call(
            "status-get",
            &[if app { "--application" } else { "--unit" }],
        )?;
        let s = self.state.borrow();
        if app && !s.leader {
            return Err(ToolError::Refused(
                "finding application status: this unit is not the leader".into(),
            ));
        }
        Ok(if app {
            s.app_status.clone()
        } else {
            s.unit_status.clone()
        })
    }
}

impl LogTools for MemoryBackend {
    fn juju_log(&self, level: LogLevel, message: &str) -> Result<(), ToolError> {
        self.call("juju-log", &["-l", level.as_str()])?;
        let mut record = self.record.borrow_mut();
        for line in message.lines() {
            record.logs.push((level, line.to_string()));
        }
        Ok(())
    }
}

impl UnitTools for MemoryBackend {
    fn unit_get(&self, key: &str) -> Result<String, ToolError> {
        self.call("unit-get", &[key])?;
        match key {
            "private-address" | "public-address" => Ok(self.state.borrow().address.clone()),
            _ => Err(ToolError::Refused(format!("unknown setting {key:?}"))),
        }
    }

    fn network_get(&self, binding: &str, _relation_id: Option<&str>) -> Result<Value, ToolError> {
        self.call("network-get", &[binding])?;
        let addr = self.state.borrow().address.clone();
        Ok(json!({
            "bind-addresses": [{"mac-address": "", "interface-name": "eth0",
                                "addresses": [{"hostname": "", "value": addr, "cidr": format!("{addr}/24")}]}],
            "egress-subnets": [format!("{addr}/32")],
            "ingress-addresses": [addr],
        }))
    }

    fn application_version_set(&self, version: &str) -> Result<(), ToolError> {
        self.call("application-version-set", &[version])?;
        self.state.borrow_mut().workload_version = version.to_string();
        self.record
            .borrow_mut()
            .workload_versions
            .push(version.to_string());
        Ok(())
    }
}

impl PortTools for MemoryBackend {
    fn open_port(&self, port: &Port) -> Result<(), ToolError> {
        self.call("open-port", &[&port.to_string()])?;
        self.state.borrow_mut().opened_ports.insert(*port);
        Ok(())
    }

    fn close_port(&self, port: &Port) -> Result<(), ToolError> {
        self.call("close-port", &[&port.to_string()])?;
        self.state.borrow_mut().opened_ports.remove(port);
        Ok(())
    }

    fn opened_ports(&self) -> Result<Vec<Port>, ToolError> {
        self.call("opened-ports", &[])?;
        Ok(self.state.borrow().opened_ports.iter().copied().collect())
    }
}

impl ActionTools for MemoryBackend {
    fn action_get(&self) -> Result<Value, ToolError> {
        self.call("action-get", &[])?;
        self.not_in_action().cloned()
    }

    fn action_set(&self, results: &Settings) -> Result<(), ToolError> {
        let keys: Vec<&str> = results.keys().map(String::as_str).collect();
        self.call("action-set", &keys)?;
        self.not_in_action()?;
        for key in results.keys() {
            crate::backend::check_action_key(key)?;
        }
        self.record
            .borrow_mut()
            .action_results
            .extend(results.clone());
        Ok(())
    }

    fn action_fail(&self, message: &str) -> Result<(), ToolError> {
        self.call("action-fail", &[message])?;
        self.not_in_action()?;
        self.record.borrow_mut().action_failure = Some(message.to_string());
        Ok(())
    }

    fn action_log(&self, message: &str) -> Result<(), ToolError> {
        self.call("action-log", &[message])?;
        self.not_in_action()?;
        self.record
            .borrow_mut()
            .action_logs
            .push(message.to_string());
        Ok(())
    }
}

impl StateTools for MemoryBackend {
    fn state_get(&self) -> Result<Settings, ToolError> {
        self.call("state-get", &[])?;
        Ok(self.state.borrow().stored_state.clone())
    }

    fn state_set(&self, values: &Settings) -> Result<(), ToolError> {
        let keys: Vec<&str> = values.keys().map(String::as_str).collect();
        self.call("state-set", &keys)?;
        merge(&mut self.state.borrow_mut().stored_state, values);
        Ok(())
    }

    fn state_delete(&self, key: &str) -> Result<(), ToolError> {
        self.call("state-delete", &[key])?;
        self.state.borrow_mut().stored_state.remove(key);
        Ok(())
    }
}
