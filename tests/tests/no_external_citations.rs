//! The repository stands on its own: no Rust source cites a numbered section (the
//! section sign, U+00A7) of a document that is not in it; the code's facts are written
//! where it uses them or in `docs/`.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_rust_source_cites_a_section_of_an_outside_document() {
    let root = test_support::repo_root();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() > 100, "the sources were found: {}", files.len());
    let citing: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let text = std::fs::read_to_string(f).ok()?;
            let line = text.lines().position(|l| l.contains('\u{a7}'))?;
            Some(format!("{}:{}", f.display(), line + 1))
        })
        .collect();
    assert!(citing.is_empty(), "section citations: {citing:?}");
}
