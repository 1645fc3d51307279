//! The model crate's modules import one way (see the layer list in `src/lib.rs`): this
//! reads every file under `src/` (the `bin/` targets aside), collects each top-level
//! module's `crate::…` references, and fails naming the cycle if the modules import each
//! other in a circle. A module is a top-level file or directory of `src/`; inside a
//! directory module, its submodule files' `super::…` references are checked the same way
//! (`mod.rs`, which declares them all, aside).
//!
//! Comments, strings and character literals are skipped, so doc links (`[`crate::x`]`)
//! do not count as imports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Edges `from -> to`, each with the first file that makes it.
type Graph = BTreeMap<String, BTreeMap<String, String>>;

/// `text` with comments, string literals and character literals blanked out.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            // Rust block comments nest.
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r'
            && matches!(next, Some('"') | Some('#'))
            && !chars[..i]
                .last()
                .is_some_and(|p| p.is_alphanumeric() || *p == '_')
        {
            // A raw string: r"…", r#"…"#, …
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                match chars.get(j) {
                    None => break,
                    Some('"') if (1..=hashes).all(|k| chars.get(j + k) == Some(&'#')) => {
                        j += 1 + hashes;
                        break;
                    }
                    _ => j += 1,
                }
            }
            i = j;
            out.push_str("\"\"");
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{1F600}') or a lifetime ('a).
            if next == Some('\\') {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push_str("' '");
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push_str("' '");
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The first path segment after every `<prefix>::` in `code` (each item of a
/// `<prefix>::{a, b::c}` group counts).
fn references(code: &str, prefix: &str) -> BTreeSet<String> {
    let needle = format!("{prefix}::");
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find(&needle) {
        let before_ok = !rest[..at]
            .chars()
            .next_back()
            .is_some_and(|p| p.is_alphanumeric() || p == '_');
        let after = rest[at + needle.len()..].trim_start();
        rest = &rest[at + needle.len()..];
        if !before_ok {
            continue;
        }
        if let Some(group) = after.strip_prefix('{') {
            // Top-level items of the group: split on commas outside nested braces.
            let mut depth = 0;
            let mut item_start = true;
            for (k, ch) in group.char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && !c.is_whitespace() => {
                        item_start = false;
                        let name = ident_at(&group[k..]);
                        if !name.is_empty() {
                            found.insert(name.to_string());
                        }
                    }
                    _ => {}
                }
            }
        } else {
            let name = ident_at(after);
            if !name.is_empty() {
                found.insert(name.to_string());
            }
        }
    }
    found
}

/// Where a source file sits: its top-level module and, inside a directory module, its
/// submodule (`None` for the directory's `mod.rs` and for top-level files).
fn module_of(rel: &Path) -> Option<(String, Option<String>)> {
    let parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    match parts.as_slice() {
        [] => None,
        // The crate root declares every module; it is no module itself.
        [root] if root == "lib" || root == "main" => None,
        [file] => Some((file.clone(), None)),
        [dir, sub, ..] => Some((dir.clone(), (sub != "mod").then(|| sub.clone()))),
    }
}

/// The graphs of `files` (paths relative to `src/`, and their text): the top-level
/// modules' graph, and per directory module its submodules' graph.
fn graphs(files: &[(PathBuf, String)]) -> (Graph, BTreeMap<String, Graph>) {
    let mut top = Graph::new();
    let mut inner: BTreeMap<String, Graph> = BTreeMap::new();
    for (rel, text) in files {
        let Some((module, sub)) = module_of(rel) else {
            continue;
        };
        let code = code_only(text);
        let file = rel.display().to_string();
        let edges = top.entry(module.clone()).or_default();
        for to in references(&code, "crate") {
            if to != module && to != "self" {
                edges.entry(to).or_insert_with(|| file.clone());
            }
        }
        if let Some(sub) = sub {
            let subs = inner.entry(module.clone()).or_default();
            let edges = subs.entry(sub.clone()).or_default();
            let mut siblings = references(&code, "super");
            // `crate::<this module>::x` reaches a sibling too.
            let own = format!("crate::{module}");
            siblings.extend(references(&code, &own));
            for to in siblings {
                if to != sub && to != "self" && to != "super" {
                    edges.entry(to).or_insert_with(|| file.clone());
                }
            }
        }
    }
    // Only edges to known modules count: a submodule's `super::Item` names an item of
    // `mod.rs`, not a sibling.
    for subs in inner.values_mut() {
        let known: BTreeSet<String> = subs.keys().cloned().collect();
        for edges in subs.values_mut() {
            edges.retain(|to, _| known.contains(to));
        }
    }
    let known: BTreeSet<String> = top.keys().cloned().collect();
    for edges in top.values_mut() {
        edges.retain(|to, _| known.contains(to));
    }
    (top, inner)
}

/// A cycle of `graph`, as the modules along it (the first repeated at the end), or
/// `None` when the graph has none.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(
        node: &str,
        graph: &Graph,
        marks: &mut BTreeMap<String, Mark>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        marks.insert(node.to_string(), Mark::Open);
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flat_map(|e| e.keys()) {
            match marks.get(next).copied().unwrap_or(Mark::New) {
                Mark::Open => {
                    let from = stack.iter().position(|n| n == next).unwrap_or(0);
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                Mark::New => {
                    if let Some(c) = visit(next, graph, marks, stack) {
                        return Some(c);
                    }
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        marks.insert(node.to_string(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for node in graph.keys() {
        if marks.get(node).copied().unwrap_or(Mark::New) == Mark::New {
            if let Some(c) = visit(node, graph, &mut marks, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

/// The cycle, spelled with the file that makes each step.
fn describe(graph: &Graph, cycle: &[String]) -> String {
    let steps: Vec<String> = cycle
        .windows(2)
        .map(|w| {
            let file = graph
                .get(&w[0])
                .and_then(|e| e.get(&w[1]))
                .map_or("?", String::as_str);
            format!("{} -> {} (in {file})", w[0], w[1])
        })
        .collect();
    steps.join(", ")
}

fn read_sources(dir: &Path, root: &Path, out: &mut Vec<(PathBuf, String)>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .path();
        let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        if path.is_dir() {
            // Binary targets are crates of their own.
            if rel != Path::new("bin") {
                read_sources(&path, root, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            out.push((rel, text));
        }
    }
}

#[test]
fn the_model_modules_import_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    read_sources(&src, &src, &mut files);
    files.sort();
    let (top, inner) = graphs(&files);
    assert!(
        top.len() >= 10,
        "found only {} modules under {}: is the scan broken?",
        top.len(),
        src.display()
    );
    assert!(
        top.get("scheduler")
            .is_some_and(|e| e.contains_key("state")),
        "the scan missed scheduler -> state: is it broken?"
    );
    if let Some(cycle) = find_cycle(&top) {
        panic!(
            "import cycle among the model's modules: {}",
            describe(&top, &cycle)
        );
    }
    for (module, subs) in &inner {
        if let Some(cycle) = find_cycle(subs) {
            panic!(
                "import cycle among the submodules of {module}: {}",
                describe(subs, &cycle)
            );
        }
    }
}

fn synthetic(files: &[(&str, &str)]) -> Vec<(PathBuf, String)> {
    files
        .iter()
        .map(|(p, t)| (PathBuf::from(p), t.to_string()))
        .collect()
}

#[test]
fn a_synthetic_cycle_is_found_and_named() {
    let files = synthetic(&[
        ("lib.rs", "pub mod a; pub mod b; pub mod c;"),
        ("a.rs", "use crate::b::Thing;\n"),
        ("b/mod.rs", "mod inner;\n"),
        ("b/inner.rs", "fn f() { crate::c::g(); }\n"),
        ("c.rs", "use crate::{a::X, self};\n"),
    ]);
    let (top, _) = graphs(&files);
    let cycle = find_cycle(&top).expect("a -> b -> c -> a is a cycle");
    assert_eq!(cycle.first(), cycle.last());
    let mut members: Vec<&str> = cycle[1..].iter().map(String::as_str).collect();
    members.sort();
    assert_eq!(members, ["a", "b", "c"]);
    let text = describe(&top, &cycle);
    assert!(text.contains("b -> c (in b/inner.rs)"), "{text}");
}

#[test]
fn one_way_imports_comments_and_strings_are_not_cycles() {
    let files = synthetic(&[
        ("a.rs", "use crate::b::Thing;\n"),
        (
            "b.rs",
            "//! See [`crate::a`].\n/* crate::a */ fn f() -> &'static str { \"crate::a\" }\nconst R: &str = r#\"crate::a\"#;\nconst C: char = '\"'; fn g() { crate::c::h() }\n",
        ),
        ("c.rs", "fn h() {}\n"),
    ]);
    let (top, _) = graphs(&files);
    assert_eq!(find_cycle(&top), None, "{top:?}");
    assert!(top["b"].contains_key("c"), "{top:?}");
}

#[test]
fn a_cycle_between_submodules_is_found() {
    let files = synthetic(&[
        ("d/mod.rs", "mod x; mod y; pub use x::X;\n"),
        ("d/x.rs", "use super::y::Y;\n"),
        ("d/y.rs", "use super::{x::X, Item};\n"),
    ]);
    let (top, inner) = graphs(&files);
    assert_eq!(find_cycle(&top), None);
    let cycle = find_cycle(&inner["d"]).expect("x -> y -> x is a cycle");
    assert_eq!(cycle.len(), 3);
}
