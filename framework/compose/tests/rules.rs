//! Build rules on the tests/compose/rules/edges fixture, planned without compiling: the
//! expected tree is written out from the rules, not taken from a previous run.

use std::path::{Path, PathBuf};

use charms_reactive_compose::plan::Content;
use charms_reactive_compose::{plan_only, SearchPath};

fn case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/compose/rules")
        .join(name)
}

#[test]
fn ignore_exclude_overrides_and_generated_hooks_follow_the_rules() {
    let dir = case("edges");
    let search = SearchPath {
        layers: vec![dir.join("layers")],
        interfaces: vec![dir.join("interfaces")],
    };
    let (name, plan) = plan_only(&dir.join("top"), &search).expect("plans");
    assert_eq!(name, "edges");
    let layers: Vec<&str> = plan.layers.iter().map(|l| l.url.as_str()).collect();
    assert_eq!(
        layers,
        ["layer:base", "layer:mid", "interface:spare", "edges"]
    );

    let mut expected: Vec<String> = [
        "README.md",
        "dispatch",
        "layer.yaml",
        "manifest.yaml",
        "metadata.yaml",
        // layer:mid's copy wins over layer:base's.
        "templates/a.txt",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    expected.extend(test_support::charm::expected_hook_files(&["db"], &[]));
    expected.sort();
    let got: Vec<&String> = plan.files.keys().collect();
    assert_eq!(got, expected.iter().collect::<Vec<_>>());

    // Never shipped: the unit state database (charms.reactive #221), the ignored
    // Makefile two layers down (charm-tools #312), the top layer's excluded notes.
    for absent in [".unit-state.db", "Makefile", "notes.txt"] {
        assert!(!plan.files.contains_key(absent), "{absent}");
    }
    // layer:base's own hooks/stop replaces the generated one, with a warning; the
    // ignored hooks/install is still generated, with a warning.
    assert!(
        matches!(&plan.files["hooks/stop"].content, Content::Copy(p) if p.ends_with("layers/base/hooks/stop"))
    );
    assert_eq!(
        plan.files["hooks/install"].content,
        Content::Symlink("../dispatch".into())
    );
    let w = plan.warnings.join("\n");
    assert!(
        w.contains("hooks/stop: the file from layer:base replaces the generated hook"),
        "{w}"
    );
    assert!(
        w.contains(
            "hooks/install: ignore pattern \"hooks/install\" of edges matches a generated hook"
        ),
        "{w}"
    );
    assert!(
        w.contains("templates/a.txt: the file from layer:mid overrides the one from layer:base"),
        "{w}"
    );
    assert!(w.contains("interface:spare (interface spare) is included but no endpoint in metadata.yaml uses it"), "{w}");

    // Merged YAML is written with plain scalars (charm-tools quotes everything).
    let Content::Text(meta) = &plan.files["metadata.yaml"].content else {
        panic!("metadata is text")
    };
    assert!(
        meta.contains("name: edges\n") && !meta.contains('"'),
        "{meta}"
    );

    // The built layer.yaml carries every layer's proof extensions, merged, for proof.
    let Content::Text(layer_yaml) = &plan.files["layer.yaml"].content else {
        panic!("layer.yaml is text")
    };
    let built: serde_yaml::Value = serde_yaml::from_str(layer_yaml).expect("yaml");
    let names: Vec<&str> = built["proof"]["storage"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(names, ["colour", "shade"], "{layer_yaml}");
}

/// The workspace of a fixture under tests/ is the repository, not the `tests` crate
/// (which also has a `layers/` directory): the shared target directory, the runtime
/// crate and the Cargo.lock come from the real workspace root.
#[test]
fn the_workspace_root_is_the_cargo_workspace_not_a_member_with_layers() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo");
    let found = charms_reactive_compose::layers::workspace_root(&case("crate-charm").join("top"));
    assert_eq!(found, Some(repo));
}

/// A charm outside any workspace finds `interface:` and `layer:` includes in the
/// checkout its runtime comes from (here: this repository, which the test was built
/// from).
#[test]
fn a_charm_outside_the_workspace_finds_this_repositorys_layers() {
    let top = test_support::fresh_dir(std::env::temp_dir(), "reactive-compose-outside-charm");
    test_support::write_file(
        top.join("metadata.yaml"),
        "name: outside\nsummary: s\ndescription: d\nrequires:\n  amqp:\n    interface: rabbitmq\n",
    );
    test_support::write_file(top.join("layer.yaml"), "includes: ['interface:amqp']\n");
    assert_eq!(charms_reactive_compose::layers::workspace_root(&top), None);
    let search = SearchPath::from_env(&top);
    let (name, plan) = plan_only(&top, &search).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(name, "outside");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo");
    let amqp = plan
        .layers
        .iter()
        .find(|l| l.url == "interface:amqp")
        .expect("interface:amqp resolved");
    assert_eq!(amqp.dir, repo.join("layers/interfaces/amqp"));
    let _ = std::fs::remove_dir_all(&top);
}

/// With no directory to search, the error says so instead of an empty list.
#[test]
fn an_include_with_nowhere_to_look_says_so() {
    let top = test_support::tmp!("nowhere-to-look");
    test_support::write_file(top.join("metadata.yaml"), "name: nowhere\n");
    test_support::write_file(top.join("layer.yaml"), "includes: ['interface:amqp']\n");
    let err = plan_only(&top, &SearchPath::default()).expect_err("nothing to search");
    let message = err.to_string();
    assert!(
        message.contains("cannot find interface:amqp; there is no directory to look in"),
        "{message}"
    );
}

/// A charm named after its folder gets the same checks as a name in metadata.yaml,
/// before anything compiles: `/` has no name, `My Charm` is no Juju application name.
#[test]
fn a_charm_name_from_the_folder_is_checked() {
    let root = charms_reactive_compose::compose::charm_name(Path::new("/"))
        .expect_err("the root folder has no name");
    assert!(
        root.to_string()
            .contains("\"\" cannot name the built charm's directory"),
        "{root}"
    );
    let base = test_support::tmp!("folder-names");
    for (folder, ok) in [("My Charm", false), ("my_charm", false), ("my-charm", true)] {
        let dir = base.join(folder);
        test_support::write_file(dir.join("layer.yaml"), "includes: []\n");
        let named = charms_reactive_compose::compose::charm_name(&dir);
        match (named, ok) {
            (Ok(name), true) => assert_eq!(name, folder),
            (Err(e), false) => {
                let message = e.to_string();
                assert!(
                    message.contains(&format!(
                        "folder's name {folder:?} is not a valid charm name"
                    )),
                    "{message}"
                );
            }
            (other, _) => panic!("{folder}: {other:?}"),
        }
    }
    // The same rule for metadata.yaml's name.
    let dir = base.join("meta");
    test_support::write_file(dir.join("metadata.yaml"), "name: Web_App\n");
    let e = charms_reactive_compose::compose::charm_name(&dir).expect_err("invalid name");
    assert!(
        e.to_string()
            .contains("metadata.yaml: name \"Web_App\" is not a valid charm name"),
        "{e}"
    );
}
