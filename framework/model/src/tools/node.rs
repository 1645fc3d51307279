//! The values tools print, shaped like the Go values `cmd.Output` formats: the
//! formatters treat a `[]string`, a map and a struct differently, so the shape is kept.

use serde_json::Value;

use charms_reactive_juju::settings::Settings;

/// A value as a Go hook tool hands it to its formatter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// Go `nil`.
    Nil,
    /// A bool.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer too big for `Int`.
    Uint(u64),
    /// A float64.
    Float(f64),
    /// A string.
    Str(String),
    /// A value Go's YAML encoder writes unquoted though it is not a string to YAML (a
    /// `time.Time`: `2025-01-01T00:00:00Z`); a string in JSON.
    Plain(String),
    /// A Go `[]string`: the smart format joins it with newlines.
    Strings(Vec<String>),
    /// Any other Go slice.
    List(Vec<Node>),
    /// A Go map: each formatter sorts the keys its own way.
    Map(Vec<(String, Node)>),
    /// A Go struct: fields keep their declared order.
    Struct(Vec<(String, Node)>),
}

impl Node {
    /// A JSON value (config, action params, status data) as Go decodes it.
    pub(crate) fn from_json(value: &Value) -> Node {
        match value {
            Value::Null => Node::Nil,
            Value::Bool(b) => Node::Bool(*b),
            Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => Node::Int(i),
                (None, Some(u), _) => Node::Uint(u),
                (None, None, Some(f)) => Node::Float(f),
                (None, None, None) => Node::Nil,
            },
            Value::String(s) => Node::Str(s.clone()),
            Value::Array(items) => Node::List(items.iter().map(Node::from_json).collect()),
            Value::Object(map) => Node::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), Node::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// A string databag as a Go `map[string]string`.
    pub(crate) fn bag(bag: &Settings) -> Node {
        Node::Map(
            bag.iter()
                .map(|(k, v)| (k.clone(), Node::Str(v.clone())))
                .collect(),
        )
    }

    /// A string, or nil when absent (a missing key).
    pub(crate) fn opt_str(value: Option<&String>) -> Node {
        value.map_or(Node::Nil, |s| Node::Str(s.clone()))
    }
}
