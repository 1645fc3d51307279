//! `cmd.Output`: the `--format` and `-o/--output` options and the smart, yaml and
//! json formatters (each output ends with exactly one newline; nil prints nothing
//! except in json).

use super::args::{Kind, Opt, Parsed};
use super::cmd::{Fail, Io};
use super::node::Node;
use super::{json, yaml};
use crate::gostr;

/// `--format` for tools offering `cmd.DefaultFormatters`.
pub(crate) const FORMAT: Opt = Opt {
    names: &["format"],
    kind: Kind::Format(&["json", "smart", "yaml"]),
    usage: "Specify output format (json|smart|yaml)",
};

/// `-o`/`--output`.
pub(crate) const OUTPUT: Opt = Opt {
    names: &["o", "output"],
    kind: Kind::Str,
    usage: "Specify an output file",
};

/// The chosen format and destination.
pub(crate) struct Output {
    format: String,
    path: Option<String>,
}

impl Output {
    /// Reads `--format` (defaulting to `default`) and `-o` from parsed options.
    pub(crate) fn new(parsed: &Parsed, default: &str) -> Output {
        Output {
            format: parsed.string("format").unwrap_or(default).to_string(),
            path: parsed
                .string("o")
                .filter(|p| !p.is_empty())
                .map(String::from),
        }
    }

    /// Whether the smart format was chosen.
    pub(crate) fn is_smart(&self) -> bool {
        self.format == "smart"
    }

    /// Whether the json format was chosen.
    pub(crate) fn is_json(&self) -> bool {
        self.format == "json"
    }

    /// Formats `node` to stdout or to the `-o` file (relative to the caller's cwd).
    pub(crate) fn write(&self, io: &mut Io, node: &Node) -> Result<(), Fail> {
        let text = render(&self.format, node);
        match &self.path {
            None => io.stdout.extend_from_slice(text.as_bytes()),
            Some(path) => {
                let full = io.abs_path(path);
                std::fs::write(io.on_host(&full), text)
                    .map_err(|e| Fail::Run(gostr::path_error("open", &full, &e)))?;
            }
        }
        Ok(())
    }
}

/// Formats `node` with the named formatter.
pub(crate) fn render(format: &str, node: &Node) -> String {
    match format {
        "json" => json::marshal(node) + "\n",
        "yaml" => format_yaml(node),
        _ => format_smart(node),
    }
}

/// `cmd.FormatYaml`: nothing for nil, else yaml with exactly one trailing newline.
fn format_yaml(node: &Node) -> String {
    if *node == Node::Nil {
        return String::new();
    }
    let text = yaml::marshal(node);
    let trimmed = text.trim_end_matches('\n');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("{trimmed}\n")
    }
}

/// `cmd.FormatSmart`: strings as they are, `[]string` one per line, bools as
/// `True`/`False`, anything else as yaml; empty text prints nothing.
fn format_smart(node: &Node) -> String {
    let text = match node {
        Node::Nil => return String::new(),
        Node::Str(s) => s.clone(),
        Node::Strings(items) => items.join("\n"),
        Node::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        other => return format_yaml(other),
    };
    if text.is_empty() {
        String::new()
    } else {
        text + "\n"
    }
}
