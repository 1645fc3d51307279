//! `reactive model debug-log`: the model's log records as `juju debug-log` prints them,
//! with its options; following the log as hooks write it (`--tail`). What is recorded,
//! and when, is the model crate's.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use charms_reactive_model::model::{LogFilter, LogLine, TimeFormat};
use charms_reactive_model::ModelView;
use clap::Args;

/// How many of the latest records are shown without `--replay` or `--lines`.
const DEFAULT_LINES: usize = 10;

/// How often a followed log is read again for new records.
const FOLLOW_INTERVAL: Duration = Duration::from_millis(200);

/// `juju debug-log`'s options, as far as the local model has them.
#[derive(Args)]
pub struct DebugLogArgs {
    /// Only records of these entities: a unit (`app/n`), an application (all its units)
    /// or an entity tag (`unit-app-0`, `*` wildcards allowed). Repeatable.
    #[arg(short = 'i', long, value_name = "ENTITY")]
    include: Vec<String>,
    /// Only this unit's records (`app/n`): the same as --include.
    #[arg(long, value_name = "UNIT")]
    unit: Vec<String>,
    /// No records of these entities (as --include). Repeatable.
    #[arg(short = 'x', long, value_name = "ENTITY")]
    exclude: Vec<String>,
    /// Only records of these logging modules or their prefixes (`unit`,
    /// `juju.worker.uniter`). Repeatable.
    #[arg(long, value_name = "MODULE")]
    include_module: Vec<String>,
    /// No records of these logging modules (as --include-module). Repeatable.
    #[arg(long, value_name = "MODULE")]
    exclude_module: Vec<String>,
    /// The least severe level shown: TRACE, DEBUG, INFO, WARNING or ERROR.
    #[arg(short = 'l', long, value_name = "LEVEL")]
    level: Option<String>,
    /// Show this many of the latest records (then follow, with --tail).
    #[arg(short = 'n', long, value_name = "N", default_value_t = DEFAULT_LINES)]
    lines: usize,
    /// Show this many of the latest records, then stop (overrides --tail).
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Show the whole log (then follow, with --tail).
    #[arg(long)]
    replay: bool,
    /// Keep printing records as hooks write them, until interrupted. The default when
    /// the output is a terminal, as with juju.
    #[arg(long, conflicts_with = "no_tail")]
    tail: bool,
    /// Print the records there are, then stop. The default when the output is not a
    /// terminal.
    #[arg(long)]
    no_tail: bool,
    /// Show times in UTC (default: local time).
    #[arg(long)]
    utc: bool,
    /// Show dates as well as times.
    #[arg(long)]
    date: bool,
    /// Show times to the millisecond.
    #[arg(long)]
    ms: bool,
}

/// Prints the records `args` choose; with `--tail`, goes on printing new ones until the
/// process is interrupted.
pub fn run(model: &ModelView, args: DebugLogArgs) -> anyhow::Result<ExitCode> {
    let filter = LogFilter {
        include: args.include.into_iter().chain(args.unit).collect(),
        exclude: args.exclude,
        include_module: args.include_module,
        exclude_module: args.exclude_module,
        level: args
            .level
            .as_deref()
            .map(LogFilter::parse_level)
            .transpose()?,
    };
    let time = TimeFormat {
        utc: args.utc,
        date: args.date,
        ms: args.ms,
    };
    // As juju: follow when the output is a terminal, unless told otherwise; --limit
    // always stops.
    let follow =
        args.limit.is_none() && (args.tail || (!args.no_tail && std::io::stdout().is_terminal()));
    let mut log = model.follow_debug_log();
    let shown: Vec<LogLine> = log
        .next_lines()?
        .into_iter()
        .filter(|l| filter.shows(l))
        .collect();
    let backlog = match (args.limit, args.replay) {
        (Some(n), _) => n,
        (None, true) => shown.len(),
        (None, false) => args.lines,
    };
    let mut out = std::io::stdout().lock();
    let first = shown.len().saturating_sub(backlog);
    if !print(&mut out, &shown[first..], time)? || !follow {
        return Ok(ExitCode::SUCCESS);
    }
    loop {
        let new: Vec<LogLine> = log
            .next_lines()?
            .into_iter()
            .filter(|l| filter.shows(l))
            .collect();
        if new.is_empty() {
            // Polling a file: nothing to wake on but the next write.
            std::thread::sleep(FOLLOW_INTERVAL);
        } else if !print(&mut out, &new, time)? {
            return Ok(ExitCode::SUCCESS);
        }
    }
}

/// Prints `lines`; `false` once the reader has gone (`debug-log --tail | head`), which
/// ends the command quietly, as a closed pipe ends `juju debug-log`.
fn print(out: &mut impl Write, lines: &[LogLine], time: TimeFormat) -> anyhow::Result<bool> {
    let written = lines
        .iter()
        .try_for_each(|l| writeln!(out, "{}", l.render(time)))
        .and_then(|()| out.flush());
    match written {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e.into()),
    }
}
