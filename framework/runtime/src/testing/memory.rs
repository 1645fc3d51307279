//! The in-memory backend: Juju's hook-tool semantics over a [`State`].

use std::cell::RefCell;

use serde_json::{json, Map, Value};

use super::record::{Record, ToolCall};
use super::state::{Secret, SecretGrant, State};
use crate::backend::*;
use crate::Scope;
use charms_reactive_juju::settings::merge;

/// Hook tools answering from, and writing to, a [`State`].
///
/// Transactional tools (relation-set, state-set/delete, open/close-port, secret-*, and
/// the tracking `secret-get` moves) change the
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
    /// The number in the next id `secret-add` gives.
    pub next_secret: std::cell::Cell<u64>,
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

/// A failure as Juju's tool reports it: `ERROR <message>` on stderr, exit `code` (2 for
/// argument errors, 1 otherwise).
fn juju_failure(tool: &str, args: &[String], code: i32, message: &str) -> ToolError {
    ToolError::Failed {
        tool: tool.to_string(),
        args: args.join(" "),
        status: format!("exit status: {code}"),
        stderr: format!("ERROR {message}"),
        code: Some(code),
    }
}

impl MemoryBackend {
    /// Records a secret tool call (content shown as `key#file=…`).
    fn secret_call(&self, tool: &str, args: &[String]) -> Result<(), ToolError> {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.call(tool, &args)
    }

    /// The index of a secret, by URI or else by label.
    fn find_secret(&self, id: Option<&SecretId>, label: Option<&str>) -> Option<usize> {
        let state = self.state.borrow();
        match id {
            Some(id) => state
                .secrets
                .iter()
                .position(|s| s.id.unique() == id.unique()),
            None => state
                .secrets
                .iter()
                .position(|s| label.is_some() && s.label.as_deref() == label),
        }
    }

    /// The index of an owned secret this unit may manage, or Juju's refusal.
    fn managed_secret(
        &self,
        tool: &str,
        args: &[String],
        id: &SecretId,
    ) -> Result<usize, ToolError> {
        let index = self.find_secret(Some(id), None).ok_or_else(|| {
            juju_failure(
                tool,
                args,
                1,
                &format!("secret {:?} not found", id.unique()),
            )
        })?;
        let state = self.state.borrow();
        match state.secrets[index].owner {
            None => Err(juju_failure(tool, args, 1, "permission denied")),
            Some(Scope::App) if !state.leader => {
                Err(juju_failure(tool, args, 1, "this unit is not the leader"))
            }
            Some(_) => Ok(index),
        }
    }

    /// Juju refuses a second owned secret with the same label.
    fn check_label_free(
        &self,
        tool: &str,
        args: &[String],
        label: Option<&str>,
        except: Option<usize>,
    ) -> Result<(), ToolError> {
        let Some(label) = label else { return Ok(()) };
        let taken = self
            .state
            .borrow()
            .secrets
            .iter()
            .enumerate()
            .any(|(i, s)| {
                Some(i) != except && s.owner.is_some() && s.label.as_deref() == Some(label)
            });
        if taken {
            return Err(juju_failure(
                tool,
                args,
                1,
                &format!("secret with label {label:?} already exists"),
            ));
        }
        Ok(())
    }

    fn check_secret_args(
        &self,
        tool: &str,
        args: &[String],
        content: Option<&SecretContent>,
        expire: Option<Expire>,
    ) -> Result<(), ToolError> {
        if let Some(key) = content.and_then(SecretContent::invalid_key) {
            return Err(juju_failure(
                tool,
                args,
                2,
                &format!("key {key:?} not valid"),
            ));
        }
        if let Some(Expire::After(d)) = expire {
            if d.is_zero() {
                return Err(juju_failure(
                    tool,
                    args,
                    2,
                    &format!(
                        "negative expire duration {:?} not valid",
                        Expire::After(d).to_arg()
                    ),
                ));
            }
        }
        Ok(())
    }

    fn expiry(expire: Expire) -> std::time::SystemTime {
        match expire {
            Expire::After(d) => std::time::SystemTime::now() + d,
            Expire::At(t) => t,
        }
    }

    fn check_relation(
        &self,
        tool: &str,
        args: &[String],
        relation_id: &str,
        unit: Option<&str>,
    ) -> Result<(), ToolError> {
        let remote_app = self
            .state
            .borrow()
            .relation(relation_id)
            .map(|r| r.remote_app.clone())
            .ok_or_else(|| {
                juju_failure(
                    tool,
                    args,
                    2,
                    &format!("invalid value {relation_id:?} for option -r: relation not found"),
                )
            })?;
        if let Some(unit) = unit {
            if !charms_reactive_juju::names::is_unit_name(unit) {
                return Err(juju_failure(
                    tool,
                    args,
                    2,
                    &format!("unit {unit:?} not valid"),
                ));
            }
            if charms_reactive_juju::names::unit_application(unit) != remote_app {
                return Err(juju_failure(
                    tool,
                    args,
                    2,
                    &format!(
                        "cannot specify unit {unit:?} in relation to application {remote_app:?}"
                    ),
                ));
            }
        }
        Ok(())
    }
}

impl SecretTools for MemoryBackend {
    fn secret_add(&self, secret: &NewSecret) -> Result<SecretId, ToolError> {
        const TOOL: &str = "secret-add";
        let args = add_args(secret, &ContentArgs::Redacted);
        self.secret_call(TOOL, &args)?;
        if secret.content.is_empty() {
            return Err(juju_failure(
                TOOL,
                &args,
                2,
                "missing secret value or filename",
            ));
        }
        self.check_secret_args(TOOL, &args, Some(&secret.content), secret.expire)?;
        if secret.owner.is_app() && !self.state.borrow().leader {
            return Err(juju_failure(TOOL, &args, 1, "this unit is not the leader"));
        }
        self.check_label_free(TOOL, &args, secret.label.as_deref(), None)?;
        let id = loop {
            let n = self.next_secret.get();
            self.next_secret.set(n + 1);
            // 20 base32hex characters, as Juju's ids.
            let id: SecretId = format!("secret:d{n:018}g")
                .parse()
                .map_err(|e| ToolError::bad_output(TOOL, e))?;
            if self.find_secret(Some(&id), None).is_none() {
                break id;
            }
        };
        let mut new = Secret::owned(id.clone(), secret.owner, secret.content.clone());
        new.label = secret.label.clone();
        new.description = secret.description.clone();
        new.expire = secret.expire.map(MemoryBackend::expiry);
        new.rotate = secret.rotate;
        self.state.borrow_mut().secrets.push(new);
        Ok(id)
    }

    fn secret_get(
        &self,
        id: Option<&SecretId>,
        label: Option<&str>,
        read: SecretRead,
    ) -> Result<SecretContent, ToolError> {
        const TOOL: &str = "secret-get";
        let args = get_args(id, label, read);
        self.secret_call(TOOL, &args)?;
        if id.is_none() && label.is_none() {
            return Err(juju_failure(
                TOOL,
                &args,
                2,
                "require either a secret URI or label",
            ));
        }
        let wanted = id.map_or_else(
            || label.unwrap_or_default().to_string(),
            |id| id.unique().to_string(),
        );
        let not_found = || juju_failure(TOOL, &args, 1, &format!("secret {wanted:?} not found"));
        let index = self.find_secret(id, label).ok_or_else(not_found)?;
        let mut state = self.state.borrow_mut();
        let secret = &mut state.secrets[index];
        if let (Some(_), Some(label)) = (id, label) {
            secret.label = Some(label.to_string());
        }
        let latest = secret.latest().ok_or_else(not_found)?;
        let revision = match read {
            SecretRead::Tracked => *secret.tracked.get_or_insert(latest),
            SecretRead::Refresh => {
                secret.tracked = Some(latest);
                latest
            }
            SecretRead::Peek => latest,
        };
        secret
            .revisions
            .get(&revision)
            .cloned()
            .ok_or_else(not_found)
    }

    fn secret_set(&self, id: &SecretId, update: &SecretUpdate) -> Result<(), ToolError> {
        const TOOL: &str = "secret-set";
        let args = set_args(id, update, &ContentArgs::Redacted);
        self.secret_call(TOOL, &args)?;
        self.check_secret_args(TOOL, &args, update.content.as_ref(), update.expire)?;
        let index = self.managed_secret(TOOL, &args, id)?;
        self.check_label_free(TOOL, &args, update.label.as_deref(), Some(index))?;
        let mut state = self.state.borrow_mut();
        let secret = &mut state.secrets[index];
        // Juju makes a new revision only when the content differs from the latest.
        if let Some(content) = update.content.as_ref().filter(|c| !c.is_empty()) {
            if secret.latest_content() != Some(content) {
                let next = secret.latest().unwrap_or(0) + 1;
                secret.revisions.insert(next, content.clone());
            }
        }
        if let Some(label) = &update.label {
            secret.label = Some(label.clone());
        }
        if let Some(description) = &update.description {
            secret.description = Some(description.clone());
        }
        if let Some(expire) = update.expire {
            secret.expire = Some(MemoryBackend::expiry(expire));
        }
        if let Some(rotate) = update.rotate {
            secret.rotate = Some(rotate);
        }
        Ok(())
    }

    fn secret_remove(&self, id: &SecretId, revisions: Revisions) -> Result<(), ToolError> {
        const TOOL: &str = "secret-remove";
        let args = remove_args(id, revisions);
        self.secret_call(TOOL, &args)?;
        let index = self.managed_secret(TOOL, &args, id)?;
        let mut state = self.state.borrow_mut();
        match revisions {
            Revisions::All => {
                state.secrets.remove(index);
            }
            Revisions::One(n) => {
                if state.secrets[index].revisions.remove(&n).is_none() {
                    return Err(juju_failure(
                        TOOL,
                        &args,
                        1,
                        &format!("secret revision {n} not found"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn secret_grant(
        &self,
        id: &SecretId,
        relation_id: &str,
        unit: Option<&str>,
    ) -> Result<(), ToolError> {
        const TOOL: &str = "secret-grant";
        let args = grant_args(id, relation_id, unit);
        self.secret_call(TOOL, &args)?;
        self.check_relation(TOOL, &args, relation_id, unit)?;
        let index = self.managed_secret(TOOL, &args, id)?;
        let mut state = self.state.borrow_mut();
        let grants = &mut state.secrets[index].grants;
        let on_relation: Vec<&SecretGrant> = grants
            .iter()
            .filter(|g| g.relation_id == relation_id)
            .collect();
        // As Juju: an application grant covers its units; unit grants must be revoked
        // before the application is granted.
        if on_relation.iter().any(|g| g.unit.is_none()) {
            return Ok(());
        }
        if unit.is_none() && !on_relation.is_empty() {
            return Err(juju_failure(
                TOOL,
                &args,
                1,
                "any unit level grants need to be revoked before granting access to the corresponding application",
            ));
        }
        grants.insert(SecretGrant {
            relation_id: relation_id.to_string(),
            unit: unit.map(str::to_string),
        });
        Ok(())
    }

    fn secret_revoke(
        &self,
        id: &SecretId,
        relation_id: &str,
        unit: Option<&str>,
    ) -> Result<(), ToolError> {
        const TOOL: &str = "secret-revoke";
        let args = grant_args(id, relation_id, unit);
        self.secret_call(TOOL, &args)?;
        self.check_relation(TOOL, &args, relation_id, unit)?;
        let index = self.managed_secret(TOOL, &args, id)?;
        self.state.borrow_mut().secrets[index].grants.retain(|g| {
            g.relation_id != relation_id || (unit.is_some() && g.unit.as_deref() != unit)
        });
        Ok(())
    }

    fn secret_ids(&self) -> Result<Vec<SecretId>, ToolError> {
        self.call("secret-ids", &["--format=json"])?;
        let mut ids: Vec<SecretId> = self
            .state
            .borrow()
            .secrets
            .iter()
            .filter(|s| s.owner.is_some())
            .map(|s| s.id.clone())
            .collect();
        ids.sort();
        Ok(ids)
    }

    fn secret_info_get(&self, secret: &SecretRef) -> Result<SecretInfo, ToolError> {
        const TOOL: &str = "secret-info-get";
        let args = info_args(secret);
        self.secret_call(TOOL, &args)?;
        let (id, label, wanted) = match secret {
            SecretRef::Id(id) => (Some(id), None, id.unique().to_string()),
            SecretRef::Label(l) => (None, Some(l.as_str()), l.clone()),
        };
        let not_found = || juju_failure(TOOL, &args, 1, &format!("secret {wanted:?} not found"));
        let state = self.state.borrow();
        let index = state
            .secrets
            .iter()
            .position(|s| {
                s.owner.is_some()
                    && match id {
                        Some(id) => s.id.unique() == id.unique(),
                        None => s.label.as_deref() == label,
                    }
            })
            .ok_or_else(not_found)?;
        let s = &state.secrets[index];
        Ok(SecretInfo {
            id: s.id.clone(),
            label: s.label.clone(),
            owner: s.owner.unwrap_or_default(),
            description: s.description.clone(),
            expiry: s.expire,
            rotation: s.rotate,
            rotates: None,
            revision: s.latest().unwrap_or(0),
        })
    }
}
