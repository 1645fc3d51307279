//! Go's `json.Marshal`: compact, map keys sorted bytewise, HTML characters escaped,
//! floats in Go's shortest form.

use super::node::Node;

/// Marshals `node` the way Go's `encoding/json` does (no trailing newline).
pub(crate) fn marshal(node: &Node) -> String {
    let mut out = String::new();
    write_node(&mut out, node);
    out
}

fn write_node(out: &mut String, node: &Node) {
    match node {
        Node::Nil => out.push_str("null"),
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Node::Int(i) => out.push_str(&i.to_string()),
        Node::Uint(u) => out.push_str(&u.to_string()),
        Node::Float(f) => out.push_str(&float(*f)),
        Node::Str(s) | Node::Plain(s) => string(out, s),
        Node::Strings(items) => {
            out.push('[');
            for (i, s) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(out, s);
            }
            out.push(']');
        }
        Node::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_node(out, item);
            }
            out.push(']');
        }
        Node::Map(entries) => {
            let mut sorted: Vec<&(String, Node)> = entries.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            object(out, sorted.into_iter());
        }
        Node::Struct(fields) => object(out, fields.iter()),
    }
}

fn object<'a>(out: &mut String, entries: impl Iterator<Item = &'a (String, Node)>) {
    out.push('{');
    for (i, (k, v)) in entries.enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(out, k);
        out.push(':');
        write_node(out, v);
    }
    out.push('}');
}

/// Go's float encoding: `'f'` format unless the exponent is extreme, then `'e'` with
/// `e-07` shortened to `e-7`.
fn float(f: f64) -> String {
    if !f.is_finite() {
        // Go refuses to marshal these; JSON-sourced values never are.
        return "null".to_string();
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let sci = format!("{f:e}");
        let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        if exp < 0 {
            format!("{mantissa}e-{}", -exp)
        } else {
            format!("{mantissa}e+{exp:02}")
        }
    } else {
        // Rust's Display is the shortest round-trip decimal without an exponent,
        // which is what Go's 'f' with precision -1 prints.
        format!("{f}")
    }
}

/// A JSON string with Go's escaping (`<`, `>`, `&`, U+2028 and U+2029 escaped).
fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_match_go() {
        assert_eq!(float(1.0), "1");
        assert_eq!(float(1.5), "1.5");
        assert_eq!(float(1e21), "1e+21");
        assert_eq!(float(1.5e-7), "1.5e-7");
        assert_eq!(float(1e-10), "1e-10");
        assert_eq!(float(123456789.0), "123456789");
    }

    #[test]
    fn strings_escape_like_go() {
        let mut out = String::new();
        string(&mut out, "a<b>&\"\\\n\u{1}\u{2028}é");
        assert_eq!(out, r#""a\u003cb\u003e\u0026\"\\\n\u0001\u2028é""#);
    }

    #[test]
    fn maps_sort_and_structs_keep_order() {
        let map = Node::Map(vec![
            ("b".into(), Node::Int(1)),
            ("a".into(), Node::Strings(vec![])),
        ]);
        assert_eq!(marshal(&map), r#"{"a":[],"b":1}"#);
        let st = Node::Struct(vec![
            ("z".into(), Node::Nil),
            ("a".into(), Node::Bool(true)),
        ]);
        assert_eq!(marshal(&st), r#"{"z":null,"a":true}"#);
    }
}
