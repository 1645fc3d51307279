//! `reactive proof`: each test writes a small charm directory and checks the exact findings.
#![cfg(unix)]

use charms_reactive_compose::proof::{exit_code, proof, Finding, Level};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A charm directory under the cargo test temp dir, named after the charm so the
/// "must match directory name" info does not appear unless a test wants it.
struct Charm {
    dir: PathBuf,
}

impl Charm {
    /// An empty directory `<tmp>/proof/<test>/<name>`.
    fn empty(test: &str, name: &str) -> Charm {
        let dir = test_support::tmp!(Path::new("proof").join(test).join(name).to_string_lossy());
        Charm { dir }
    }

    /// A charm with no W/E findings: the base every other case breaks one thing in.
    fn clean(test: &str) -> Charm {
        let charm = Charm::empty(test, "clean");
        charm
            .file(
                "metadata.yaml",
                "name: clean\n\
                 summary: A clean charm\n\
                 description: Lints without warnings.\n\
                 maintainer: Jane Doe <jane@example.com>\n\
                 tags: [misc]\n\
                 provides:\n  website:\n    interface: http\n",
            )
            .file(
                "config.yaml",
                "options:\n  port:\n    type: int\n    default: 8080\n    description: Port.\n",
            )
            .file(
                "actions.yaml",
                "restart:\n  description: Restart the service.\n  params:\n    force:\n      type: boolean\n",
            )
            .file("README.md", "# clean\n")
            .file("copyright", "Copyright 2024 Jane Doe\n")
            .file("icon.svg", "<svg/>\n")
            .exec("dispatch", "#!/bin/sh\nexit 0\n");
        charm
    }

    fn file(&self, rel: &str, content: &str) -> &Charm {
        self.write(rel, content, 0o644)
    }

    fn exec(&self, rel: &str, content: &str) -> &Charm {
        self.write(rel, content, 0o755)
    }

    fn write(&self, rel: &str, content: &str, mode: u32) -> &Charm {
        let path = self.dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, content).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        self
    }

    fn remove(&self, rel: &str) -> &Charm {
        fs::remove_file(self.dir.join(rel)).unwrap();
        self
    }

    /// Replaces one line of metadata.yaml (or appends when `old` is empty).
    fn edit(&self, rel: &str, old: &str, new: &str) -> &Charm {
        let path = self.dir.join(rel);
        let text = fs::read_to_string(&path).unwrap();
        let text = if old.is_empty() {
            format!("{text}{new}")
        } else {
            assert!(text.contains(old), "{old:?} not in {rel}");
            text.replacen(old, new, 1)
        };
        fs::write(&path, text).unwrap();
        self
    }

    fn proof(&self) -> Vec<Finding> {
        proof(&self.dir)
    }

    fn lines(&self) -> Vec<String> {
        self.proof().iter().map(ToString::to_string).collect()
    }

    /// Asserts every expected line is among the findings.
    fn assert_has(&self, expected: &[&str]) -> Vec<String> {
        let lines = self.lines();
        for want in expected {
            assert!(
                lines.iter().any(|l| l == want),
                "missing {want:?} in:\n{}",
                lines.join("\n")
            );
        }
        lines
    }

    /// Asserts none of the findings starts with `prefix`.
    fn assert_lacks(&self, prefix: &str) {
        let lines = self.lines();
        assert!(
            !lines.iter().any(|l| l.starts_with(prefix)),
            "unexpected {prefix:?} in:\n{}",
            lines.join("\n")
        );
    }
}

fn repo_case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/compose/proof")
        .join(name)
}

#[test]
fn clean_charm_has_no_warnings_or_errors() {
    let charm = Charm::clean("clean");
    let findings = charm.proof();
    let bad: Vec<String> = findings
        .iter()
        .filter(|f| f.level != Level::Info)
        .map(ToString::to_string)
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    assert_eq!(exit_code(&findings), 0);
    // dispatch serves every hook and action, so nothing is "missing".
    charm.assert_lacks("I: missing recommended hook");
    charm.assert_lacks("I: no hooks directory");
    charm.assert_lacks("I: relation website has no hooks");
    charm.assert_has(&["I: `display-name` not provided, add for custom naming in the UI"]);
}

#[test]
fn display_and_exit_codes() {
    let f = |level, m: &str| Finding {
        level,
        message: m.into(),
    };
    assert_eq!(f(Level::Info, "a").to_string(), "I: a");
    assert_eq!(f(Level::Warning, "b").to_string(), "W: b");
    assert_eq!(f(Level::Error, "c").to_string(), "E: c");
    assert_eq!(exit_code(&[]), 0);
    assert_eq!(exit_code(&[f(Level::Info, "a")]), 0);
    assert_eq!(
        exit_code(&[f(Level::Info, "a"), f(Level::Warning, "b")]),
        100
    );
    assert_eq!(
        exit_code(&[f(Level::Error, "c"), f(Level::Warning, "b")]),
        200
    );
    assert!(Level::Error > Level::Warning && Level::Warning > Level::Info);
}

#[test]
fn missing_metadata_is_fatal() {
    let findings = proof(&repo_case("no-metadata"));
    assert_eq!(
        findings,
        vec![Finding {
            level: Level::Error,
            message: "FATAL: No bundle.yaml (Bundle) or metadata.yaml (Charm) found, cannot proof"
                .into()
        }]
    );
    assert_eq!(exit_code(&findings), 200);

    let findings = proof(&repo_case("does-not-exist"));
    assert_eq!(findings.len(), 1);
    assert!(findings[0]
        .message
        .ends_with("is not a directory, Aborting"));
    assert_eq!(exit_code(&findings), 200);
}

#[test]
fn unparseable_metadata_names_file_and_line() {
    let findings = proof(&repo_case("unparseable-metadata"));
    assert_eq!(findings.len(), 1, "{findings:?}");
    let f = &findings[0];
    assert_eq!(f.level, Level::Error);
    assert!(
        f.message.starts_with("FATAL: cannot parse "),
        "{}",
        f.message
    );
    assert!(
        f.message.contains("unparseable-metadata/metadata.yaml"),
        "{}",
        f.message
    );
    assert!(f.message.contains("line 3"), "{}", f.message);
    assert_eq!(exit_code(&findings), 200);

    let charm = Charm::empty("metadata-not-a-map", "x");
    charm.file("metadata.yaml", "- a\n- b\n");
    let lines = charm.lines();
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].contains("metadata.yaml must be a YAML map, not list"),
        "{lines:?}"
    );
}

#[test]
fn broken_charm_from_the_repo() {
    let findings = proof(&repo_case("broken-charm"));
    assert_eq!(exit_code(&findings), 200);
    let lines: Vec<String> = findings.iter().map(ToString::to_string).collect();
    let expected = [
        "I: Unknown root metadata field (unknown-root-field)",
        "E: Missing required metadata field (summary)",
        "I: metadata name (Broken_Charm) must match directory name (broken-charm) exactly for local deployment.",
        "E: display-name: not in valid format. Only letters, numbers, dashes, and hyphens are permitted.",
        "E: Charm must not have both maintainer and maintainers fields",
        "W: Metadata missing required field \"tags\"",
        "E: storage.data.type: \"tape\" is not one of filesystem, block",
        "E: min-juju-version: invalid format, try X.Y.Z",
        "W: no copyright file",
        "E: subordinate must be a boolean value",
        "E: Unknown scope found in relation juju-info-like - (everywhere)",
        "E: Unknown relation field in relation juju-info-like - (colour)",
        "E: relation missing interface",
        "E: subordinates must have at least one scope: container relation",
        "W: revision should be a positive integer",
        "W: (install:2) - hook accesses EC2 metadata service directly",
        "I: start not executable",
        "E: actions.juju-bad: juju is a reserved namespace",
        "E: actions.not-executable: actions/not-executable is not executable",
        "W: actions.missing: actions/missing does not exist",
        "E: revision file contains non-numeric data",
        "W: Ignored keys in config.yaml: ['top-level-extra']",
        "E: config.yaml: Bad_Name! does not conform to naming pattern",
        "E: config.yaml: type of option wrong-type is specified as int, but the type of the default value is str",
        "I: config.yaml: option nulled has no default value",
        // Juju's rules on top of charm proof's.
        "E: relation juju-info-like: juju-* is a reserved relation name (Juju refuses the charm)",
        "E: template relations should be renamed to fit charm: relation-name",
    ];
    for want in expected {
        assert!(
            lines.iter().any(|l| l == want),
            "missing {want:?} in:\n{}",
            lines.join("\n")
        );
    }
    // charm proof's order is kept.
    let pos = |s: &str| lines.iter().position(|l| l == s).unwrap();
    assert!(pos(expected[0]) < pos(expected[1]));
    assert!(pos("W: no copyright file") < pos("E: subordinate must be a boolean value"));
    assert!(pos("E: revision file contains non-numeric data") < pos(expected[21]));
}

#[test]
fn metadata_required_and_unknown_fields() {
    let charm = Charm::clean("metadata-keys");
    charm
        .edit("metadata.yaml", "summary: A clean charm\n", "")
        .edit(
            "metadata.yaml",
            "description: Lints without warnings.\n",
            "",
        )
        .edit("metadata.yaml", "", "colour: blue\n");
    charm.assert_has(&[
        "I: Unknown root metadata field (colour)",
        "E: Missing required metadata field (summary)",
        "E: Missing required metadata field (description)",
    ]);

    let charm = Charm::clean("metadata-types");
    charm.edit("metadata.yaml", "summary: A clean charm", "summary: [a, b]");
    charm.assert_has(&["E: metadata field (summary) must be a string, not list"]);
}

#[test]
fn metadata_name_rules() {
    let charm = Charm::empty("metadata-name", "my-charm");
    charm.file(
        "metadata.yaml",
        "name: My_Charm\nsummary: s\ndescription: d\n",
    );
    let lines = charm.assert_has(&[
        "I: metadata name (My_Charm) must match directory name (my-charm) exactly for local deployment.",
        "E: metadata name (My_Charm) is not a valid Juju charm name: lowercase letters, digits and hyphens, starting with a letter, and each part after a hyphen must contain a letter",
    ]);
    assert!(lines
        .iter()
        .all(|l| !l.contains("(my-charm) is not a valid")));

    let charm = Charm::empty("metadata-name-digit-segment", "app-1");
    charm.file("metadata.yaml", "name: app-1\nsummary: s\ndescription: d\n");
    charm.assert_has(&["E: metadata name (app-1) is not a valid Juju charm name: lowercase letters, digits and hyphens, starting with a letter, and each part after a hyphen must contain a letter"]);
}

#[test]
fn summary_display_name_and_maintainers() {
    let charm = Charm::clean("summary-long");
    charm.edit(
        "metadata.yaml",
        "summary: A clean charm",
        &format!("summary: {}", "x".repeat(73)),
    );
    charm.assert_has(&["W: summary should be less than 72"]);

    let charm = Charm::clean("display-name");
    charm.edit("metadata.yaml", "", "display-name: \"big  space\"\n");
    charm.assert_has(&["E: display-name: not in valid format. Only letters, numbers, dashes, and hyphens are permitted."]);
    let charm = Charm::clean("display-name-ok");
    charm.edit("metadata.yaml", "", "display-name: My Clean-Charm_2\n");
    charm.assert_lacks("E: display-name");
    charm.assert_lacks("I: `display-name`");

    let charm = Charm::clean("maintainer-none");
    charm.edit(
        "metadata.yaml",
        "maintainer: Jane Doe <jane@example.com>\n",
        "",
    );
    charm.assert_has(&["E: Charm must have either a maintainer or maintainers field"]);

    let charm = Charm::clean("maintainer-list");
    charm.edit(
        "metadata.yaml",
        "maintainer: Jane Doe <jane@example.com>",
        "maintainer: [Jane Doe <jane@example.com>]",
    );
    charm.assert_has(&["E: Maintainer field must not be a list"]);

    let charm = Charm::clean("maintainers-string");
    charm.edit("metadata.yaml", "maintainer: Jane", "maintainers: Jane");
    charm.assert_has(&["E: Maintainers field must be a list"]);

    let charm = Charm::clean("maintainer-format");
    charm.edit(
        "metadata.yaml",
        "maintainer: Jane Doe <jane@example.com>",
        "maintainers: [jane@example.com, Joe <joe@example.com>]",
    );
    let lines = charm
        .assert_has(&["W: Maintainer format should be \"Name <Email>\", not \"jane@example.com\""]);
    assert!(!lines.iter().any(|l| l.contains("Joe")), "{lines:?}");
}

#[test]
fn tags_and_categories() {
    let charm = Charm::clean("tags-missing");
    charm.edit("metadata.yaml", "tags: [misc]\n", "");
    charm.assert_has(&["W: Metadata missing required field \"tags\""]);

    let charm = Charm::clean("tags-empty");
    charm.edit("metadata.yaml", "tags: [misc]", "tags: []");
    charm.assert_has(&["W: Metadata field \"tags\" must be a non-empty list"]);

    let charm = Charm::clean("tags-not-strings");
    charm.edit("metadata.yaml", "tags: [misc]", "tags: [misc, {a: b}]");
    charm.assert_has(&["E: Metadata field \"tags\" must be a list of strings"]);

    let charm = Charm::clean("categories");
    charm.edit("metadata.yaml", "tags: [misc]", "categories: [misc]");
    charm.assert_has(&["W: Categories are being deprecated in favor of tags. Please rename the \"categories\" field to \"tags\"."]);
}

#[test]
fn storage_and_other_schemas() {
    let charm = Charm::clean("storage");
    charm.edit(
        "metadata.yaml",
        "",
        "storage:\n\
         \x20 data:\n    type: tape\n    shared: maybe\n    minimum-size: 10k\n    colour: red\n\
         \x20 disks:\n    type: block\n    location: /srv\n    multiple:\n      range: 10+\n\
         \x20 logs:\n    type: filesystem\n    multiple:\n      range: 3-1\n\
         \x20 fine:\n    type: filesystem\n    read-only: true\n    minimum-size: 1G\n    multiple:\n      range: 2-\n",
    );
    let lines = charm.assert_has(&[
        "E: storage.data.type: \"tape\" is not one of filesystem, block",
        "E: storage.data.shared: \"maybe\" is not one of true, false",
        "E: storage.data.minimum-size: must be a number followed by an optional M/G/T/P, e.g. 100M",
        "E: storage.data: Unrecognized keys in mapping: \"{'colour': 'red'}\"",
        "E: storage.disks.multiple.range: supported formats are: m (a fixed number), m-n (an explicit range), and m- (a minimum number)",
        "E: storage.disks.location: location may not be specified for \"type: block\"",
        "E: storage.logs.multiple.range: invalid range \"3-1\": the maximum must be at least 1 and at least the minimum",
    ]);
    assert!(
        !lines.iter().any(|l| l.contains("storage.fine")),
        "{lines:?}"
    );

    let charm = Charm::clean("storage-empty");
    charm.edit("metadata.yaml", "", "storage: {}\n");
    charm.assert_has(&["E: storage: must be a dictionary of storage definitions"]);

    let charm = Charm::clean("storage-extension");
    charm
        .edit(
            "metadata.yaml",
            "",
            "storage:\n  data:\n    type: filesystem\n    colour: red\n",
        )
        .file(
            "layer.yaml",
            "proof:\n  storage:\n    - name: colour\n      type: String\n",
        );
    charm.assert_lacks("E: storage");

    let charm = Charm::clean("resources");
    charm.edit(
        "metadata.yaml",
        "",
        "resources:\n  snapped:\n    type: snap\n  nofile:\n    type: file\n  pathy:\n    type: file\n    filename: a/b.tgz\n  image:\n    type: oci-image\n",
    );
    let lines = charm.assert_has(&[
        "E: resources.snapped.type: \"snap\" is not one of file, oci-image",
        "E: resources.nofile.filename: Required (Juju needs a filename for file resources)",
        "E: resources.pathy.filename: \"a/b.tgz\" must be a file name, not a path",
    ]);
    assert!(
        !lines.iter().any(|l| l.contains("resources.image")),
        "{lines:?}"
    );

    let charm = Charm::clean("devices-payloads-deployment");
    charm.edit(
        "metadata.yaml",
        "",
        "devices:\n  gpu:\n    count: lots\n\
         payloads:\n  p:\n    type: vm\n\
         deployment:\n  type: stateful\n  service: nope\n",
    );
    charm.assert_has(&[
        "E: devices.gpu.type: Required",
        "E: devices.gpu.count: \"lots\" is not a number",
        "E: payloads.p.type: \"vm\" is not one of kvm, docker",
        "E: deployment.deployment.service: \"nope\" is not one of loadbalancer, cluster, omit",
    ]);
}

#[test]
fn series_versions_bindings_terms() {
    let charm = Charm::clean("series");
    charm.edit(
        "metadata.yaml",
        "",
        "series: [jammy]\nmin-juju-version: 2.0\n",
    );
    charm.assert_has(&[
        "I: DEPRECATED: series parameter is ignored by charmcraft,use bases in charmcraft.yaml",
        // Unquoted, 2.0 is a float: charm proof formats it as "2.0".
        "E: min-juju-version: invalid format, try X.Y.Z",
    ]);
    charm.assert_lacks("I: no series in metadata.yaml");

    let charm = Charm::clean("series-string");
    charm.edit(
        "metadata.yaml",
        "",
        "series: jammy\nmin-juju-version: 1.25.3\n",
    );
    charm.assert_has(&[
        "E: series: must be a list of series names",
        "E: min-juju-version: invalid version, must be 2.0.0 or greater",
    ]);

    let charm = Charm::clean("min-juju-version-ok");
    charm.edit("metadata.yaml", "", "min-juju-version: \"2.9.1\"\n");
    charm.assert_lacks("E: min-juju-version");

    let charm = Charm::clean("extra-bindings");
    charm.edit(
        "metadata.yaml",
        "",
        "extra-bindings: [public]\nterms: lorem\n",
    );
    charm.assert_has(&[
        "E: extra-bindings: must be a dictionary",
        "E: terms: must be a list of term ids",
    ]);

    let charm = Charm::clean("extra-bindings-juju");
    charm.edit(
        "metadata.yaml",
        "",
        "extra-bindings:\n  website:\n  public: yes\n",
    );
    charm.assert_has(&[
        "E: extra-bindings.public: must have no value (Juju expects \"public:\" alone)",
        "E: extra-bindings: relation names (website) cannot be used in extra bindings",
    ]);

    let charm = Charm::clean("extra-bindings-empty");
    charm.edit("metadata.yaml", "", "extra-bindings: {}\n");
    charm.assert_has(&["E: extra-bindings: must not be empty"]);
}

#[test]
fn relation_rules() {
    let charm = Charm::clean("relations");
    charm.edit(
        "metadata.yaml",
        "provides:\n  website:\n    interface: http\n",
        "provides:\n\
         \x20 website:\n    interface: http\n    scope: everywhere\n    colour: red\n    limit: many\n    optional: maybe\n\
         \x20 no-interface:\n    limit: 1\n\
         \x20 bare: http\n\
         \x20 Bad_Name:\n    interface: http\n\
         \x20 juju-thing:\n    interface: http\n\
         \x20 info:\n    interface: juju-info\n\
         \x20 relation-name:\n    interface: interface-name\n\
         requires:\n\
         \x20 host:\n    interface: juju-info\n\
         \x20 website:\n    interface: http\n\
         \x20 also-no-interface:\n    scope: global\n",
    );
    let lines = charm.assert_has(&[
        "E: Unknown scope found in relation website - (everywhere)",
        "E: Unknown relation field in relation website - (colour)",
        "E: relation website: limit must be an integer",
        "E: relation website: optional must be a boolean",
        "E: relation missing interface",
        "E: relation bare is not a map",
        "E: relation Bad_Name: invalid endpoint name, Juju requires lowercase letters and digits, starting with a letter, separated by single - or _",
        "E: relation juju-thing: juju-* is a reserved relation name (Juju refuses the charm)",
        "E: relation info: using a reserved interface: juju-info",
        "E: template interface names should be changed: interface-name",
        "E: template relations should be renamed to fit charm: relation-name",
        "E: relation website: using a duplicated relation name (in provides and requires)",
    ]);
    // Identical findings are reported once.
    assert_eq!(
        lines
            .iter()
            .filter(|l| *l == "E: relation missing interface")
            .count(),
        1
    );
    // `juju-info` is fine as an interface on requires.
    assert!(
        !lines.iter().any(|l| l.contains("relation host")),
        "{lines:?}"
    );
    assert_eq!(exit_code(&charm.proof()), 200);
}

#[test]
fn relations_without_dispatch_need_hooks() {
    let charm = Charm::clean("relation-hooks");
    charm.remove("dispatch").edit(
        "metadata.yaml",
        "",
        "peers:\n  cluster:\n    interface: cluster\n",
    );
    charm.exec("hooks/cluster-relation-joined", "#!/bin/sh\n");
    let lines = charm.assert_has(&["I: relation website has no hooks"]);
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("relation cluster has no hooks")),
        "{lines:?}"
    );
}

#[test]
fn subordinate_rules() {
    let charm = Charm::clean("subordinate-no-container");
    charm.edit(
        "metadata.yaml",
        "",
        "subordinate: true\nrequires:\n  host:\n    interface: juju-info\n",
    );
    charm.assert_has(&["E: subordinates must have at least one scope: container relation"]);

    let charm = Charm::clean("subordinate-not-bool");
    charm.edit("metadata.yaml", "", "subordinate: \"yes\"\n");
    charm.assert_has(&[
        "E: subordinate must be a boolean value",
        "E: subordinates must have at least one scope: container relation",
    ]);

    // Juju allows a container-scoped juju-* requires endpoint on a subordinate.
    let charm = Charm::clean("subordinate-juju-info");
    charm.edit(
        "metadata.yaml",
        "",
        "subordinate: true\nrequires:\n  juju-info:\n    interface: juju-info\n    scope: container\n",
    );
    let lines = charm.assert_has(&["I: juju-* is a reserved relation name"]);
    assert!(!lines.iter().any(|l| l.starts_with("E:")), "{lines:?}");

    // ...and any juju-* endpoint on a charm whose own name starts with juju-.
    let charm = Charm::empty("juju-named", "juju-tool");
    charm
        .file(
            "metadata.yaml",
            "name: juju-tool\nsummary: s\ndescription: d\nmaintainer: A <a@b.c>\ntags: [misc]\n\
             provides:\n  juju-x:\n    interface: juju-x\n",
        )
        .file("README", "r")
        .file("copyright", "c")
        .exec("dispatch", "#!/bin/sh\n");
    let lines = charm.lines();
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with("E:") || l.starts_with("W:")),
        "{lines:?}"
    );
}

#[test]
fn root_files() {
    let charm = Charm::clean("files");
    charm
        .remove("icon.svg")
        .remove("copyright")
        .remove("README.md")
        .remove("dispatch");
    charm.assert_has(&[
        "I: No icon.svg file.",
        "I: no hooks directory",
        "W: no copyright file",
        "W: no README file",
        "I: missing recommended hook install",
        "I: missing recommended hook start",
        "I: missing recommended hook stop",
        "I: missing recommended hook config-changed",
    ]);

    let charm = Charm::clean("readme-template");
    charm.file("README.ex", "template");
    charm.assert_has(&["W: Includes template README.ex file"]);

    let charm = Charm::clean("leftovers");
    charm
        .file("tests/00-autogen", "x")
        .file("revision", "12x\n")
        .exec(
            "hooks/install",
            "#!/bin/sh\ncurl http://169.254.169.254/latest\n",
        )
        .file("hooks/stop", "#!/bin/sh\n");
    charm.assert_has(&[
        "W: Includes template test file, tests/00-autogen",
        "E: revision file contains non-numeric data",
        "W: (install:2) - hook accesses EC2 metadata service directly",
        "I: stop not executable",
    ]);

    let charm = Charm::clean("revision-ok");
    charm.file("revision", " 42\n");
    charm.assert_lacks("E: revision");

    let charm = Charm::clean("revision-in-metadata");
    charm.edit("metadata.yaml", "", "revision: -3\n");
    charm.assert_has(&[
        "I: Unknown root metadata field (revision)",
        "W: Revision should not be stored in metadata.yaml anymore. Move it to the revision file",
        "W: revision should be a positive integer",
    ]);
}

#[test]
fn dispatch_must_be_runnable() {
    let charm = Charm::clean("dispatch-not-exec");
    charm.file("dispatch", "#!/bin/sh\n");
    let findings = charm.proof();
    assert_eq!(exit_code(&findings), 200);
    // Juju cannot use dispatch, so the hooks are needed again.
    charm.assert_has(&[
        "E: dispatch is not executable: Juju would fail every hook",
        "I: missing recommended hook install",
        "W: actions.restart: actions/restart does not exist",
    ]);

    let charm = Charm::clean("dispatch-no-shebang");
    charm.exec("dispatch", "echo hi\n");
    charm.assert_has(&["E: dispatch has no #! line and is not an ELF binary, so it cannot be executed: Juju would fail every hook"]);

    let charm = Charm::clean("dispatch-elf");
    charm.exec("dispatch", "\x7fELF....");
    charm.assert_lacks("E: dispatch");
}

#[test]
fn action_rules() {
    let charm = Charm::clean("actions");
    charm
        .file(
            "actions.yaml",
            "juju-run:\n  description: reserved\n\
             Bad_Action:\n  description: x\n\
             with-ref:\n  description: x\n  params:\n    p:\n      $ref: '#/defs/p'\n\
             typed:\n  description: [x]\n  parallel: sometimes\n  required: target\n  params:\n    p: 3\n    q:\n      type: text\n\
             scripted:\n  description: has a script\n",
        )
        .file("actions/scripted", "#!/bin/sh\n");
    let lines = charm.assert_has(&[
        "E: actions.juju-run: juju is a reserved namespace",
        "E: actions.Bad_Action: bad action name Bad_Action (Juju allows lowercase letters, digits and inner hyphens)",
        "E: actions.with-ref: schema key \"$ref\" not compatible with this version of juju",
        "E: actions.typed.description: must be a string",
        "E: actions.typed.parallel: must be a boolean",
        "E: actions.typed.required: must be a list of parameter names",
        "E: actions.typed.params.p: must be a map (a JSON schema)",
        "E: actions.typed.params.q.type: must be one of string, integer, number, boolean, object, array, null (JSON Schema)",
        "E: actions.scripted: actions/scripted is not executable",
    ]);
    // dispatch runs actions, so no actions/<name> is needed.
    assert!(
        !lines.iter().any(|l| l.contains("does not exist")),
        "{lines:?}"
    );

    let charm = Charm::clean("actions-not-dict");
    charm.file("actions.yaml", "- a\n");
    charm.assert_has(&["E: actions: must be a dictionary of json schemas"]);

    let charm = Charm::clean("actions-unparseable");
    charm.file("actions.yaml", "a: [\n");
    let lines = charm.lines();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("E: FATAL: cannot parse ")
                && l.contains("actions.yaml")
                && l.contains("line")),
        "{lines:?}"
    );

    let charm = Charm::clean("functions");
    charm
        .remove("actions.yaml")
        .remove("dispatch")
        .file("functions.yaml", "go:\n  description: x\n");
    charm.assert_has(&["W: functions.go: functions/go does not exist"]);
}

#[test]
fn config_rules() {
    let charm = Charm::clean("config");
    charm.file(
        "config.yaml",
        "options:\n\
         \x20 Bad_Name!:\n    type: string\n    default: x\n    description: d\n\
         \x20 wrong-type:\n    type: int\n    default: \"nope\"\n    description: d\n\
         \x20 bool-int:\n    type: int\n    default: true\n    description: d\n\
         \x20 int-float:\n    type: float\n    default: 1\n    description: d\n\
         \x20 strings:\n    type: strings\n    default: x\n    description: d\n\
         \x20 no-keys:\n    default: x\n\
         \x20 extra:\n    type: string\n    default: x\n    description: \"  \"\n    zzz: 1\n    aaa: 2\n\
         \x20 nulled:\n    type: boolean\n    default:\n    description: d\n\
         \x20 notdict: 3\n\
         \x20 token:\n    type: secret\n    default: hunter2\n    description: d\n\
         top-level-extra: 1\n\
         another: 2\n",
    );
    charm.assert_has(&[
        "W: Ignored keys in config.yaml: ['another', 'top-level-extra']",
        "E: config.yaml: Bad_Name! does not conform to naming pattern",
        "E: config.yaml: type of option wrong-type is specified as int, but the type of the default value is str",
        "E: config.yaml: type of option bool-int is specified as int, but the type of the default value is bool",
        "E: config.yaml: type of option int-float is specified as float, but the type of the default value is int",
        "E: config.yaml: option strings has an invalid type (strings): Juju only accepts string, int, float, boolean and secret",
        "W: config.yaml: option no-keys does not have the keys: description, type",
        "W: config.yaml: option extra has unknown keys: aaa, zzz",
        "W: config.yaml: description of option extra should be a non-empty string",
        "I: config.yaml: option nulled has no default value",
        "E: config.yaml: data for option notdict is not a dict",
        "W: config.yaml: option token has type secret, which needs Juju 3.4 or later",
        "E: config.yaml: default of secret option token must be a secret URI (secret:...), not hunter2",
    ]);

    let charm = Charm::clean("config-no-options");
    charm.file("config.yaml", "settings: {}\n");
    charm.assert_has(&["E: config.yaml must have an \"options\" key."]);

    let charm = Charm::clean("config-empty");
    charm.file("config.yaml", "");
    charm.assert_has(&["E: config.yaml not parsed into a dictionary."]);

    let charm = Charm::clean("config-unparseable");
    charm.file("config.yaml", "options:\n  foo: 42\n  bar\n");
    let lines = charm.lines();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("E: Cannot parse config.yaml: ") && l.contains("line 3")),
        "{lines:?}"
    );

    let charm = Charm::clean("config-missing");
    charm.remove("config.yaml");
    charm.assert_has(&["I: File config.yaml not found."]);
}

#[test]
fn manifest_bases() {
    let charm = Charm::clean("manifest");
    charm.file(
        "manifest.yaml",
        "bases:\n\
         - name: ubuntu\n  channel: \"22.04\"\n  architectures: [amd64, aarch64]\n\
         - name: gentoo\n  architectures: [i386]\n\
         - name: ubuntu\n  channel: 22.04\n",
    );
    let lines = charm.assert_has(&[
        "E: manifest.yaml: bases[1].name: \"gentoo\" is not one of ubuntu, centos, windows, osx, opensuse, genericlinux",
        "E: manifest.yaml: bases[1].channel: required",
        "E: manifest.yaml: bases[1].architectures: \"i386\" is not one of amd64, arm64, ppc64el, s390x, riscv64",
        "E: manifest.yaml: bases[2].channel: must be a string, not float (quote it, e.g. \"22.04\")",
    ]);
    assert!(!lines.iter().any(|l| l.contains("bases[0]")), "{lines:?}");

    let charm = Charm::clean("manifest-undeployable");
    charm.file(
        "manifest.yaml",
        "bases:\n- name: centos\n  channel: \"7\"\n  architectures: [amd64]\n",
    );
    charm.assert_has(&[
        "W: manifest.yaml: no base Juju 3.6 can deploy (ubuntu 20.04, 22.04, 24.04)",
    ]);

    let charm = Charm::clean("manifest-unparseable");
    charm.file("manifest.yaml", "bases: [\n");
    let lines = charm.lines();
    assert!(
        lines.iter().any(|l| l.starts_with("E: cannot parse ")
            && l.contains("manifest.yaml")
            && l.contains("line")),
        "{lines:?}"
    );
}

#[test]
fn metadata_format_v1_v2() {
    let manifest =
        "bases:\n- name: ubuntu\n  channel: \"22.04/stable\"\n  architectures: [amd64]\n";

    let charm = Charm::clean("format-v2");
    charm.file("manifest.yaml", manifest).edit(
        "metadata.yaml",
        "",
        "min-juju-version: \"3.1.0\"\n",
    );
    charm.assert_has(&["E: \"min-juju-version\" not valid in metadata v2 (manifest.yaml has bases and there is no series)"]);

    let charm = Charm::clean("format-v1-containers");
    charm.edit(
        "metadata.yaml",
        "",
        "containers:\n  app:\n    resource: img\n",
    );
    charm.assert_has(&[
        "I: Unknown root metadata field (containers)",
        "E: \"containers\" not valid in metadata v1 (needs bases in manifest.yaml and no series)",
    ]);

    let charm = Charm::clean("format-ambiguous");
    charm.file("manifest.yaml", manifest).edit(
        "metadata.yaml",
        "",
        "series: [jammy]\ncontainers: {}\n",
    );
    charm
        .assert_has(&["E: ambiguous metadata: keys \"series\" cannot be used with \"containers\""]);

    let charm = Charm::clean("format-v2-ok");
    charm.file("manifest.yaml", manifest);
    let lines = charm.lines();
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("metadata v") || l.contains("no series")),
        "{lines:?}"
    );
}

#[test]
fn never_panics_on_odd_input() {
    let charm = Charm::empty("odd", "odd");
    charm
        .file(
            "metadata.yaml",
            "name: 5\nsummary: null\ndescription: {a: 1}\nmaintainer: {a: 1}\nprovides: [a]\n\
             requires: 7\npeers: {? [a, b] : c}\nstorage: [x]\ndevices: 1\nextra-bindings: {}\n\
             tags: 3\n1: 2\nsubordinate: 1\n",
        )
        .file("config.yaml", "options: [1]\n")
        .file("actions.yaml", "7: 8\n")
        .file("manifest.yaml", "bases: {}\n")
        .file("layer.yaml", "proof: 3\n");
    fs::create_dir_all(charm.dir.join("dispatch")).unwrap();
    fs::create_dir_all(charm.dir.join("revision")).unwrap();
    let findings = charm.proof();
    assert_eq!(exit_code(&findings), 200);
    let lines: Vec<String> = findings.iter().map(ToString::to_string).collect();
    assert!(
        lines
            .contains(&"E: dispatch is not a regular file: Juju would fail every hook".to_string()),
        "{lines:?}"
    );
}
