//! `tracing` events to `juju-log`.
//!
//! Each record goes to Juju once: through `juju-log`, at its level. Juju also records
//! every line a hook writes on stderr (at WARNING), so the records are not echoed there;
//! only a record `juju-log` could not take (no such tool, a failed call) is written to
//! stderr instead, so that it is not lost. Records at INFO and above are sent as they
//! happen, so `debug-log` shows a long hook's progress with the time each step happened
//! (each call runs while the hook goes on, one outstanding at a time, so records keep
//! their order). DEBUG and TRACE records, which come in bursts when turned on, are
//! buffered and sent together, consecutive records of one level joined into one call,
//! before the next record of a higher level and when the hook ends: one subprocess per
//! debug line would cost more than the whole dispatch.
//!
//! The level comes from `CHARMS_REACTIVE_LOG` (the local model sets it from its
//! `logging-config`; `error`, `warn`, `info` (default),
//! `debug`, `trace`). Dispatch detail is at DEBUG; each invocation is logged at INFO as
//! `Invoking reactive handler: <id>`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context as LayerContext, Layer, SubscriberExt};
use tracing_subscriber::Registry;

use crate::backend::LogLevel;
use crate::context::{try_current, Context};

/// The level filter chosen by `CHARMS_REACTIVE_LOG`.
pub fn level_from_env() -> LevelFilter {
    match std::env::var("CHARMS_REACTIVE_LOG")
        .unwrap_or_default()
        .to_ascii_lowercase()
        .as_str()
    {
        "off" => LevelFilter::OFF,
        "error" => LevelFilter::ERROR,
        "warn" | "warning" => LevelFilter::WARN,
        "debug" => LevelFilter::DEBUG,
        "trace" => LevelFilter::TRACE,
        _ => LevelFilter::INFO,
    }
}

/// Where a record goes when `juju-log` cannot take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Echo {
    /// To stderr (a real hook: Juju records its stderr, at WARNING).
    Stderr,
    /// Nowhere (the test harness, which records the calls).
    None,
}

/// Whether records `juju-log` could not take go to stderr ([`Echo::Stderr`]).
static ECHO_FAILED: AtomicBool = AtomicBool::new(false);

/// Whether the hook's error reached `juju-log`, so its caller need not print it again.
static ERROR_LOGGED: AtomicBool = AtomicBool::new(false);

/// The subscriber used by hooks.
pub fn subscriber(level: LevelFilter, echo: Echo) -> impl Subscriber + Send + Sync {
    ECHO_FAILED.store(echo == Echo::Stderr, Ordering::Relaxed);
    Registry::default().with(JujuLogLayer { level })
}

/// Notes that the hook's error was sent to `juju-log` ([`error_logged`]).
pub(crate) fn mark_error_logged() {
    ERROR_LOGGED.store(true, Ordering::Relaxed);
}

/// Whether the hook's error already reached `juju-log`: printing it on stderr too would
/// make Juju record it twice.
pub fn error_logged() -> bool {
    ERROR_LOGGED.load(Ordering::Relaxed)
}

struct JujuLogLayer {
    level: LevelFilter,
}

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        } else {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }
}

impl<S: Subscriber> Layer<S> for JujuLogLayer {
    fn enabled(&self, meta: &tracing::Metadata<'_>, _: LayerContext<'_, S>) -> bool {
        *meta.level() <= self.level
    }

    fn on_event(&self, event: &Event<'_>, _: LayerContext<'_, S>) {
        let meta = event.metadata();
        if *meta.level() > self.level {
            return;
        }
        let mut msg = Message(String::new());
        event.record(&mut msg);
        let level = LogLevel::from_tracing(meta.level());
        let Some(ctx) = try_current() else {
            // No hook context to send it through: stderr is the only way out.
            if ECHO_FAILED.load(Ordering::Relaxed) {
                let _ = writeln!(std::io::stderr().lock(), "{} {}", level.as_str(), msg.0);
            }
            return;
        };
        ctx.logs.borrow_mut().push((level, msg.0));
        if level >= LogLevel::Info {
            flush(&ctx);
        }
    }
}

/// Largest message sent in one `juju-log` call: well under Linux's 128 KiB limit on one
/// argument.
const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Sends buffered records to `juju-log`: consecutive records of one level are joined into
/// one call, up to [`MAX_MESSAGE_BYTES`]. A failing `juju-log` is reported on stderr
/// only, with the records it did not take: logging must not fail a hook. Whether every
/// call succeeded.
pub(crate) fn flush(ctx: &Context) -> bool {
    let mut all_sent = true;
    let records = std::mem::take(&mut *ctx.logs.borrow_mut());
    let mut batch: Option<(LogLevel, String)> = None;
    for (level, message) in records {
        match &mut batch {
            Some((l, text))
                if *l == level && text.len() + 1 + message.len() <= MAX_MESSAGE_BYTES =>
            {
                text.push('\n');
                text.push_str(&message);
            }
            _ => {
                if let Some((l, text)) = batch.take() {
                    all_sent &= send(ctx, l, &text);
                }
                batch = Some((level, message));
            }
        }
    }
    if let Some((l, text)) = batch {
        all_sent &= send(ctx, l, &text);
    }
    all_sent
}

fn send(ctx: &Context, level: LogLevel, text: &str) -> bool {
    // One record alone may still be too long: cut it on a character boundary.
    let mut end = text.len().min(MAX_MESSAGE_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    match ctx.backend.juju_log(level, &text[..end]) {
        Ok(()) => true,
        Err(e) => {
            if ECHO_FAILED.load(Ordering::Relaxed) {
                let mut err = std::io::stderr().lock();
                let _ = writeln!(err, "WARNING cannot send log to juju-log: {e}");
                for line in text.lines() {
                    let _ = writeln!(err, "{} {line}", level.as_str());
                }
            }
            false
        }
    }
}
