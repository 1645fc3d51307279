//! Layer options are typed and checked against each layer's `defines` at build time: an
//! option its layer does not define, or a value of the wrong type, fails the build with
//! the file and the key's line.

use std::path::{Path, PathBuf};

use charms_reactive_compose::plan::Content;
use charms_reactive_compose::{plan_only, SearchPath};
use test_support::{tmp, write_file};

const BASE_DEFINES: &str = "defines:\n  packages:\n    type: array\n    items: {type: string}\n    default: []\n  full_version:\n    type: boolean\n    default: false\n";

/// A charm `top` including `layer:lib` (whose layer.yaml is `lib_yaml`) with this
/// `layer.yaml`; returns the charm directory and the search path.
fn charm(name: &str, top_yaml: &str, lib_yaml: &str) -> (PathBuf, SearchPath) {
    let dir = tmp!(name);
    write_file(dir.join("layers/lib/layer.yaml"), lib_yaml);
    write_file(dir.join("top/layer.yaml"), top_yaml);
    write_file(
        dir.join("top/metadata.yaml"),
        "name: top\nsummary: s\ndescription: d\nseries: [jammy]\n",
    );
    let search = SearchPath {
        layers: vec![dir.join("layers")],
        interfaces: vec![],
    };
    (dir.join("top"), search)
}

fn build_error(top: &Path, search: &SearchPath) -> String {
    match plan_only(top, search) {
        Ok(_) => panic!("the build of {} was expected to fail", top.display()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn an_option_the_layer_does_not_define_fails_naming_file_and_key() {
    let (top, search) = charm(
        "undefined-option",
        "includes: ['layer:lib']\noptions:\n  lib:\n    packages: [hello]\n    pakages: [typo]\n",
        BASE_DEFINES,
    );
    let err = build_error(&top, &search);
    let file = top.join("layer.yaml");
    assert!(err.starts_with(&format!("{}:5: ", file.display())), "{err}");
    assert!(
        err.contains("option lib.pakages is not defined by layer \"lib\""),
        "{err}"
    );
    assert!(err.contains("it defines: packages, full_version"), "{err}");
}

#[test]
fn an_option_of_a_layer_that_defines_none_fails() {
    let (top, search) = charm(
        "no-defines",
        "includes: ['layer:lib']\noptions:\n  lib:\n    anything: 1\n",
        "# defines nothing\n",
    );
    let err = build_error(&top, &search);
    assert!(err.contains("layer.yaml:4: "), "{err}");
    assert!(
        err.contains("lib.anything") && err.contains("it defines no options"),
        "{err}"
    );
}

#[test]
fn a_value_of_the_wrong_type_fails_naming_file_and_key() {
    let (top, search) = charm(
        "wrong-type",
        "includes: ['layer:lib']\noptions:\n  lib:\n    full_version: 'yes'\n",
        BASE_DEFINES,
    );
    let err = build_error(&top, &search);
    assert!(
        err.contains(&format!("{}:4: ", top.join("layer.yaml").display())),
        "{err}"
    );
    assert!(
        err.contains("lib.full_version: expected boolean, got string"),
        "{err}"
    );
    let (top, search) = charm(
        "wrong-item-type",
        "includes: ['layer:lib']\noptions:\n  lib:\n    packages: [hello, 3]\n",
        BASE_DEFINES,
    );
    let err = build_error(&top, &search);
    assert!(
        err.contains("lib.packages[1]: expected string, got integer"),
        "{err}"
    );
}

#[test]
fn defined_options_are_kept_with_defaults_filled_in() {
    let (top, search) = charm(
        "defined",
        "includes: ['layer:lib']\noptions:\n  lib:\n    packages: [hello]\n",
        BASE_DEFINES,
    );
    let (_, plan) = plan_only(&top, &search).expect("the build succeeds");
    let Some(Content::Text(text)) = plan.files.get("layer.yaml").map(|e| &e.content) else {
        panic!("no layer.yaml in the plan");
    };
    let built: serde_yaml::Value = serde_yaml::from_str(text).expect("YAML");
    assert_eq!(
        built["options"]["lib"],
        serde_yaml::from_str::<serde_yaml::Value>("{packages: [hello], full_version: false}")
            .expect("YAML")
    );
}
