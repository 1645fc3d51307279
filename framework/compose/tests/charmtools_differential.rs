//! Differential test against the real charm-tools 3.0.9 (`charm-build`, installed from
//! PyPI by tests/compose/oracle/charmtools-build.sh on first use): on every YAML-only
//! fixture under tests/compose/fixtures, the merged metadata.yaml, config.yaml,
//! actions.yaml and layer options must equal charm-tools' (compared parsed), except
//! where this project deliberately fixes a charm-tools bug. Those cases are listed in
//! `deviation` below and asserted precisely.

use std::path::{Path, PathBuf};
use std::process::Command;

use charms_reactive_compose::plan::Content;
use charms_reactive_compose::{plan_only, SearchPath};
use serde_json::Value;
use test_support::repo_root as repo;

/// Runs charm-tools on a case; returns its oracle.json.
fn charm_tools(case: &str) -> Value {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("charmtools-{case}"));
    let _ = std::fs::remove_dir_all(&out);
    let script = repo().join("tests/compose/oracle/charmtools-build.sh");
    let top = repo().join("tests/compose/fixtures").join(case).join("top");
    let status = Command::new("bash")
        .arg(&script)
        .arg(&top)
        .arg(&out)
        .status()
        .expect("run the oracle");
    // 0: built; 3: charm-build failed (oracle.json still written); 2: set-up failed.
    assert!(
        status.code() == Some(0) || status.code() == Some(3),
        "oracle set-up failed for {case}: {status}"
    );
    let text = std::fs::read_to_string(out.join("oracle.json")).expect("oracle.json");
    serde_json::from_str(&text).expect("oracle.json is JSON")
}

struct Ours {
    files: Vec<String>,
    metadata: Value,
    config: Value,
    actions: Value,
    layer_options: Value,
    layer_dirs: Vec<PathBuf>,
}

fn yaml_to_json(text: &str) -> Value {
    let v: serde_yaml::Value = serde_yaml::from_str(text).expect("our YAML parses");
    serde_json::to_value(v).expect("YAML converts to JSON")
}

fn ours(case: &str) -> Result<Ours, String> {
    let dir = repo().join("tests/compose/fixtures").join(case);
    let search = SearchPath {
        layers: vec![dir.join("layers")],
        interfaces: vec![dir.join("interfaces")],
    };
    let (_, plan) = plan_only(&dir.join("top"), &search).map_err(|e| e.to_string())?;
    let text = |f: &str| match plan.files.get(f).map(|e| &e.content) {
        Some(Content::Text(t)) => yaml_to_json(t),
        _ => Value::Null,
    };
    let layer_yaml = text("layer.yaml");
    Ok(Ours {
        files: plan.files.keys().cloned().collect(),
        metadata: text("metadata.yaml"),
        config: text("config.yaml"),
        actions: text("actions.yaml"),
        layer_options: layer_yaml.get("options").cloned().unwrap_or(Value::Null),
        layer_dirs: plan.layers.iter().map(|l| l.dir.clone()).collect(),
    })
}

fn built(oracle: &Value) -> bool {
    // charm-build exits with charm-proof's code when the build itself worked.
    matches!(oracle["exit_code"].as_i64(), Some(0 | 100 | 200))
}

fn assert_same(case: &str, what: &str, theirs: &Value, ours: &Value) {
    assert_eq!(ours, theirs, "{case}: {what} differs from charm-tools'");
}

/// Files both builds should have, after the documented differences: charm-tools copies
/// interface layers to `hooks/relations/<name>/` (ours compile them in), and we also
/// generate `dispatch`, `manifest.yaml`, `hooks/remove`, `hooks/collect-metrics` and
/// the `actions/<name>` links.
fn comparable_files(theirs: &Value, ours: &Ours) -> (Vec<String>, Vec<String>) {
    let ours_only = |f: &str| {
        matches!(
            f,
            "dispatch" | "manifest.yaml" | "hooks/remove" | "hooks/collect-metrics"
        ) || f.starts_with("actions/")
    };
    let theirs_files: Vec<String> = theirs["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(Value::as_str)
        .filter(|f| !f.starts_with("hooks/relations/"))
        .map(String::from)
        .collect();
    let ours_files: Vec<String> = ours
        .files
        .iter()
        .filter(|f| !ours_only(f))
        .cloned()
        .collect();
    (theirs_files, ours_files)
}

fn compare(case: &str, mut theirs: Value, ours: &Ours) {
    let (theirs_files, ours_files) = comparable_files(&theirs, ours);
    assert_eq!(
        ours_files, theirs_files,
        "{case}: the built file tree differs from charm-tools'"
    );
    assert_same(case, "metadata.yaml", &theirs["metadata"], &ours.metadata);
    assert_same(case, "config.yaml", &theirs["config"], &ours.config);
    assert_same(case, "actions.yaml", &theirs["actions"], &ours.actions);
    let opts = theirs["layer_options"].take();
    assert_same(case, "layer options", &opts, &ours.layer_options);
}

/// Removes files from charm-tools' file list (to state a deliberate difference).
fn without_files(mut v: Value, gone: &[&str]) -> Value {
    let files = v["files"].as_array_mut().expect("files");
    for g in gone {
        let before = files.len();
        files.retain(|f| f.as_str() != Some(g));
        assert_eq!(files.len(), before - 1, "charm-tools' build has {g}");
    }
    v
}

/// Removes a dotted path from a JSON value (to state a deliberate difference).
fn without(mut v: Value, path: &[&str]) -> Value {
    let (last, parents) = path.split_last().expect("path");
    let mut cur = &mut v;
    for p in parents {
        cur = cur.get_mut(*p).expect("path exists in charm-tools' output");
    }
    cur.as_object_mut()
        .expect("map")
        .remove(*last)
        .expect("key exists in charm-tools' output");
    v
}

#[test]
fn merged_yaml_and_options_match_charm_tools_except_the_bugs_we_fix() {
    let cases = [
        "merge-basic",
        "options-defines",
        "deletes",
        "file-override",
        "diamond",
        "prefixed-dirs",
        "maintainer-top-only",
        "relative-include",
    ];
    for case in cases {
        let theirs = charm_tools(case);
        assert!(
            built(&theirs),
            "{case}: charm-tools failed: {}",
            theirs["stderr_tail"]
        );
        let ours = ours(case).unwrap_or_else(|e| panic!("{case}: our build failed: {e}"));
        compare(case, theirs, &ours);
    }
}

/// Inputs both tools reject: options for a layer not in the build (also the
/// `charms.reactive` section, which charm-tools says it exempts but then rejects), and a
/// `deletes` path whose parent does not exist (charm-tools: an uncaught KeyError
/// traceback; here: an error naming the file, line and path).
#[test]
fn inputs_both_tools_reject() {
    for (case, ours_says) in [
        ("options-unknown-layer", "not in this build"),
        ("options-charms-reactive", "not in this build"),
        (
            "deletes-missing-path",
            "requires.nosuch.interface does not exist",
        ),
    ] {
        let theirs = charm_tools(case);
        assert!(!built(&theirs), "{case}: charm-tools was expected to fail");
        let err = ours(case)
            .err()
            .unwrap_or_else(|| panic!("{case}: our build was expected to fail"));
        assert!(
            err.contains(ours_says) && err.contains("layer.yaml"),
            "{case}: {err}"
        );
    }
}

/// Deliberate differences, each a charm-tools defect (see tests/compose/README.md):
/// * deletes-shadowed: charm-tools applies only the highest layer's `metadata: deletes`
///   (a ChainMap lookup), so `middle`'s delete of `requires.deleted-by-middle` is lost;
///   here every layer's deletes apply.
/// * deletes-lower-only-file: charm-tools ignores `config: deletes` when the file comes
///   only from a layer two levels down; here it applies.
/// * ignore-exclude: for the same bug, files of layer:base that the top layer ignores
///   stay in charm-tools' build; here they are dropped.
/// * ignore-yaml-reset: charm-tools applies a layer's `ignore` only to the layer right
///   below it (bug #312), so the top layer's `ignore: [config.yaml]` misses layer:low's
///   config.yaml; here `ignore` applies to every lower layer and the charm has no config.
/// * relative-include-cwd: charm-tools resolves a lower layer's relative include from the
///   working directory (`top/../relbase`); here from the including layer
///   (`layers/relmid/../relbase`).
#[test]
fn charm_tools_bugs_we_fix() {
    let theirs = charm_tools("deletes-shadowed");
    let ours_v = ours("deletes-shadowed").expect("builds");
    let fixed = without(
        theirs.clone(),
        &["metadata", "requires", "deleted-by-middle"],
    );
    // The deleted relation gets no hooks.
    let hooks: Vec<String> = ["broken", "changed", "created", "departed", "joined"]
        .iter()
        .map(|h| format!("hooks/deleted-by-middle-relation-{h}"))
        .collect();
    let fixed = without_files(fixed, &hooks.iter().map(String::as_str).collect::<Vec<_>>());
    compare("deletes-shadowed", fixed, &ours_v);

    // #312: the top layer's ignore reaches layer:base, two layers down.
    let theirs = charm_tools("ignore-exclude");
    let ours_v = ours("ignore-exclude").expect("builds");
    let fixed = without_files(
        theirs,
        &["from-base-ignored-by-top.txt", "templates/base.tmpl"],
    );
    compare("ignore-exclude", fixed, &ours_v);

    let theirs = charm_tools("deletes-lower-only-file");
    let ours_v = ours("deletes-lower-only-file").expect("builds");
    let fixed = without(theirs.clone(), &["config", "options", "delete-me"]);
    compare("deletes-lower-only-file", fixed, &ours_v);

    let theirs = charm_tools("ignore-yaml-reset");
    assert!(
        theirs["config"]["options"]["low-opt"].is_object(),
        "charm-tools keeps layer:low's config (#312)"
    );
    let ours_v = ours("ignore-yaml-reset").expect("builds");
    assert_eq!(ours_v.config, Value::Null);
    let mut fixed = without_files(theirs.clone(), &["config.yaml"]);
    fixed["config"] = Value::Null;
    compare("ignore-yaml-reset", fixed, &ours_v);

    let theirs = charm_tools("relative-include-cwd");
    assert!(built(&theirs));
    let ours_v = ours("relative-include-cwd").expect("builds");
    let case_dir = repo().join("tests/compose/fixtures/relative-include-cwd");
    let layers_relbase = case_dir
        .join("layers/relbase")
        .canonicalize()
        .expect("layers/relbase");
    assert!(
        ours_v.layer_dirs.contains(&layers_relbase),
        "{:?}",
        ours_v.layer_dirs
    );
    assert!(!ours_v
        .layer_dirs
        .contains(&case_dir.join("relbase").canonicalize().expect("relbase")));
}
