//! A hook's output as Juju's unit agent takes it: read line by line while the hook runs,
//! each line recorded at once in the debug log (stdout at DEBUG, stderr at WARNING, as
//! Juju's runner logs them:
//! [runner.go](https://github.com/juju/juju/blob/3.6/internal/worker/uniter/runner/runner.go)),
//! and kept whole for an action's results.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Output};

use crate::logging_config::Level;
use crate::logs::DebugLog;

/// Waits for `child`, reading its piped stdout and stderr to the end; with `log`
/// (the debug log and the module to record under), each line is recorded as it comes.
pub(crate) fn wait_logging(
    mut child: Child,
    log: Option<(DebugLog, String)>,
) -> std::io::Result<Output> {
    let out = child.stdout.take();
    let err = child.stderr.take();
    let log_err = log.clone();
    let out = std::thread::spawn(move || read_stream(out, log, Level::Debug));
    let err = std::thread::spawn(move || read_stream(err, log_err, Level::Warning));
    let status = child.wait()?;
    let joined = |h: std::thread::JoinHandle<std::io::Result<Vec<u8>>>| {
        h.join()
            .unwrap_or_else(|_| Err(std::io::Error::other("output reader panicked")))
    };
    let stdout = joined(out)?;
    let stderr = joined(err)?;
    Ok(Output {
        status,
        stdout,
        stderr,
    })
}

/// Everything `stream` gives until its end, each line recorded at `level`.
fn read_stream(
    stream: Option<impl Read>,
    log: Option<(DebugLog, String)>,
    level: Level,
) -> std::io::Result<Vec<u8>> {
    let mut all = Vec::new();
    let Some(stream) = stream else {
        return Ok(all);
    };
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(all);
        }
        all.extend_from_slice(&line);
        if let Some((log, module)) = &log {
            let text = String::from_utf8_lossy(&line);
            log.record(level, module, text.trim_end_matches(['\n', '\r']));
        }
    }
}
