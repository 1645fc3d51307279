//! What `juju/cmd`'s `cmd.Main` does around every tool: parse options, print help,
//! and turn errors into `ERROR <msg>` with exit code 2 (usage) or 1 (run).

use std::io::Read;
use std::path::{Path, PathBuf};

use super::args::{self, Kind, Opt, ParseError, Parsed};
use crate::context::HookContextData;
use crate::gostr;

/// A tool's description, for parsing and `--help`.
pub(crate) struct Spec {
    /// Command name.
    pub name: &'static str,
    /// Positional arguments, as shown in the usage line.
    pub args: &'static str,
    /// One-line summary.
    pub purpose: &'static str,
    /// Longer description.
    pub doc: &'static str,
    /// Options.
    pub opts: &'static [Opt],
}

/// A tool's body: validates its arguments (`Fail::Init`) and then runs (`Fail::Run`).
pub(crate) type Handler = fn(&Parsed, &mut HookContextData, &mut Io) -> Result<(), Fail>;

/// How a tool runs.
pub(crate) enum Body {
    /// Implemented.
    Run(Handler),
    /// Refused with `ERROR <tool> is not supported by the local model`.
    Unsupported,
}

/// A hook tool.
pub(crate) struct Tool {
    /// Its description.
    pub spec: Spec,
    /// Its behaviour.
    pub body: Body,
}

/// Why a tool failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fail {
    /// Argument validation (`Init`) failed: exit 2.
    Init(String),
    /// The command failed (`Run`): exit 1.
    Run(String),
}

/// The tool's view of its process: stdin, working directory and captured output.
pub(crate) struct Io<'a> {
    /// Read only for `--file -`.
    pub stdin: &'a mut dyn Read,
    /// Resolves relative paths.
    pub cwd: &'a Path,
    /// The caller's root directory as the model reaches it (`/proc/<pid>/root`; `/` on
    /// the host): a hook in a machine names files of its own filesystem.
    pub root: &'a Path,
    /// What the tool printed.
    pub stdout: Vec<u8>,
    /// What the tool printed to stderr.
    pub stderr: Vec<u8>,
}

impl Io<'_> {
    /// `cmd.Context.AbsPath`.
    pub(crate) fn abs_path(&self, path: &str) -> PathBuf {
        let path = Path::new(path);
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.cwd.join(path)
        }
    }

    /// Where the caller's `path` (absolute, as [`Io::abs_path`] gives it) is for the model.
    pub(crate) fn on_host(&self, path: &Path) -> PathBuf {
        match path.strip_prefix("/") {
            Ok(rel) => self.root.join(rel),
            Err(_) => self.root.join(path),
        }
    }

    /// Reads a `cmd.FileVar` argument: `-` is stdin.
    pub(crate) fn read_file_arg(&mut self, path: &str) -> Result<Vec<u8>, Fail> {
        let mut data = Vec::new();
        if path == "-" {
            self.stdin
                .read_to_end(&mut data)
                .map_err(|e| Fail::Run(format!("read stdin: {e}")))?;
            return Ok(data);
        }
        let full = self.abs_path(path);
        std::fs::read(self.on_host(&full))
            .map_err(|e| Fail::Run(gostr::path_error("open", &full, &e)))
    }
}

/// Runs `tool`, returning its exit code; output is left in `io`.
pub(crate) fn execute(tool: &Tool, args: &[String], ctx: &mut HookContextData, io: &mut Io) -> i32 {
    let handler = match tool.body {
        Body::Run(handler) => handler,
        Body::Unsupported => {
            let wants_help = args
                .iter()
                .take_while(|a| *a != "--")
                .any(|a| a == "-h" || a == "--help");
            if wants_help {
                io.stdout = help(&tool.spec).into_bytes();
                return 0;
            }
            return fail(
                io,
                &format!("{} is not supported by the local model", tool.spec.name),
                1,
            );
        }
    };
    let parsed = match args::parse(tool.spec.opts, args, ctx) {
        Ok(parsed) => parsed,
        Err(ParseError::Help) => {
            io.stdout = help(&tool.spec).into_bytes();
            return 0;
        }
        Err(ParseError::Invalid(msg)) => return fail(io, &msg, 2),
    };
    match handler(&parsed, ctx, io) {
        Ok(()) => 0,
        Err(Fail::Init(msg)) => fail(io, &msg, 2),
        Err(Fail::Run(msg)) => fail(io, &msg, 1),
    }
}

fn fail(io: &mut Io, msg: &str, code: i32) -> i32 {
    io.stderr
        .extend_from_slice(format!("ERROR {msg}\n").as_bytes());
    code
}

/// `cmd.CheckEmpty`: refuses leftover arguments.
pub(crate) fn check_empty(args: &[String]) -> Result<(), Fail> {
    if args.is_empty() {
        Ok(())
    } else {
        Err(Fail::Init(format!(
            "unrecognized args: {}",
            gostr::quote_list(args)
        )))
    }
}

/// The `--help` text, laid out like `cmd.Info.Help`.
pub(crate) fn help(spec: &Spec) -> String {
    let mut out = format!("Usage: {}", spec.name);
    if !spec.opts.is_empty() {
        out.push_str(" [options]");
    }
    if !spec.args.is_empty() {
        out.push(' ');
        out.push_str(spec.args);
    }
    out.push('\n');
    if !spec.purpose.is_empty() {
        out.push_str(&format!("\nSummary:\n{}\n", spec.purpose.trim()));
    }
    if !spec.opts.is_empty() {
        out.push_str("\nOptions:\n");
        for opt in spec.opts {
            let names: Vec<String> = opt
                .names
                .iter()
                .map(|n| {
                    if n.len() > 1 {
                        format!("--{n}")
                    } else {
                        format!("-{n}")
                    }
                })
                .collect();
            let default = match opt.kind {
                Kind::Bool => "false",
                _ => "",
            };
            out.push_str(&format!(
                "{}  (= {default})\n    {}\n",
                names.join(", "),
                opt.usage
            ));
        }
    }
    if !spec.doc.trim().is_empty() {
        out.push_str(&format!("\nDetails:\n{}\n", spec.doc.trim()));
    }
    out
}

/// A tool the local model does not provide: `--help` works, running it says so.
pub(crate) const fn unsupported(name: &'static str, purpose: &'static str) -> Tool {
    Tool {
        spec: Spec {
            name,
            args: "",
            purpose,
            doc: "Not supported by the local model.",
            opts: &[],
        },
        body: Body::Unsupported,
    }
}
