//! `reactive build`, `reactive layers` and `reactive proof` as a user runs them, on
//! fixture layers under tests/compose/rules: a charm made of two layer crates is compiled,
//! written, run as a hook, rebuilt, zipped and linted (also by charm-tools' own
//! charm-proof); bad input gives one clear error naming the file.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use test_support::cli::stderr;
use test_support::repo_root as repo;

const REACTIVE: &str = env!("CARGO_BIN_EXE_reactive");

fn rules(case: &str) -> PathBuf {
    repo().join("tests/compose/rules").join(case)
}

fn tmp(name: &str) -> PathBuf {
    test_support::tmp!(format!("cli-build-{name}"))
}

fn reactive(args: &[&str], layers: &Path) -> Output {
    Command::new(REACTIVE)
        .args(args)
        .env("CHARM_LAYERS_DIR", layers)
        .env("CHARM_INTERFACES_DIR", layers)
        .stdin(Stdio::null())
        .output()
        .expect("run reactive")
}

/// Every file under `dir`, relative, sorted (symlinks included, not followed).
fn tree(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).expect("read dir") {
            let e = e.expect("entry");
            let p = e.path();
            if e.file_type().expect("type").is_dir() {
                walk(root, &p, out);
            } else {
                out.push(
                    p.strip_prefix(root)
                        .expect("under root")
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The tree the crate-charm fixture must build to, written out from the rules: merged
/// YAML, generated files, copied files (top layer winning, base's Makefile ignored by
/// the top layer, crate files not shipped, lower copyright renamed), and one symlink per
/// hook and action.
fn expected_tree() -> Vec<String> {
    let mut files: Vec<String> = [
        ".build.manifest",
        "README.md",
        "actions.yaml",
        "actions/say-hello",
        "config.yaml",
        "copyright",
        "copyright.layer-base",
        "dispatch",
        "icon.svg",
        "layer.yaml",
        "manifest.yaml",
        "metadata.yaml",
        "templates/app.conf",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    files.extend(test_support::charm::expected_hook_files(
        &["cluster", "db"],
        &["data"],
    ));
    files.sort();
    files
}

#[test]
fn a_charm_of_two_layer_crates_builds_runs_rebuilds_and_passes_proof() {
    let case = rules("crate-charm");
    let layers = case.join("layers");
    let out = tmp("crate-charm");
    let parent = out.to_string_lossy().into_owned();
    let top = case.join("top").to_string_lossy().into_owned();

    let built = reactive(&["build", &top, "-o", &parent], &layers);
    assert!(built.status.success(), "build failed:\n{}", stderr(&built));
    let warnings = stderr(&built);
    assert!(
        warnings.contains("README.md: the file from crate-charm overrides the one from layer:base"),
        "{warnings}"
    );
    let charm = out.join("crate-charm");
    assert_eq!(tree(&charm), expected_tree());

    // dispatch is the compiled binary; hooks and actions are links to it.
    let mode = std::fs::metadata(charm.join("dispatch"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o111, 0o111);
    assert_eq!(
        &std::fs::read(charm.join("dispatch")).unwrap()[..4],
        b"\x7fELF"
    );
    for link in [
        "hooks/install",
        "hooks/db-relation-joined",
        "actions/say-hello",
    ] {
        assert_eq!(
            std::fs::read_link(charm.join(link)).unwrap(),
            Path::new("../dispatch"),
            "{link}"
        );
    }
    assert!(!charm.join("Makefile").exists() && !charm.join("Cargo.toml").exists());

    // Layer options: set by the top layer, defaults filled in.
    let layer_yaml: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(charm.join("layer.yaml")).unwrap()).unwrap();
    assert_eq!(
        layer_yaml["options"]["base"]["verbose"],
        serde_yaml::Value::Bool(true)
    );
    assert_eq!(
        layer_yaml["options"]["base"]["greeting-file"].as_str(),
        Some("/tmp/greeting")
    );
    assert_eq!(layer_yaml["is"].as_str(), Some("crate-charm"));
    let manifest: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(charm.join("manifest.yaml")).unwrap())
            .unwrap();
    let channels: Vec<&str> = manifest["bases"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|b| b["channel"].as_str())
        .collect();
    assert_eq!(channels, ["22.04", "24.04"]);

    // The hook runs, layer order first (base before the charm).
    run_install_hook(&charm);

    // Each step reports progress on stderr, and the output says where the charm went.
    for step in ["composing layers of ", "compiling dispatch", "writing "] {
        assert!(stderr(&built).contains(step), "{step}: {}", stderr(&built));
    }
    assert_eq!(
        String::from_utf8_lossy(&built.stdout),
        format!("wrote {}\n", charm.display())
    );

    // A no-op rebuild succeeds; --verbose shows the merge plan.
    let again = reactive(&["build", &top, "-o", &parent, "--verbose"], &layers);
    assert!(again.status.success(), "{}", stderr(&again));
    let plan = stderr(&again);
    assert!(
        plan.contains("layers (merge order): layer:base -> crate-charm"),
        "{plan}"
    );
    assert!(
        plan.contains("copyright.layer-base  <- layer:base")
            && plan.contains("README.md  <- crate-charm"),
        "{plan}"
    );

    // Without -o the charm goes under the workspace's cargo target directory, never into
    // a source folder.
    let default_out = repo().join("target/charms/crate-charm");
    let _ = std::fs::remove_dir_all(&default_out);
    let defaulted = Command::new(REACTIVE)
        .args(["build", &top])
        .env("CHARM_LAYERS_DIR", &layers)
        .env("CHARM_INTERFACES_DIR", &layers)
        .env_remove("CHARM_BUILD_DIR")
        .env_remove("CARGO_TARGET_DIR")
        .stdin(Stdio::null())
        .output()
        .expect("run reactive");
    assert!(defaulted.status.success(), "{}", stderr(&defaulted));
    assert_eq!(
        String::from_utf8_lossy(&defaulted.stdout),
        format!("wrote {}\n", default_out.display())
    );
    assert_eq!(tree(&default_out), expected_tree());

    // A file changed by hand is a conflict unless --force.
    std::fs::write(charm.join("README.md"), "edited by hand").unwrap();
    let conflict = reactive(&["build", &top, "-o", &parent], &layers);
    assert_eq!(conflict.status.code(), Some(1));
    assert!(
        stderr(&conflict).contains("modified after the build: README.md"),
        "{}",
        stderr(&conflict)
    );
    let layers_out = reactive(&["layers", &charm.to_string_lossy()], &layers);
    let listing = String::from_utf8_lossy(&layers_out.stdout).into_owned();
    assert!(
        listing
            .lines()
            .any(|l| l.starts_with("* README.md") && l.contains("crate-charm (static)")),
        "{listing}"
    );
    assert!(
        listing
            .lines()
            .any(|l| l.contains("copyright.layer-base") && l.contains("layer:base (static)")),
        "{listing}"
    );
    let forced = reactive(
        &["build", &top, "-o", &parent, "--force", "--charm-file"],
        &layers,
    );
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_eq!(
        std::fs::read_to_string(charm.join("README.md")).unwrap(),
        "the charm's readme\n"
    );

    // The .charm zip keeps executable bits and links.
    let zip = zip_listing(&out.join("crate-charm.charm"));
    assert!(
        zip.iter()
            .any(|(n, m)| n == "dispatch" && m & 0o111 == 0o111),
        "{zip:?}"
    );
    assert!(
        zip.iter()
            .any(|(n, m)| n == "hooks/install" && m & 0o170000 == 0o120000),
        "{zip:?}"
    );

    // Our proof and charm-tools' both find no error.
    let ours = reactive(&["proof", &charm.to_string_lossy()], &layers);
    let ours_out = String::from_utf8_lossy(&ours.stdout).into_owned();
    assert!(!ours_out.contains("E:"), "{ours_out}");
    let theirs = Command::new("bash")
        .arg(repo().join("tests/compose/oracle/charmtools-proof.sh"))
        .arg(&charm)
        .output()
        .expect("charm-proof");
    let theirs_out = String::from_utf8_lossy(&theirs.stdout).into_owned() + &stderr(&theirs);
    assert!(
        theirs.status.code() != Some(200) && !theirs_out.contains("E:"),
        "charm-proof:\n{theirs_out}"
    );
}

fn run_install_hook(charm: &Path) {
    let fake = charm.parent().unwrap().join("fake-juju");
    std::fs::create_dir_all(&fake).unwrap();
    std::fs::write(fake.join("config.json"), "{\"greeting\": \"hello\"}").unwrap();
    let status = Command::new(charm.join("hooks/install"))
        .env_clear()
        .current_dir(charm)
        .env(
            "PATH",
            format!(
                "{}:/usr/bin:/bin",
                repo().join("bench/fake-hook-tools").display()
            ),
        )
        .env("CHARM_DIR", charm)
        .env("JUJU_UNIT_NAME", "charm/0")
        .env("FAKE_JUJU_DIR", &fake)
        .env("UNIT_STATE_DB", fake.join("state.db"))
        .status()
        .expect("run the hook");
    assert!(status.success());
    let conn = read_kv(&fake.join("state.db"));
    assert!(
        conn.contains("reactive.states.order.base|0")
            && conn.contains("reactive.states.order.charm|1"),
        "{conn}"
    );
}

/// The unit state's kv table as `key|value` lines, read with Python's sqlite3 module.
fn read_kv(db: &Path) -> String {
    let out = Command::new("python3")
        .args(["-c", "import sqlite3,sys; [print(k+'|'+v) for k,v in sqlite3.connect(sys.argv[1]).execute('select key,data from kv')]"])
        .arg(db)
        .output()
        .expect("python3");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn zip_listing(path: &Path) -> Vec<(String, u32)> {
    let out = Command::new("python3")
        .args(["-c", "import zipfile,sys; [print(i.filename, i.external_attr >> 16) for i in zipfile.ZipFile(sys.argv[1]).infolist()]"])
        .arg(path)
        .output()
        .expect("python3");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            l.rsplit_once(' ')
                .map(|(n, m)| (n.to_string(), m.parse().unwrap_or(0)))
        })
        .collect()
}

#[test]
fn bad_input_is_one_clear_error_naming_the_file() {
    let empty = tmp("bad-input-layers");
    let cases: [(&str, &[&str]); 5] = [
        (
            "path-name",
            &[
                "path-name/top/metadata.yaml",
                "name \"../escape\" cannot name the built charm's directory",
            ],
        ),
        (
            "bad-yaml",
            &["bad-yaml/top/metadata.yaml:5", "invalid YAML"],
        ),
        (
            "unknown-include",
            &[
                "unknown-include/top/layer.yaml:2",
                "cannot find layer:nosuch; looked in:",
                "nosuch",
            ],
        ),
        ("cycle", &["include cycle: layer:a -> layer:b -> layer:a"]),
        (
            "wrong-type",
            &[
                "wrong-type/top/layer.yaml:4",
                "base.enabled: expected boolean, got string",
            ],
        ),
    ];
    for (case, wants) in cases {
        let dir = rules(case);
        let out = tmp(&format!("bad-{case}"));
        let layers = if dir.join("layers").is_dir() {
            dir.join("layers")
        } else {
            empty.clone()
        };
        let o = reactive(
            &[
                "build",
                &dir.join("top").to_string_lossy(),
                "-o",
                &out.to_string_lossy(),
            ],
            &layers,
        );
        assert_eq!(o.status.code(), Some(1), "{case}: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(
            err.lines().filter(|l| l.starts_with("error:")).count(),
            1,
            "{case}: {err}"
        );
        for want in wants {
            assert!(err.contains(want), "{case}: wanted {want:?} in:\n{err}");
        }
        assert!(
            std::fs::read_dir(&out).unwrap().next().is_none(),
            "{case}: nothing may be written"
        );
    }
}
