//! `reactive graph`: a charm's handlers and flags as a graph, from its description
//! ([`crate::describe`]).
//!
//! Nodes are handlers (labelled with their id, file and line, grouped by layer), the
//! `#[startup]` functions that set or clear flags, and the flags they name. Edges: a handler → each flag it sets (`sets`) or clears (`clears`); a
//! flag → each handler it enables (`enables`: `#[when]`, `#[when_any]`) or disables
//! (`disables`: `#[when_not]`, `#[when_not_all]`); a trigger's flag → the flags it sets
//! or clears (`trigger-sets`, `trigger-clears`). Flags no handler names (most automatic
//! `config.*` flags) are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;

use crate::describe::{Description, TriggerInfo};

/// The graph.
#[derive(Debug, Clone, Serialize)]
pub struct Graph {
    /// The charm.
    pub charm: String,
    /// Handlers and flags.
    pub nodes: Vec<Node>,
    /// Sets, clears, enables, disables, trigger-sets, trigger-clears.
    pub edges: Vec<Edge>,
}

/// A handler or a flag.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    /// `handler:<id>`, `startup:<id>` or `flag:<name>`.
    pub id: String,
    /// `handler`, `startup` (a `#[startup]` function that sets or clears flags) or `flag`.
    pub kind: String,
    /// The handler id or the flag name.
    pub name: String,
    /// The handler's layer crate; for a flag, the layer declaring it, if one does.
    pub layer: Option<String>,
    /// The handler's source file.
    pub file: Option<String>,
    /// The handler's line.
    pub line: Option<u32>,
    /// For a flag set by the runtime: `config`, `endpoint`, …
    pub automatic: Option<String>,
}

/// A directed edge.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    /// Source node id.
    pub from: String,
    /// Target node id.
    pub to: String,
    /// What it means.
    pub kind: String,
}

fn flag_id(f: &str) -> String {
    format!("flag:{f}")
}

/// Builds the graph of a description.
pub fn graph(desc: &Description) -> Graph {
    let mut edges = BTreeSet::new();
    let mut nodes = Vec::new();
    let mut flags = BTreeSet::new();
    for h in &desc.handlers {
        let hid = format!("handler:{}", h.id);
        nodes.push(Node {
            id: hid.clone(),
            kind: "handler".into(),
            name: h.id.clone(),
            layer: Some(h.layer.clone()),
            file: Some(h.file.clone()),
            line: Some(h.line),
            automatic: None,
        });
        let c = &h.conditions;
        for f in c.when_all.iter().chain(c.when_any.iter().flatten()) {
            flags.insert(f.clone());
            edges.insert(Edge {
                from: flag_id(f),
                to: hid.clone(),
                kind: "enables".into(),
            });
        }
        for f in c.when_none.iter().chain(c.when_not_all.iter().flatten()) {
            flags.insert(f.clone());
            edges.insert(Edge {
                from: flag_id(f),
                to: hid.clone(),
                kind: "disables".into(),
            });
        }
        for (list, kind) in [(&h.sets, "sets"), (&h.clears, "clears")] {
            for f in list {
                flags.insert(f.clone());
                edges.insert(Edge {
                    from: hid.clone(),
                    to: flag_id(f),
                    kind: kind.into(),
                });
            }
        }
        for t in &h.triggers {
            trigger_edges(t, &mut flags, &mut edges);
        }
    }
    for s in &desc.startups {
        // A startup function that sets or clears flags is a node like a handler.
        if !s.sets.is_empty() || !s.clears.is_empty() {
            let sid = format!("startup:{}", s.id);
            nodes.push(Node {
                id: sid.clone(),
                kind: "startup".into(),
                name: s.id.clone(),
                layer: Some(s.layer.clone()),
                file: Some(s.file.clone()),
                line: Some(s.line),
                automatic: None,
            });
            for (list, kind) in [(&s.sets, "sets"), (&s.clears, "clears")] {
                for f in list {
                    flags.insert(f.clone());
                    edges.insert(Edge {
                        from: sid.clone(),
                        to: flag_id(f),
                        kind: kind.into(),
                    });
                }
            }
        }
        for t in &s.triggers {
            trigger_edges(t, &mut flags, &mut edges);
        }
    }
    let mut declared: BTreeMap<&str, &str> = BTreeMap::new();
    for d in &desc.declared {
        for f in &d.flags {
            if let Some(layer) = &d.layer {
                declared.insert(f, layer);
            }
        }
    }
    let mut automatic: BTreeMap<&str, &str> = BTreeMap::new();
    for a in &desc.automatic {
        for f in &a.flags {
            if let Some(source) = &a.source {
                automatic.insert(f, source);
            }
        }
    }
    for f in flags {
        nodes.push(Node {
            id: flag_id(&f),
            kind: "flag".into(),
            layer: declared.get(f.as_str()).map(|l| l.to_string()),
            automatic: automatic.get(f.as_str()).map(|s| s.to_string()),
            name: f,
            file: None,
            line: None,
        });
    }
    Graph {
        charm: desc.charm.clone(),
        nodes,
        edges: edges.into_iter().collect(),
    }
}

/// A trigger's edges: its flag to each flag it sets or clears.
fn trigger_edges(t: &TriggerInfo, flags: &mut BTreeSet<String>, edges: &mut BTreeSet<Edge>) {
    let Some(when) = t.when.as_ref().or(t.when_not.as_ref()) else {
        return;
    };
    flags.insert(when.clone());
    for (list, kind) in [(&t.sets, "trigger-sets"), (&t.clears, "trigger-clears")] {
        for f in list {
            flags.insert(f.clone());
            edges.insert(Edge {
                from: flag_id(when),
                to: flag_id(f),
                kind: kind.into(),
            });
        }
    }
}

/// A DOT string literal.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The last two components of a source path, for labels.
fn short_file(file: &str) -> &str {
    let mut cut = file.len();
    for _ in 0..2 {
        match file[..cut].rfind('/') {
            Some(i) => cut = i,
            None => return file,
        }
    }
    &file[cut + 1..]
}

/// A handler's (or startup function's) label: its id, file and line.
pub fn handler_label(node: &Node) -> String {
    let startup = if node.kind == "startup" {
        "#[startup] "
    } else {
        ""
    };
    format!(
        "{startup}{}\n{}:{}",
        node.name,
        short_file(node.file.as_deref().unwrap_or("")),
        node.line.unwrap_or(0)
    )
}

/// Fill colours given to layers in order.
const PALETTE: &[&str] = &[
    "#dbe9f6", "#e2f0d9", "#fde9d9", "#ede7f6", "#fff2cc", "#d9f2f2", "#f2dcdb", "#e7e6e6",
];

/// The graph in Graphviz's DOT. With `clusters`, each layer's handlers are a
/// `subgraph cluster_…` (Graphviz draws a box around them); without, each layer has a
/// colour of its own and the layer is named in the handler's label (for renderers that
/// ignore clusters).
pub fn to_dot(graph: &Graph, clusters: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", quoted(&graph.charm));
    let _ = writeln!(out, "  rankdir=LR;");
    let mut layers: Vec<&str> = Vec::new();
    let is_code = |n: &&Node| n.kind == "handler" || n.kind == "startup";
    for n in graph.nodes.iter().filter(is_code) {
        let layer = n.layer.as_deref().unwrap_or("");
        if !layers.contains(&layer) {
            layers.push(layer);
        }
    }
    for (i, layer) in layers.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let handlers = graph
            .nodes
            .iter()
            .filter(|n| is_code(n) && n.layer.as_deref() == Some(layer));
        if clusters {
            let _ = writeln!(out, "  subgraph {} {{", quoted(&format!("cluster_{layer}")));
            let _ = writeln!(out, "    label={};", quoted(layer));
        }
        for n in handlers {
            let label = if clusters {
                handler_label(n)
            } else {
                format!("[{layer}]\n{}", handler_label(n))
            };
            let _ = writeln!(
                out,
                "    {} [shape=box, style=filled, fillcolor={}, label={}];",
                quoted(&n.id),
                quoted(colour),
                quoted(&label)
            );
        }
        if clusters {
            let _ = writeln!(out, "  }}");
        }
    }
    for n in graph.nodes.iter().filter(|n| n.kind == "flag") {
        let _ = writeln!(
            out,
            "  {} [shape=ellipse, label={}];",
            quoted(&n.id),
            quoted(&n.name)
        );
    }
    for e in &graph.edges {
        let style = match e.kind.as_str() {
            "clears" | "trigger-clears" => "style=dashed, color=\"#c0392b\"",
            "disables" => "style=dotted, color=\"#c0392b\"",
            "trigger-sets" => "style=bold, color=\"#8e44ad\"",
            _ => "color=\"#2c3e50\"",
        };
        // Edge labels only where Graphviz places them well; the colours tell the kinds.
        let label = if clusters {
            format!(", label={}", quoted(&e.kind))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {} -> {} [{style}{label}];",
            quoted(&e.from),
            quoted(&e.to)
        );
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::{Conditions, HandlerInfo};

    #[test]
    fn dot_groups_handlers_by_layer_and_labels_them_with_id_file_and_line() {
        let desc = Description {
            format: crate::describe::FORMAT.into(),
            charm: "c".into(),
            layers: vec![],
            handlers: vec![HandlerInfo {
                id: "layer_x::h".into(),
                layer: "layer_x".into(),
                file: "/src/layers/x/src/lib.rs".into(),
                line: 12,
                phase: "flags".into(),
                conditions: Conditions {
                    when_all: vec!["a \"quoted\"".into()],
                    when_none: vec!["b".into()],
                    ..Conditions::default()
                },
                sets: vec!["c".into()],
                clears: vec![],
                reads: vec![],
                triggers: vec![],
            }],
            startups: vec![],
            declared: vec![],
            automatic: vec![],
        };
        let g = graph(&desc);
        let kinds: Vec<(&str, &str, &str)> = g
            .edges
            .iter()
            .map(|e| (e.from.as_str(), e.to.as_str(), e.kind.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("flag:a \"quoted\"", "handler:layer_x::h", "enables"),
                ("flag:b", "handler:layer_x::h", "disables"),
                ("handler:layer_x::h", "flag:c", "sets"),
            ]
        );
        let dot = to_dot(&g, true);
        assert!(dot.contains("subgraph \"cluster_layer_x\" {"), "{dot}");
        assert!(
            dot.contains("label=\"layer_x::h\\nsrc/lib.rs:12\""),
            "{dot}"
        );
        assert!(
            dot.contains("\"flag:a \\\"quoted\\\"\" [shape=ellipse"),
            "{dot}"
        );
        let flat = to_dot(&g, false);
        assert!(!flat.contains("subgraph"), "{flat}");
        assert!(
            flat.contains("label=\"[layer_x]\\nlayer_x::h\\nsrc/lib.rs:12\""),
            "{flat}"
        );
    }
}
