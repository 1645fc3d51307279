//! A Rust charm using `charms_reactive::secrets`, built with `reactive build` and run on
//! the local model: the runtime's secret calls meet the model's secret tools. The leader
//! keeps the configured token in an application-owned secret and shares only its id in
//! leader settings; every unit reads it and reports its length; a new token is a new
//! revision that reaches the other units through `secret-changed`. The token itself
//! shows nowhere but in `show-secret --reveal`.

use std::path::{Path, PathBuf};
use std::process::Command;

use test_support::run_ok;

const REACTIVE: &str = env!("CARGO_BIN_EXE_reactive");

const METADATA: &str = "name: secret-demo
summary: Keeps a token in a Juju secret
description: The leader stores the configured token in a secret; every unit reads it.
maintainer: charms-reactive developers <dev@example.invalid>
";

const CONFIG: &str = "options:
  token:
    type: string
    default: first
    description: The token kept in the secret.
";

const HANDLERS: &str = r#"
use charms_reactive::prelude::*;
use charms_reactive::secrets::{NewSecret, SecretContent, SecretId, SecretRead, SecretUpdate};

/// Runs in every hook: the leader stores a changed token, every unit reports it.
#[when_not("secret-demo.never")]
fn token() -> Result<()> {
    let stored = leadership::get("token-secret")?;
    if leadership::is_leader()? && (stored.is_none() || is_flag_set("config.changed.token")) {
        // Kept reversed, so the content differs from the config value the model and the
        // unit state hold anyway.
        let token: String = config::string("token")?.chars().rev().collect();
        let content = SecretContent::new().with("token", token);
        match &stored {
            None => {
                let id = secrets::add(NewSecret::new(content).label("token"))?;
                leadership::set_one("token-secret", &id.to_string())?;
                return report(&id);
            }
            Some(id) => secrets::set(id.parse::<SecretId>()?, SecretUpdate::content(content))?,
        }
    }
    match stored {
        Some(id) => report(&id.parse()?),
        None => Ok(status::waiting("no token yet")?),
    }
}

/// The length of the latest revision's token, never the token.
fn report(id: &SecretId) -> Result<()> {
    let content = secrets::get(id.clone(), SecretRead::Refresh)?;
    let token = content.get("token").unwrap_or_default();
    status::active(&format!("token of {} characters", token.len()))?;
    Ok(())
}
"#;

fn repo_root() -> PathBuf {
    test_support::repo_root()
}

fn write(path: &Path, content: &str) {
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(path, content).expect("write");
}

/// Every unit's workload status and message, from `status --format json`.
fn statuses(model: &Path) -> Vec<(String, String)> {
    let out = run_ok(
        Command::new(REACTIVE)
            .args(["model", "--model"])
            .arg(model)
            .args(["status", "--format", "json"]),
    );
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json status");
    status["applications"]["secret-demo"]["units"]
        .as_object()
        .unwrap_or_else(|| panic!("no units in {status}"))
        .values()
        .map(|u| {
            let w = &u["workload-status"];
            (
                w["current"].as_str().unwrap_or_default().to_string(),
                w["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Every file under `dir` but `secrets.json` (where the model keeps content, 0600), as
/// (path, text).
fn model_files(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    for entry in std::fs::read_dir(dir).expect("read model dir").flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            model_files(&path, out);
        } else if kind.is_file() && path.file_name().is_some_and(|n| n != "secrets.json") {
            let text =
                String::from_utf8_lossy(&std::fs::read(&path).unwrap_or_default()).into_owned();
            out.push((path, text));
        }
    }
}

#[test]
fn a_rust_charm_keeps_a_token_in_a_secret_that_every_unit_reads_and_follows() {
    let work = test_support::tmp!("secrets-charm");
    let charm = work.join("secret-demo");
    let runtime = repo_root().join("framework/runtime");
    write(&charm.join("metadata.yaml"), METADATA);
    write(&charm.join("config.yaml"), CONFIG);
    write(&charm.join("layer.yaml"), "includes: []\n");
    write(
        &charm.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"charm-secret-demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\nanyhow = \"1\"\ncharms-reactive = {{ path = {:?} }}\n",
            runtime.to_string_lossy()
        ),
    );
    write(&charm.join("src/lib.rs"), HANDLERS);

    let out = work.join("out");
    run_ok(
        Command::new(REACTIVE)
            .arg("build")
            .arg(&charm)
            .arg("-o")
            .arg(&out),
    );
    let built = out.join("secret-demo");

    let model = work.join("model");
    let reactive_model = |args: &[&str]| {
        run_ok(
            Command::new(REACTIVE)
                .args(["model", "--model"])
                .arg(&model)
                .args(args),
        )
    };
    reactive_model(&["init", "--seed", "7"]);
    reactive_model(&["deploy", built.to_str().expect("utf-8"), "-n", "3"]);
    let first = statuses(&model);
    assert_eq!(first.len(), 3, "{first:?}");
    for status in &first {
        assert_eq!(status, &("active".into(), "token of 5 characters".into()));
    }

    // A sentinel no other part of the model could produce.
    let token = "s3cr3t-sentinel-9f2c7d";
    reactive_model(&["config", "secret-demo", &format!("token={token}")]);
    for status in statuses(&model) {
        assert_eq!(
            status,
            (
                "active".into(),
                format!("token of {} characters", token.len())
            )
        );
    }
    let log = std::fs::read_to_string(model.join("hooks.log")).expect("hooks.log");
    let changed = log.lines().filter(|l| l.contains("secret-changed")).count();
    assert!(
        changed >= 2,
        "the two other units got secret-changed:\n{log}"
    );

    // The secret's content is the token reversed (the config value itself is kept by the
    // model and the unit state, as Juju keeps config).
    let content: String = token.chars().rev().collect();
    let revealed = reactive_model(&["show-secret", "token", "--reveal"]);
    assert!(
        String::from_utf8_lossy(&revealed.stdout).contains(&content),
        "show-secret --reveal prints the content"
    );
    let mut files = Vec::new();
    model_files(&model, &mut files);
    assert!(
        files.len() > 5,
        "the model's files were read: {}",
        files.len()
    );
    for (path, text) in files {
        assert!(
            !text.contains(&content),
            "{} holds the secret's content",
            path.display()
        );
    }
    for args in [
        &["debug-log", "--replay"][..],
        &["status", "--format", "yaml"],
        &["show-unit", "secret-demo/1"],
    ] {
        let out = reactive_model(args);
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains(&content),
            "{args:?}"
        );
    }
    reactive_model(&["destroy"]);
}
