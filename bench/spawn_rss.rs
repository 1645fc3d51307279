//! Benchmark launcher: runs one command and prints `<wall ns> <peak RSS KiB> <exit code>`.
//!
//! A process forked from the Python driver would report the driver's own memory as its
//! peak RSS (Linux keeps the pre-exec high-water mark in `ru_maxrss`), so hooks are
//! started from this small process instead. Built with plain `rustc` by bench/run.sh.
//! Usage: spawn_rss <program> [args…] (cwd, environment and stdio are inherited).

use std::process::Command;
use std::time::Instant;

#[repr(C)]
struct Rusage {
    utime: [i64; 2],
    stime: [i64; 2],
    maxrss: i64,
    rest: [i64; 13],
}

extern "C" {
    fn wait4(pid: i32, status: *mut i32, options: i32, rusage: *mut Rusage) -> i32;
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((program, rest)) = args.split_first() else {
        eprintln!("usage: spawn_rss <program> [args…]");
        std::process::exit(2);
    };
    let start = Instant::now();
    let child = match Command::new(program).args(rest).spawn() {
        Ok(child) => child,
        Err(e) => {
            eprintln!("spawn_rss: cannot run {program}: {e}");
            std::process::exit(2);
        }
    };
    let mut status = 0i32;
    let mut usage = Rusage { utime: [0; 2], stime: [0; 2], maxrss: 0, rest: [0; 13] };
    // SAFETY: wait4 writes only into the two out-parameters, which outlive the call.
    let pid = unsafe { wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed().as_nanos();
    if pid < 0 {
        eprintln!("spawn_rss: wait4 failed: {}", std::io::Error::last_os_error());
        std::process::exit(2);
    }
    // Exit code, or 128 + signal like a shell.
    let code = if status & 0x7f == 0 { (status >> 8) & 0xff } else { 128 + (status & 0x7f) };
    println!("{elapsed} {} {code}", usage.maxrss);
}
