//! `reactive model status`: the model's status document rendered as `juju status` renders
//! it (`cmd/juju/status/output_tabular.go` in Juju 3.6): a Model line, then App, Unit
//! and Machine sections in columns two spaces apart, the leader unit marked `*`, open
//! ports grouped by protocol (`80,443/tcp 8000-8010/udp`), the hook or action an
//! executing agent runs before the unit's message (`(install) …`). `--format json`
//! prints the document as Juju does (compact), `--format yaml` as YAML.
//!
//! Text a charm set (messages, versions) is shown with control characters escaped
//! (`\x1b`, `\n`): a status must not move the terminal's cursor or change its colours.

use std::cmp::Ordering;
use std::io::IsTerminal;

use charms_reactive_model::model::{Status, UnitStatus};

/// The longest message a table shows (Juju's `maxMessageLength`); longer ones end `...`.
const MAX_MESSAGE: usize = 120;
/// The longest version a table shows (Juju's `iaasMaxVersionWidth`).
const MAX_VERSION: usize = 15;
const ELLIPSIS: &str = "...";

/// Juju's unit hook kinds and relation hook kinds: the hooks whose name `juju status`
/// puts before an executing unit's message (its `agentDoing`); a hook named after an
/// endpoint (`db-relation-changed`) or a secret hook matches none of them, so Juju shows
/// no name for those, and neither does this table.
const AGENT_DOING_HOOKS: &[&str] = &[
    "install",
    "start",
    "config-changed",
    "upgrade-charm",
    "stop",
    "remove",
    "collect-metrics",
    "meter-status-changed",
    "leader-elected",
    "leader-deposed",
    "leader-settings-changed",
    "update-status",
    "pre-series-upgrade",
    "post-series-upgrade",
    "relation-joined",
    "relation-changed",
    "relation-departed",
    "relation-broken",
    "relation-created",
];

/// Renders `status` in `format`: `tabular`, `json` or `yaml`.
pub fn render(status: &Status, format: &str) -> anyhow::Result<String> {
    match format {
        "json" => Ok(format!("{}\n", serde_json::to_string(status)?)),
        "yaml" => Ok(serde_yaml::to_string(status)?),
        "tabular" => Ok(tabular(status, std::io::stdout().is_terminal())),
        other => anyhow::bail!("unknown format {other:?}: use tabular, json or yaml"),
    }
}

/// `text` with control characters escaped: `\n`, `\t`, `\r`, and `\xNN` (`\u{NNNN}`
/// beyond one byte) for the others, so a status cannot drive the terminal.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() && (c as u32) < 0x100 => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// `text` escaped and cut to `max` characters (the last three `...`), as Juju truncates.
fn truncated(text: &str, max: usize) -> String {
    let text = escape(text);
    if text.chars().count() <= max {
        return text;
    }
    let keep: String = text.chars().take(max - ELLIPSIS.len()).collect();
    format!("{keep}{ELLIPSIS}")
}

/// Names in natural order (`kv/2` before `kv/10`), as Juju's `naturalsort` sorts them.
fn natural(a: &str, b: &str) -> Ordering {
    let chunks = |s: &str| -> Vec<(bool, String)> {
        let mut out: Vec<(bool, String)> = Vec::new();
        for c in s.chars() {
            let digit = c.is_ascii_digit();
            match out.last_mut() {
                Some((d, chunk)) if *d == digit => chunk.push(c),
                _ => out.push((digit, c.to_string())),
            }
        }
        out
    };
    let (ca, cb) = (chunks(a), chunks(b));
    for ((da, sa), (db, sb)) in ca.iter().zip(cb.iter()) {
        let order = if *da && *db {
            let (na, nb) = (sa.trim_start_matches('0'), sb.trim_start_matches('0'));
            na.len().cmp(&nb.len()).then_with(|| na.cmp(nb))
        } else {
            sa.cmp(sb)
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    ca.len().cmp(&cb.len())
}

/// What an executing agent runs, as `juju status` names it before the unit's message:
/// a unit hook's or generic relation hook's name, or an action's.
fn agent_doing(unit: &UnitStatus) -> Option<String> {
    let agent = &unit.juju_status;
    if agent.current != "executing" {
        return None;
    }
    let message = &agent.message;
    if let Some(hook) = AGENT_DOING_HOOKS
        .iter()
        .find(|h| message.contains(&format!("running {h} hook")))
    {
        return Some(hook.to_string());
    }
    message
        .find("running action ")
        .map(|at| message[at + "running action ".len()..].to_string())
}

/// Ports as `juju status` groups them in a table: by protocol (`/tcp` before `/udp`,
/// then `icmp`), single ports in a row joined into a range, each protocol's ports
/// comma-separated and followed by it: `80,443/tcp 8000-8010/udp icmp`.
pub fn group_ports(ports: &[String]) -> String {
    let mut protocols: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for port in ports {
        match port.split_once('/') {
            Some((number, proto)) => protocols
                .entry(format!("/{proto}"))
                .or_default()
                .push(number.to_string()),
            None => {
                protocols.entry(port.clone()).or_default();
            }
        }
    }
    let mut groups = Vec::new();
    for (proto, mut numbers) in protocols {
        if numbers.is_empty() {
            groups.push(proto);
            continue;
        }
        // Juju's order: shorter first, then as text (so 80 before 443 before 8000-8010).
        numbers.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
        numbers.dedup();
        let singles: std::collections::BTreeSet<u32> =
            numbers.iter().filter_map(|n| n.parse().ok()).collect();
        let mut shown = Vec::new();
        for n in &numbers {
            let Ok(port) = n.parse::<u32>() else {
                shown.push(n.clone());
                continue;
            };
            if port > 0 && singles.contains(&(port - 1)) {
                continue; // inside a run that an earlier port starts
            }
            let mut last = port;
            while singles.contains(&(last + 1)) {
                last += 1;
            }
            shown.push(if last == port {
                port.to_string()
            } else {
                format!("{port}-{last}")
            });
        }
        groups.push(format!("{}{proto}", shown.join(",")));
    }
    groups.join(" ")
}

/// One table section: a header and rows, in columns two spaces apart (Go's tabwriter
/// with Juju's settings), some columns aligned right; `status_columns` are painted by
/// their status when `colour`.
struct Section {
    rows: Vec<Vec<String>>,
    right: Vec<usize>,
    status_columns: Vec<usize>,
}

impl Section {
    fn new(header: &[&str]) -> Section {
        Section {
            rows: vec![header.iter().map(|h| h.to_string()).collect()],
            right: Vec::new(),
            status_columns: Vec::new(),
        }
    }

    fn write(&self, out: &mut String, colour: bool) {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|c| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(|cell| cell.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for (i, row) in self.rows.iter().enumerate() {
            let mut line = String::new();
            for (c, cell) in row.iter().enumerate() {
                let last = c + 1 == row.len();
                let pad = widths[c].saturating_sub(cell.chars().count());
                let shown = if colour && i > 0 && self.status_columns.contains(&c) {
                    paint(cell)
                } else {
                    cell.clone()
                };
                if self.right.contains(&c) {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(&shown);
                } else {
                    line.push_str(&shown);
                    if !last {
                        line.push_str(&" ".repeat(pad));
                    }
                }
                if !last {
                    line.push_str("  ");
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
}

/// A status value in Juju's colours.
fn paint(status: &str) -> String {
    let code = match status {
        "active" | "idle" | "started" | "running" => "32",
        "error" | "blocked" | "lost" | "down" => "31",
        "waiting" | "maintenance" | "executing" | "allocating" => "33",
        _ => return status.to_string(),
    };
    format!("\x1b[{code}m{status}\x1b[0m")
}

/// The status as `juju status` prints it: Model line, App, Unit and Machine sections.
pub fn tabular(status: &Status, colour: bool) -> String {
    let mut out = String::new();
    let model = &status.model;
    let mut section = Section::new(&["Model", "Controller", "Cloud/Region", "Version", "Seed"]);
    section.rows.push(vec![
        escape(&model.name),
        model.controller.clone(),
        model.cloud.clone(),
        model.version.clone(),
        model.seed.to_string(),
    ]);
    section.write(&mut out, false);

    let mut apps: Vec<&String> = status.applications.keys().collect();
    apps.sort_by(|a, b| natural(a, b));
    if !apps.is_empty() {
        let mut section = Section::new(&[
            "App", "Version", "Status", "Scale", "Charm", "Channel", "Rev", "Exposed", "Message",
        ]);
        section.right = vec![3, 6];
        section.status_columns = vec![2];
        for name in &apps {
            let app = &status.applications[*name];
            // Juju counts the units whose agent is up (idle or executing).
            let desired = app.units.len();
            let current = app
                .units
                .iter()
                .filter(|(_, u)| matches!(u.juju_status.current.as_str(), "idle" | "executing"))
                .count();
            let scale = if current == desired {
                current.to_string()
            } else {
                format!("{current}/{desired}")
            };
            let version = app.version.lines().next().unwrap_or_default();
            section.rows.push(vec![
                escape(name),
                truncated(version, MAX_VERSION),
                escape(&app.application_status.current),
                scale,
                escape(&app.charm_name),
                String::new(),
                app.charm_rev.to_string(),
                if app.exposed { "yes" } else { "no" }.into(),
                truncated(&app.application_status.message, MAX_MESSAGE),
            ]);
        }
        out.push('\n');
        section.write(&mut out, colour);
    }

    let mut units: Vec<(&String, &UnitStatus)> = status
        .applications
        .values()
        .flat_map(|a| a.units.iter().map(|(n, u)| (n, u)))
        .collect();
    units.sort_by(|a, b| natural(a.0, b.0));
    if !units.is_empty() {
        let mut section = Section::new(&[
            "Unit",
            "Workload",
            "Agent",
            "Machine",
            "Public address",
            "Ports",
            "Message",
        ]);
        section.status_columns = vec![1, 2];
        for (name, u) in units {
            let mut message = u.workload_status.message.clone();
            if let Some(doing) = agent_doing(u) {
                message = format!("({doing}) {message}");
            }
            let label = format!("{name}{}", if u.leader { "*" } else { "" });
            section.rows.push(vec![
                escape(&label),
                escape(&u.workload_status.current),
                escape(&u.juju_status.current),
                u.machine.clone(),
                u.public_address.clone(),
                group_ports(&u.open_ports),
                truncated(&message, MAX_MESSAGE),
            ]);
        }
        out.push('\n');
        section.write(&mut out, colour);
    }

    let mut machines: Vec<&String> = status.machines.keys().collect();
    machines.sort_by(|a, b| natural(a, b));
    if !machines.is_empty() {
        let mut section = Section::new(&[
            "Machine", "State", "Address", "Inst id", "Base", "AZ", "Message",
        ]);
        section.status_columns = vec![1];
        for id in machines {
            let m = &status.machines[id];
            let base = m
                .base
                .as_ref()
                .map(|b| format!("{}@{}", b.name, b.channel))
                .unwrap_or_default();
            section.rows.push(vec![
                id.clone(),
                m.juju_status.current.clone(),
                m.dns_name.clone(),
                escape(&m.instance_id),
                escape(&base),
                String::new(),
                truncated(&m.machine_status.message, MAX_MESSAGE),
            ]);
        }
        out.push('\n');
        section.write(&mut out, colour);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            escape("a\x1b[31mb\nc\u{7f}\u{9b}"),
            "a\\x1b[31mb\\nc\\x7f\\x9b"
        );
        assert_eq!(escape("plain — text"), "plain — text");
    }

    #[test]
    fn names_sort_naturally() {
        let mut names = vec!["kv/10", "kv/2", "a/1", "kv/1"];
        names.sort_by(|a, b| natural(a, b));
        assert_eq!(names, ["a/1", "kv/1", "kv/2", "kv/10"]);
    }

    #[test]
    fn ports_group_by_protocol_and_runs_join() {
        let ports: Vec<String> = [
            "8000-8010/udp",
            "443/tcp",
            "80/tcp",
            "81/tcp",
            "82/tcp",
            "icmp",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(group_ports(&ports), "80-82,443/tcp 8000-8010/udp icmp");
        assert_eq!(group_ports(&[]), "");
    }

    #[test]
    fn long_messages_end_with_an_ellipsis() {
        let long = "x".repeat(130);
        let cut = truncated(&long, MAX_MESSAGE);
        assert_eq!(cut.chars().count(), 120);
        assert!(cut.ends_with("..."));
    }
}
