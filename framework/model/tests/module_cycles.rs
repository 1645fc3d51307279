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
    // Inside an attribute: its bracket depth (strings there are kept).
    let mut attribute_depth = 0usize;
    let mut in_attribute = false;
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
            let start = i + 1;
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            if attribute_depth > 0 {
                // A path in an attribute's string (`#[serde(with = "crate::x")]`) is
                // an import too: keep the text, without the quotes.
                out.push(' ');
                out.extend(&chars[start..(i - 1).min(chars.len())]);
                out.push(' ');
            } else {
                out.push_str("\"\"");
            }
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
            // Track `#[…]` and `#![…]` so their strings are read as code.
            if c == '#'
                && (next == Some('[') || (next == Some('!') && chars.get(i + 2) == Some(&'[')))
            {
                attribute_depth = 0;
                in_attribute = true;
            } else if c == '[' && in_attribute {
                attribute_depth += 1;
            } else if c == ']' && attribute_depth > 0 {
                attribute_depth -= 1;
                in_attribute = attribute_depth > 0;
            }
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

/// Every path in `code` that starts with `crate`, `super` or `self`, with `use` groups
/// expanded (`crate::{a::X, b::{c, d}}` gives `crate::a::X`, `crate::b::c`,
/// `crate::b::d`); `*` and `self` inside a group end a path.
fn rooted_paths(code: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    let mut at = 0;
    while at < code.len() {
        let rest = &code[at..];
        let word = ident_at(rest);
        let starts_path = matches!(word, "crate" | "super" | "self")
            && rest[word.len()..].trim_start().starts_with("::")
            // Not a later segment of a path (`x::super`) nor part of a longer name.
            && !code[..at].trim_end().ends_with("::")
            && !(at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_'));
        if starts_path {
            let mut prefix = Vec::new();
            let used = tree(rest, &mut prefix, &mut found);
            at += used.max(word.len());
        } else {
            at += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    found
}

/// Reads a use tree at the start of `text` after `prefix`; pushes each full path to
/// `out` and returns how many bytes it read.
fn tree(text: &str, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
    let depth = prefix.len();
    let mut pos = 0;
    loop {
        let skipped = text[pos..].len() - text[pos..].trim_start().len();
        pos += skipped;
        let rest = &text[pos..];
        if let Some(group) = rest.strip_prefix('{') {
            pos += 1;
            let mut inner = 0;
            while inner < group.len() {
                let item = &group[inner..];
                let trimmed = item.trim_start();
                inner += item.len() - trimmed.len();
                if trimmed.starts_with('}') {
                    inner += 1;
                    break;
                }
                if trimmed.starts_with(',') {
                    inner += 1;
                    continue;
                }
                let mut sub = prefix.clone();
                let used = tree(trimmed, &mut sub, out);
                inner += used.max(1);
            }
            pos += inner;
            break;
        }
        let name = ident_at(rest);
        if name.is_empty() {
            break;
        }
        pos += name.len();
        // `self` inside a group names the group's own path.
        if name != "self" || prefix.is_empty() {
            prefix.push(name.to_string());
        }
        let after = &text[pos..];
        let trimmed = after.trim_start();
        if let Some(next) = trimmed.strip_prefix("::") {
            pos += after.len() - next.len();
            continue;
        }
        break;
    }
    if prefix.len() > depth || depth > 0 {
        out.push(prefix.clone());
    }
    pos
}

/// A source file's module path (`a.rs` → `a`, `d/mod.rs` → `d`, `d/x.rs` → `d::x`);
/// empty for the crate root.
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// `path` (from a file whose module is `module`) as a path from the crate root:
/// `crate::`, `super::` (repeated) and `self::` resolved.
fn absolute(module: &[String], path: &[String]) -> Option<Vec<String>> {
    let mut base: Vec<String> = module.to_vec();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        Some("super") => {
            while rest.first().map(String::as_str) == Some("super") {
                base.pop()?;
                rest = &rest[1..];
            }
        }
        // A path relative to the module (`use server::X` in a `mod.rs`).
        _ => {}
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// What the crate root and each directory's `mod.rs` re-export (or import, which its
/// submodules see through `super::`): the module path of each name → where it is from.
type Reexports = BTreeMap<Vec<String>, BTreeMap<String, Vec<String>>>;

fn reexports(files: &[(PathBuf, String)]) -> Reexports {
    let mut map = Reexports::new();
    for (rel, text) in files {
        let name = rel.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !matches!(name, "lib.rs" | "mod.rs") {
            continue;
        }
        let module = module_path(rel);
        let code = code_only(text);
        let mut rest = code.as_str();
        while let Some(at) = rest.find("use ") {
            let before_ok = !rest[..at]
                .chars()
                .next_back()
                .is_some_and(|p| p.is_alphanumeric() || p == '_');
            rest = &rest[at + 4..];
            if !before_ok {
                continue;
            }
            let mut paths = Vec::new();
            tree(rest, &mut Vec::new(), &mut paths);
            for path in paths {
                if let (Some(last), Some(abs)) = (path.last(), absolute(&module, &path)) {
                    if abs.len() > module.len() {
                        map.entry(module.clone())
                            .or_default()
                            .insert(last.clone(), abs);
                    }
                }
            }
        }
    }
    map
}

/// The graphs of `files` (paths relative to `src/`, and their text): the top-level
/// modules' graph, and per directory module its submodules' graph. A reference to a
/// name re-exported by the crate root or a `mod.rs` counts as one to the module the
/// name comes from.
fn graphs(files: &[(PathBuf, String)]) -> (Graph, BTreeMap<String, Graph>) {
    let reexported = reexports(files);
    let resolve = |mut abs: Vec<String>| -> Vec<String> {
        // Follow re-exports: `crate::Model` is `crate::model::Model`, `super::ToolServer`
        // in agent/ is `crate::agent::server::ToolServer`.
        for _ in 0..8 {
            let hit = (0..abs.len()).rev().find_map(|k| {
                let names = reexported.get(&abs[..k])?;
                let target = names.get(&abs[k])?;
                (target.as_slice() != &abs[..=k]).then(|| (k, target.clone()))
            });
            match hit {
                Some((k, target)) => {
                    let tail = abs[k + 1..].to_vec();
                    abs = target;
                    abs.extend(tail);
                }
                None => break,
            }
        }
        abs
    };
    let mut top = Graph::new();
    let mut inner: BTreeMap<String, Graph> = BTreeMap::new();
    for (rel, text) in files {
        let module = module_path(rel);
        let Some(own) = module.first().cloned() else {
            continue;
        };
        let is_mod_rs = rel.file_name().is_some_and(|n| n == "mod.rs");
        // Unit tests at the end of a file (`#[cfg(test)] mod tests`) sit one module
        // deeper; their `super::` is the file itself, so they are left out.
        let code = code_only(text);
        let code = code.split("#[cfg(test)]").next().unwrap_or("");
        let file = rel.display().to_string();
        top.entry(own.clone()).or_default();
        if module.len() > 1 || !is_mod_rs {
            inner.entry(own.clone()).or_default();
        }
        for path in rooted_paths(code) {
            let Some(abs) = absolute(&module, &path) else {
                continue;
            };
            let abs = resolve(abs);
            let Some(to) = abs.first() else {
                continue;
            };
            if *to != own {
                top.entry(own.clone())
                    .or_default()
                    .entry(to.clone())
                    .or_insert_with(|| file.clone());
            } else if let (Some(sub), Some(to_sub), false) =
                (module.get(1), abs.get(1), is_mod_rs && module.len() == 2)
            {
                if sub != to_sub {
                    inner
                        .entry(own.clone())
                        .or_default()
                        .entry(sub.clone())
                        .or_default()
                        .entry(to_sub.clone())
                        .or_insert_with(|| file.clone());
                }
            }
        }
        if let Some(sub) = module.get(1) {
            inner
                .entry(own.clone())
                .or_default()
                .entry(sub.clone())
                .or_default();
        }
    }
    // Only edges to known modules count: `super::Item` may name an item of `mod.rs`,
    // and `crate::x` where x is no module is a name of the root.
    for subs in inner.values_mut() {
        let known: BTreeSet<String> = subs.keys().cloned().collect();
        for edges in subs.values_mut() {
            edges.retain(|to, _| known.contains(to));
        }
    }
    inner.retain(|_, subs| !subs.is_empty());
    let known: BTreeSet<String> = top.keys().cloned().collect();
    for edges in top.values_mut() {
        edges.retain(|to, _| known.contains(to));
    }
    (top, inner)
}

/// The modules the crate root declares (`mod x;`, `pub mod x;`, `pub(crate) mod x;`), in
/// order: the layer list.
fn layer_list(lib_rs: &str) -> Vec<String> {
    let code = code_only(lib_rs);
    let mut layers = Vec::new();
    for line in code.lines() {
        let line = line.trim();
        let line = line
            .strip_prefix("pub(crate) ")
            .or_else(|| line.strip_prefix("pub "))
            .unwrap_or(line);
        if let Some(name) = line.strip_prefix("mod ").and_then(|r| r.strip_suffix(';')) {
            layers.push(name.trim().to_string());
        }
    }
    layers
}

/// Edges that point to a module declared later in the layer list (or not in it), each
/// spelled `from -> to (in file)`.
fn upward_edges(graph: &Graph, layers: &[String]) -> Vec<String> {
    let rank = |m: &str| layers.iter().position(|l| l == m);
    let mut wrong = Vec::new();
    for (from, edges) in graph {
        for (to, file) in edges {
            match (rank(from), rank(to)) {
                (Some(f), Some(t)) if t < f => {}
                _ => wrong.push(format!("{from} -> {to} (in {file})")),
            }
        }
    }
    wrong
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
    let lib_rs = files
        .iter()
        .find(|(rel, _)| rel == Path::new("lib.rs"))
        .map(|(_, text)| text.as_str())
        .unwrap_or_default();
    let layers = layer_list(lib_rs);
    let wrong = upward_edges(&top, &layers);
    assert!(
        wrong.is_empty(),
        "imports against the layer order of lib.rs ({}): {}",
        layers.join(", "),
        wrong.join("; ")
    );
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

#[test]
fn super_in_a_top_level_file_and_super_super_in_a_submodule_reach_other_modules() {
    let files = synthetic(&[
        ("lib.rs", "mod a;\nmod b;\nmod d;\n"),
        ("a.rs", "pub struct Thing;\n"),
        ("b.rs", "use super::a::Thing;\n"),
        ("d/mod.rs", "mod x;\n"),
        ("d/x.rs", "fn f() { super::super::b::g(); }\n"),
    ]);
    let (top, _) = graphs(&files);
    assert!(top["b"].contains_key("a"), "{top:?}");
    assert!(top["d"].contains_key("b"), "{top:?}");
}

#[test]
fn re_exports_of_the_root_and_of_mod_rs_count_as_their_modules() {
    let files = synthetic(&[
        (
            "lib.rs",
            "mod m;\nmod agent;\nmod user;\npub use m::{Model, Helpers};\n",
        ),
        ("m.rs", "pub struct Model;\n"),
        ("user.rs", "use crate::Model;\n"),
        (
            "agent/mod.rs",
            "mod server;\nmod client;\npub use server::ToolServer;\n",
        ),
        ("agent/server.rs", "pub struct ToolServer;\n"),
        ("agent/client.rs", "use super::ToolServer;\n"),
    ]);
    let (top, inner) = graphs(&files);
    assert!(top["user"].contains_key("m"), "{top:?}");
    assert!(inner["agent"]["client"].contains_key("server"), "{inner:?}");
}

#[test]
fn a_path_in_an_attribute_string_is_an_import() {
    let files = synthetic(&[
        ("lib.rs", "mod a;\nmod b;\n"),
        ("a.rs", "pub mod as_text {}\n"),
        (
            "b.rs",
            "#[derive(Serialize)]\nstruct S {\n    #[serde(with = \"crate::a::as_text\")]\n    v: u8,\n}\nconst T: &str = \"crate::nope\";\n",
        ),
    ]);
    let (top, _) = graphs(&files);
    assert!(top["b"].contains_key("a"), "{top:?}");
}

#[test]
fn an_import_against_the_layer_order_is_reported() {
    let lib = "mod low;\n\nmod high;\n";
    let files = synthetic(&[
        ("lib.rs", lib),
        ("low.rs", "use crate::high::X;\n"),
        ("high.rs", "pub struct X;\n"),
    ]);
    let (top, _) = graphs(&files);
    assert_eq!(layer_list(lib), ["low", "high"]);
    assert_eq!(
        upward_edges(&top, &layer_list(lib)),
        ["low -> high (in low.rs)"]
    );
    let fixed = "mod high;\n\nmod low;\n";
    assert!(upward_edges(&top, &layer_list(fixed)).is_empty());
}
