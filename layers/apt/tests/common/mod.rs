//! A stand-in machine for the apt layer's harness tests: a package archive, dpkg's
//! database, a lock that can be held, and a record of every command and wait.

#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use charms_reactive::testing::{Harness, Outcome, State};
use layer_apt::system::{with_system, Output, System};

#[derive(Default)]
pub struct FakeMachine {
    /// Packages the archive has, with their versions.
    pub archive: BTreeMap<String, String>,
    /// Packages installed.
    pub installed: RefCell<BTreeSet<String>>,
    /// Every command run, as one line, with DEBIAN_FRONTEND shown when set.
    pub commands: RefCell<Vec<String>>,
    /// Waits asked for.
    pub sleeps: RefCell<Vec<Duration>>,
    /// The next this many apt commands find dpkg's lock held.
    pub lock_held_for: Cell<usize>,
    /// Packages held (apt-mark).
    pub held: RefCell<BTreeSet<String>>,
    /// Bumped whenever dpkg's database changes.
    pub stamp: Cell<u32>,
    pub root: PathBuf,
    /// `usr/sbin/policy-rc.d` below `root` as the last `apt-get install` found it.
    pub policy_during_install: RefCell<Option<String>>,
}

impl FakeMachine {
    pub fn new(root: PathBuf) -> Rc<FakeMachine> {
        Rc::new(FakeMachine {
            archive: [("hello", "2.10-3"), ("cowsay", "3.03+dfsg2-8")]
                .into_iter()
                .map(|(p, v)| (p.to_string(), v.to_string()))
                .collect(),
            root,
            ..FakeMachine::default()
        })
    }

    /// Removes a package behind the charm's back.
    pub fn remove_by_hand(&self, package: &str) {
        self.installed.borrow_mut().remove(package);
        self.stamp.set(self.stamp.get() + 1);
    }

    pub fn apt_get_runs(&self) -> Vec<String> {
        self.commands
            .borrow()
            .iter()
            .filter(|c| c.contains("apt-get"))
            .cloned()
            .collect()
    }

    pub fn clear(&self) {
        self.commands.borrow_mut().clear();
        self.sleeps.borrow_mut().clear();
    }
}

fn out(code: i32, stdout: &str, stderr: &str) -> Output {
    Output {
        code: Some(code),
        stdout: stdout.into(),
        stderr: stderr.into(),
    }
}

impl System for FakeMachine {
    fn run(&self, argv: &[String], env: &[(&str, &str)]) -> std::io::Result<Output> {
        let mut line = String::new();
        for (k, v) in env {
            line.push_str(&format!("{k}={v} "));
        }
        line.push_str(&argv.join(" "));
        self.commands.borrow_mut().push(line);
        let program = argv[0].as_str();
        if matches!(program, "apt-get" | "apt-mark") && self.lock_held_for.get() > 0 {
            self.lock_held_for.set(self.lock_held_for.get() - 1);
            return Ok(out(
                100,
                "",
                "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (unattended-upgr)\n",
            ));
        }
        let args: Vec<&str> = argv[1..].iter().map(String::as_str).collect();
        let verb_at = args.iter().position(|a| !a.starts_with('-'));
        match (program, verb_at.map(|i| args[i])) {
            ("apt-get", Some("update")) => Ok(out(0, "Reading package lists...\n", "")),
            ("apt-get", Some("install")) => {
                *self.policy_during_install.borrow_mut() =
                    std::fs::read_to_string(self.root.join("usr/sbin/policy-rc.d")).ok();
                let pkgs = &args[verb_at.unwrap_or(0) + 1..];
                if let Some(missing) = pkgs.iter().find(|p| !self.archive.contains_key(**p)) {
                    return Ok(out(
                        100,
                        "Reading package lists...\n",
                        &format!("E: Unable to locate package {missing}\n"),
                    ));
                }
                for p in pkgs {
                    self.installed.borrow_mut().insert(p.to_string());
                }
                self.stamp.set(self.stamp.get() + 1);
                Ok(out(0, "", ""))
            }
            ("apt-get", Some("purge")) => {
                for p in &args[verb_at.unwrap_or(0) + 1..] {
                    self.installed.borrow_mut().remove(*p);
                }
                self.stamp.set(self.stamp.get() + 1);
                Ok(out(0, "", ""))
            }
            ("apt-mark", Some(verb)) => {
                for p in &args[1..] {
                    if verb == "hold" {
                        self.held.borrow_mut().insert(p.to_string());
                    } else {
                        self.held.borrow_mut().remove(*p);
                    }
                }
                Ok(out(0, "", ""))
            }
            ("dpkg-query", _) => {
                let format = args
                    .iter()
                    .find_map(|a| a.strip_prefix("--showformat="))
                    .unwrap_or("");
                let pkgs: Vec<&str> = args
                    .iter()
                    .copied()
                    .filter(|a| !a.starts_with("--"))
                    .collect();
                let mut stdout = String::new();
                let mut code = 0;
                for p in pkgs {
                    if self.installed.borrow().contains(p) {
                        let version = self.archive.get(p).cloned().unwrap_or_default();
                        stdout.push_str(
                            &format
                                .replace("${Package}", p)
                                .replace("${Status}", "install ok installed")
                                .replace("${Version}", &version)
                                .replace("\\t", "\t")
                                .replace("\\n", "\n"),
                        );
                    } else {
                        code = 1;
                    }
                }
                Ok(out(code, &stdout, ""))
            }
            _ => Ok(out(127, "", &format!("{program}: not found\n"))),
        }
    }

    fn sleep(&self, duration: Duration) {
        self.sleeps.borrow_mut().push(duration);
    }

    fn dpkg_stamp(&self) -> Option<String> {
        Some(self.stamp.get().to_string())
    }

    fn root(&self) -> PathBuf {
        self.root.clone()
    }
}

/// The built layer.yaml of a charm of base + apt with these apt options.
pub fn layer_yaml(apt_options: &str) -> String {
    format!("options:\n  base: {{ranked_status: true}}\n  apt: {apt_options}\n")
}

pub fn harness(apt_options: &str) -> Harness {
    Harness::new()
        .layers(["layer_base", "layer_apt"])
        .only(["layer_base", "layer_apt"])
        .config_yaml(include_str!("../../config.yaml"))
        .expect("the apt layer's config.yaml")
        .layer_yaml(&layer_yaml(apt_options))
}

pub fn run(machine: &Rc<FakeMachine>, h: &Harness, hook: &str, state: &State) -> Outcome {
    with_system(machine.clone(), || h.run(hook, state)).unwrap_or_else(|f| panic!("{hook}: {f:?}"))
}

pub fn has_flag(state: &State, flag: &str) -> bool {
    state.flags().iter().any(|f| f == flag)
}
