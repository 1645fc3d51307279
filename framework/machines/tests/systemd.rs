//! The service manager with systemd's interface inside machines: a hand-written unit file
//! per `Type=`, restarts, stopping every process, limits, users, drop-ins, unsupported
//! directives, `service`/`invoke-rc.d`/`deb-systemd-invoke`, `journalctl`, and systemd's
//! exit codes and messages.

mod common;

use std::process::Output;
use std::time::Duration;

use common::*;

/// How long a test waits for a state it polls for.
const PATIENCE: Duration = Duration::from_secs(20);

/// Writes `text` as `path` in `machine` (fixed test texts: no interpolated input).
fn write(t: &TestFleet, machine: &str, path: &str, text: &str) {
    t.sh_ok(
        machine,
        &format!("mkdir -p \"$(dirname {path})\" && cat > {path} <<'UNIT'\n{text}UNIT\n"),
    );
}

fn systemctl(t: &TestFleet, machine: &str, args: &[&str]) -> Output {
    t.run(machine, "systemctl", args)
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `systemctl ARGS` must succeed.
fn ok(t: &TestFleet, machine: &str, args: &[&str]) -> String {
    let out = systemctl(t, machine, args);
    assert!(out.status.success(), "systemctl {args:?}: {}", text(&out));
    stdout(&out)
}

/// `systemctl show -p PROP --value UNIT`.
fn prop(t: &TestFleet, machine: &str, unit: &str, property: &str) -> String {
    ok(t, machine, &["show", "-p", property, "--value", unit])
        .trim()
        .to_string()
}

fn main_pid(t: &TestFleet, machine: &str, unit: &str) -> i32 {
    let pid = prop(t, machine, unit, "MainPID");
    pid.parse()
        .unwrap_or_else(|_| panic!("MainPID of {unit}: {pid:?}"))
}

/// The PIDs in `machine` whose command line contains `needle` (letters, digits, spaces).
fn pids_with(t: &TestFleet, machine: &str, needle: &str) -> Vec<i32> {
    // `[s]leep 1` matches `sleep 1` but not the script's own text.
    let pattern = format!("[{}]{}", &needle[..1], &needle[1..]);
    let out = t.sh_ok(
        machine,
        &format!("for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null | grep -q -- '{pattern}' && echo ${{p#/proc/}}; done; true"),
    );
    out.lines().filter_map(|l| l.trim().parse().ok()).collect()
}

#[test]
fn type_simple_start_restart_stop_and_exit_codes() {
    let Some(_lock) = machines_test("systemd-simple") else {
        return;
    };
    let t = TestFleet::with_machines("sd-simple", &["sd-0"]);
    write(
        &t,
        "sd-0",
        "/etc/systemd/system/web.service",
        "[Unit]\nDescription=A web thing\n[Service]\nType=simple\n\
         ExecStart=/bin/sh -c 'sleep 1001 & exec sleep 1000'\n",
    );
    ok(&t, "sd-0", &["start", "web"]);
    let active = systemctl(&t, "sd-0", &["is-active", "web.service"]);
    assert_eq!(active.status.code(), Some(0), "{}", text(&active));
    assert_eq!(stdout(&active), "active\n");
    let first = main_pid(&t, "sd-0", "web.service");
    assert!(first > 1);
    assert_eq!(
        pids_with(&t, "sd-0", "sleep 1001").len(),
        1,
        "the unit's second process runs"
    );

    let status = systemctl(&t, "sd-0", &["status", "web"]);
    assert_eq!(status.status.code(), Some(0), "{}", text(&status));
    let shown = stdout(&status);
    assert!(
        shown.starts_with("● web.service - A web thing\n"),
        "{shown}"
    );
    assert!(shown.contains("Active: active (running)"), "{shown}");
    assert!(
        shown.contains(&format!("Main PID: {first} (sleep)")),
        "{shown}"
    );

    ok(&t, "sd-0", &["restart", "web"]);
    let second = main_pid(&t, "sd-0", "web.service");
    assert!(
        second > 1 && second != first,
        "restart gives a new main PID: {first} → {second}"
    );
    assert!(
        !t.has_process("sd-0", first),
        "the old main process is gone"
    );

    // `stop` returns once every process of the unit is gone, the forked one too.
    ok(&t, "sd-0", &["stop", "web"]);
    assert!(
        pids_with(&t, "sd-0", "sleep 100").is_empty(),
        "every process of the unit ended"
    );
    let inactive = systemctl(&t, "sd-0", &["is-active", "web"]);
    assert_eq!(inactive.status.code(), Some(3), "{}", text(&inactive));
    assert_eq!(stdout(&inactive), "inactive\n");
    assert_eq!(
        systemctl(&t, "sd-0", &["status", "web"]).status.code(),
        Some(3)
    );
    assert_eq!(prop(&t, "sd-0", "web", "MainPID"), "0");

    // systemd's answers for a unit that does not exist.
    let start = systemctl(&t, "sd-0", &["start", "nosuch"]);
    assert_eq!(start.status.code(), Some(5), "{}", text(&start));
    assert_eq!(
        stderr(&start),
        "Failed to start nosuch.service: Unit nosuch.service not found.\n"
    );
    let status = systemctl(&t, "sd-0", &["status", "nosuch.service"]);
    assert_eq!(status.status.code(), Some(4), "{}", text(&status));
    assert_eq!(stderr(&status), "Unit nosuch.service could not be found.\n");
    let active = systemctl(&t, "sd-0", &["is-active", "nosuch"]);
    assert_eq!(
        (active.status.code(), stdout(&active)),
        (Some(3), "inactive\n".into())
    );
    let stop = systemctl(&t, "sd-0", &["stop", "nosuch"]);
    assert_eq!(stop.status.code(), Some(5), "{}", text(&stop));
    assert_eq!(prop(&t, "sd-0", "nosuch", "LoadState"), "not-found");

    // As systemd says of Type=simple: `start` reports success even if the program cannot
    // be run; the unit is failed afterwards.
    write(
        &t,
        "sd-0",
        "/etc/systemd/system/ghost.service",
        "[Service]\nExecStart=/no/such/program\n",
    );
    let start = systemctl(&t, "sd-0", &["start", "ghost"]);
    assert_eq!(start.status.code(), Some(0), "{}", text(&start));
    assert_eq!(ok(&t, "sd-0", &["is-failed", "ghost"]), "failed\n");
}

#[test]
fn type_exec_runs_pre_and_post_commands_in_order_and_fails_on_a_missing_program() {
    let Some(_lock) = machines_test("systemd-exec") else {
        return;
    };
    let t = TestFleet::with_machines("sd-exec", &["sd-1"]);
    write(
        &t,
        "sd-1",
        "/etc/systemd/system/ordered.service",
        "[Service]\nType=exec\nExecStartPre=/bin/sh -c 'echo pre >> /run/order'\n\
         ExecStartPre=-/bin/false\n\
         ExecStart=/bin/sh -c 'echo main >> /run/order; exec sleep 1000'\n\
         ExecStartPost=/bin/sh -c 'echo post:$MAINPID >> /run/order'\n\
         ExecStop=/bin/sh -c 'echo stop:$MAINPID >> /run/order; kill $MAINPID'\n",
    );
    ok(&t, "sd-1", &["start", "ordered"]);
    let pid = main_pid(&t, "sd-1", "ordered");
    ok(&t, "sd-1", &["stop", "ordered"]);
    let order = t.sh_ok("sd-1", "cat /run/order");
    let lines: Vec<&str> = order.lines().collect();
    // `main` comes from the started process, so it may land before or after `post`.
    assert_eq!(lines.first(), Some(&"pre"), "{order}");
    assert!(lines.contains(&"main"), "{order}");
    assert!(lines.contains(&format!("post:{pid}").as_str()), "{order}");
    assert_eq!(
        lines.last().copied(),
        Some(format!("stop:{pid}").as_str()),
        "{order}"
    );

    write(
        &t,
        "sd-1",
        "/etc/systemd/system/missing.service",
        "[Service]\nType=exec\nExecStart=/no/such/program\n",
    );
    let start = systemctl(&t, "sd-1", &["start", "missing"]);
    assert_eq!(start.status.code(), Some(1), "{}", text(&start));
    assert!(
        stderr(&start).starts_with("Job for missing.service failed because"),
        "{}",
        text(&start)
    );
    let failed = systemctl(&t, "sd-1", &["is-failed", "missing"]);
    assert_eq!(
        (failed.status.code(), stdout(&failed)),
        (Some(0), "failed\n".into())
    );
}

#[test]
fn type_forking_takes_the_main_pid_from_its_pid_file() {
    let Some(_lock) = machines_test("systemd-forking") else {
        return;
    };
    let t = TestFleet::with_machines("sd-fork", &["sd-2"]);
    write(
        &t,
        "sd-2",
        "/etc/systemd/system/daemon.service",
        "[Service]\nType=forking\nPIDFile=/run/daemon-test.pid\n\
         ExecStart=/bin/sh -c 'sleep 1002 & echo $! > /run/daemon-test.pid'\n",
    );
    ok(&t, "sd-2", &["start", "daemon"]);
    let pid = main_pid(&t, "sd-2", "daemon");
    let from_file: i32 = t
        .sh_ok("sd-2", "cat /run/daemon-test.pid")
        .trim()
        .parse()
        .expect("a pid in the file");
    assert_eq!(pid, from_file);
    assert_eq!(pids_with(&t, "sd-2", "sleep 1002"), vec![pid]);
    assert_eq!(prop(&t, "sd-2", "daemon", "SubState"), "running");
    ok(&t, "sd-2", &["stop", "daemon"]);
    assert!(pids_with(&t, "sd-2", "sleep 1002").is_empty());
}

#[test]
fn type_oneshot_with_and_without_remain_after_exit() {
    let Some(_lock) = machines_test("systemd-oneshot") else {
        return;
    };
    let t = TestFleet::with_machines("sd-oneshot", &["sd-3"]);
    write(
        &t,
        "sd-3",
        "/etc/systemd/system/setup.service",
        "[Service]\nType=oneshot\nRemainAfterExit=yes\n\
         ExecStart=/bin/sh -c 'echo one >> /run/setup'\nExecStart=/bin/sh -c 'echo two >> /run/setup'\n",
    );
    ok(&t, "sd-3", &["start", "setup"]);
    assert_eq!(
        t.sh_ok("sd-3", "cat /run/setup"),
        "one\ntwo\n",
        "both ran before start returned"
    );
    assert_eq!(ok(&t, "sd-3", &["is-active", "setup"]), "active\n");
    assert_eq!(prop(&t, "sd-3", "setup", "SubState"), "exited");
    // Starting an active unit again runs nothing.
    ok(&t, "sd-3", &["start", "setup"]);
    assert_eq!(t.sh_ok("sd-3", "cat /run/setup"), "one\ntwo\n");

    write(
        &t,
        "sd-3",
        "/etc/systemd/system/once.service",
        "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo ran >> /run/once'\n",
    );
    ok(&t, "sd-3", &["start", "once"]);
    assert_eq!(t.sh_ok("sd-3", "cat /run/once"), "ran\n");
    let active = systemctl(&t, "sd-3", &["is-active", "once"]);
    assert_eq!(
        (active.status.code(), stdout(&active)),
        (Some(3), "inactive\n".into())
    );

    write(
        &t,
        "sd-3",
        "/etc/systemd/system/broken.service",
        "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'exit 3'\n",
    );
    let start = systemctl(&t, "sd-3", &["start", "broken"]);
    assert_eq!(start.status.code(), Some(1), "{}", text(&start));
    assert_eq!(
        stderr(&start),
        "Job for broken.service failed because the control process exited with error code.\n\
         See \"systemctl status broken.service\" and \"journalctl -xeu broken.service\" for details.\n"
    );
    assert_eq!(ok(&t, "sd-3", &["is-failed", "broken"]), "failed\n");
    let status = stdout(&systemctl(&t, "sd-3", &["status", "broken"]));
    assert!(
        status.contains("Active: failed (Result: exit-code)"),
        "{status}"
    );
}

#[test]
fn type_notify_waits_for_ready_and_applies_notify_access() {
    let Some(_lock) = machines_test("systemd-notify") else {
        return;
    };
    let t = TestFleet::with_machines("sd-notify", &["sd-4"]);
    // The main process itself notifies (NotifyAccess=main, the default for notify), after
    // a pause: `start` must not return before.
    write(
        &t,
        "sd-4",
        "/etc/systemd/system/notifier.service",
        "[Service]\nType=notify\n\
         ExecStart=/usr/bin/python3 -c \"import os,socket,time; time.sleep(0.5); open('/run/ready-sent','w').close(); s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b'STATUS=serving\\\\nREADY=1', os.environ['NOTIFY_SOCKET']); time.sleep(1000)\"\n",
    );
    ok(&t, "sd-4", &["start", "notifier"]);
    assert!(
        t.sh("sd-4", "test -e /run/ready-sent").status.success(),
        "start returned before READY=1"
    );
    assert_eq!(ok(&t, "sd-4", &["is-active", "notifier"]), "active\n");
    assert_eq!(prop(&t, "sd-4", "notifier", "StatusText"), "serving");

    // A helper process notifying is accepted with NotifyAccess=all (the machine's
    // systemd-notify), and its MAINPID= names the main process.
    write(
        &t,
        "sd-4",
        "/etc/systemd/system/helper.service",
        "[Service]\nType=notify\nNotifyAccess=all\n\
         ExecStart=/bin/sh -c 'n=1003; sleep $n & systemd-notify --ready --pid=$!; wait'\n",
    );
    ok(&t, "sd-4", &["start", "helper"]);
    let sleeper = pids_with(&t, "sd-4", "sleep 1003");
    assert_eq!(sleeper.len(), 1);
    assert_eq!(
        main_pid(&t, "sd-4", "helper"),
        sleeper[0],
        "MAINPID= was taken"
    );

    // Never ready: the start times out.
    write(
        &t,
        "sd-4",
        "/etc/systemd/system/silent.service",
        "[Service]\nType=notify\nTimeoutStartSec=1\nExecStart=/bin/sleep 1004\n",
    );
    let start = systemctl(&t, "sd-4", &["start", "silent"]);
    assert_eq!(start.status.code(), Some(1), "{}", text(&start));
    assert!(
        stderr(&start).contains("because a timeout was exceeded"),
        "{}",
        text(&start)
    );
    assert!(
        pids_with(&t, "sd-4", "sleep 1004").is_empty(),
        "a timed-out start is stopped"
    );
    assert_eq!(prop(&t, "sd-4", "silent", "Result"), "timeout");
}

#[test]
fn restart_on_failure_brings_a_service_back_after_kill_9() {
    let Some(_lock) = machines_test("systemd-restart") else {
        return;
    };
    let t = TestFleet::with_machines("sd-restart", &["sd-5"]);
    write(
        &t,
        "sd-5",
        "/etc/systemd/system/phoenix.service",
        "[Service]\nExecStart=/bin/sleep 1005\nRestart=on-failure\nRestartSec=200ms\n",
    );
    ok(&t, "sd-5", &["start", "phoenix"]);
    let first = main_pid(&t, "sd-5", "phoenix");
    t.sh_ok("sd-5", &format!("kill -9 {first}"));
    let mut second = 0;
    assert!(
        wait_until(PATIENCE, || {
            second = main_pid(&t, "sd-5", "phoenix");
            second != 0 && second != first && prop(&t, "sd-5", "phoenix", "ActiveState") == "active"
        }),
        "phoenix never came back"
    );
    assert_eq!(prop(&t, "sd-5", "phoenix", "NRestarts"), "1");
    let journal = stdout(&t.run("sd-5", "journalctl", &["-u", "phoenix", "--no-pager"]));
    assert!(
        journal.contains("Main process exited, code=killed, status=9/KILL"),
        "{journal}"
    );
    assert!(
        journal.contains("Scheduled restart job, restart counter is at 1."),
        "{journal}"
    );

    // A clean exit is not a failure; a stopped service stays stopped.
    ok(&t, "sd-5", &["stop", "phoenix"]);
    assert_eq!(prop(&t, "sd-5", "phoenix", "ActiveState"), "inactive");
    assert!(pids_with(&t, "sd-5", "sleep 1005").is_empty());
}

#[test]
fn limits_user_group_umask_and_environment_are_applied() {
    let Some(_lock) = machines_test("systemd-exec-env") else {
        return;
    };
    let t = TestFleet::with_machines("sd-env", &["sd-6"]);
    let mut host = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: valid out pointer; the machine's init inherits this process's limits.
    assert_eq!(
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut host) },
        0
    );
    let hard = host.rlim_max;
    write(
        &t,
        "sd-6",
        "/etc/default/envtest",
        "FROM_FILE=yes\nWHO=file\n",
    );
    write(
        &t,
        "sd-6",
        "/etc/systemd/system/limited.service",
        "[Service]\nUser=nobody\nGroup=nogroup\nUMask=0027\nLimitNOFILE=256:512\n\
         Environment=\"GREETING=hello world\" WHO=unit\nEnvironmentFile=/etc/default/envtest\n\
         EnvironmentFile=-/etc/default/missing\nWorkingDirectory=/tmp\nRuntimeDirectory=limited\n\
         ExecStart=/bin/sleep 1006\n",
    );
    ok(&t, "sd-6", &["start", "limited"]);
    let pid = main_pid(&t, "sd-6", "limited");
    let limits = t.sh_ok("sd-6", &format!("grep 'Max open files' /proc/{pid}/limits"));
    let fields: Vec<&str> = limits.split_whitespace().collect();
    assert_eq!(&fields[3..5], ["256", "512"], "{limits}");
    let status = t.sh_ok("sd-6", &format!("cat /proc/{pid}/status"));
    assert!(status.contains("Uid:\t65534\t65534"), "{status}");
    assert!(status.contains("Gid:\t65534\t65534"), "{status}");
    assert!(status.contains("Umask:\t0027"), "{status}");
    let environ = t.sh_ok("sd-6", &format!("tr '\\0' '\\n' < /proc/{pid}/environ"));
    for want in [
        "GREETING=hello world",
        "FROM_FILE=yes",
        "WHO=file",
        "USER=nobody",
        "INVOCATION_ID=",
    ] {
        assert!(
            environ.lines().any(|l| l.starts_with(want)),
            "{want} in {environ}"
        );
    }
    assert_eq!(
        t.sh_ok("sd-6", &format!("readlink /proc/{pid}/cwd")),
        "/tmp\n"
    );
    assert_eq!(t.sh_ok("sd-6", "stat -c %U /run/limited"), "nobody\n");
    ok(&t, "sd-6", &["stop", "limited"]);
    assert!(
        !t.sh("sd-6", "test -e /run/limited").status.success(),
        "RuntimeDirectory removed"
    );

    // Above the host's hard limit: clamped, with one line in the journal.
    if hard != libc::RLIM_INFINITY {
        let want = hard + 1;
        write(
            &t,
            "sd-6",
            "/etc/systemd/system/greedy.service",
            &format!("[Service]\nLimitNOFILE={want}\nExecStart=/bin/sleep 1007\n"),
        );
        ok(&t, "sd-6", &["start", "greedy"]);
        let pid = main_pid(&t, "sd-6", "greedy");
        let limits = t.sh_ok("sd-6", &format!("grep 'Max open files' /proc/{pid}/limits"));
        let fields: Vec<&str> = limits.split_whitespace().collect();
        assert_eq!(
            &fields[3..5],
            [hard.to_string(), hard.to_string()],
            "{limits}"
        );
        let journal = stdout(&t.run("sd-6", "journalctl", &["-u", "greedy"]));
        assert!(
            journal.contains(&format!(
                "greedy.service: LimitNOFILE={want} is above this host's hard limit {hard}; using {hard}."
            )),
            "{journal}"
        );
    }
}

#[test]
fn a_drop_in_overrides_and_an_unsupported_directive_is_logged_once() {
    let Some(_lock) = machines_test("systemd-drop-in") else {
        return;
    };
    let t = TestFleet::with_machines("sd-dropin", &["sd-7"]);
    write(
        &t,
        "sd-7",
        "/lib/systemd/system/layered.service",
        "[Service]\nEnvironment=WHO=package\nProtectSystem=full\n\
         ExecStart=/bin/sh -c 'echo \"who=$WHO\"; exec sleep 1008'\n",
    );
    write(
        &t,
        "sd-7",
        "/etc/systemd/system/layered.service.d/override.conf",
        "[Service]\nEnvironment=WHO=admin\nExecStart=\n\
         ExecStart=/bin/sh -c 'echo \"who=$WHO from drop-in\"; exec sleep 1009'\n",
    );
    ok(&t, "sd-7", &["start", "layered"]);
    assert_eq!(
        pids_with(&t, "sd-7", "sleep 1009").len(),
        1,
        "the drop-in's ExecStart runs"
    );
    assert!(pids_with(&t, "sd-7", "sleep 1008").is_empty());
    ok(&t, "sd-7", &["restart", "layered"]);
    ok(&t, "sd-7", &["daemon-reload"]);
    ok(&t, "sd-7", &["restart", "layered"]);
    let journal = stdout(&t.run(
        "sd-7",
        "journalctl",
        &["-u", "layered.service", "--no-pager"],
    ));
    assert!(journal.contains("who=admin from drop-in\n"), "{journal}");
    let mentions: Vec<&str> = journal
        .lines()
        .filter(|l| l.contains("ProtectSystem"))
        .collect();
    assert_eq!(mentions.len(), 1, "{journal}");
    assert!(
        mentions[0].contains("/lib/systemd/system/layered.service:3: Unsupported key 'ProtectSystem' in section 'Service'"),
        "{journal}"
    );
    let status = stdout(&systemctl(&t, "sd-7", &["status", "layered"]));
    assert!(
        status.contains(
            "Drop-In: /etc/systemd/system/layered.service.d\n             └─override.conf"
        ),
        "{status}"
    );
}

#[test]
fn enable_mask_and_the_debian_tools_reach_the_manager() {
    let Some(_lock) = machines_test("systemd-debian") else {
        return;
    };
    let t = TestFleet::with_machines("sd-debian", &["sd-8"]);
    assert!(
        !t.sh("sd-8", "test -e /usr/sbin/policy-rc.d")
            .status
            .success(),
        "machines do not inherit the host's policy-rc.d"
    );
    assert!(t.sh("sd-8", "test -d /run/systemd/system").status.success());
    write(
        &t,
        "sd-8",
        "/lib/systemd/system/pkgd.service",
        "[Unit]\nDescription=Packaged daemon\n[Service]\nExecStart=/bin/sleep 1010\n\
         [Install]\nWantedBy=multi-user.target\n",
    );
    let enabled = systemctl(&t, "sd-8", &["is-enabled", "pkgd"]);
    assert_eq!(
        (enabled.status.code(), stdout(&enabled)),
        (Some(1), "disabled\n".into())
    );
    // A disabled unit is not started by deb-systemd-invoke or invoke-rc.d, as on Debian.
    let invoke = t.run("sd-8", "deb-systemd-invoke", &["start", "pkgd.service"]);
    assert!(invoke.status.success(), "{}", text(&invoke));
    assert_eq!(
        stderr(&invoke),
        "pkgd.service is a disabled or a static unit, not starting it.\n"
    );
    assert!(t
        .run("sd-8", "invoke-rc.d", &["pkgd", "start"])
        .status
        .success());
    assert_eq!(prop(&t, "sd-8", "pkgd", "ActiveState"), "inactive");

    let enable = systemctl(&t, "sd-8", &["enable", "pkgd"]);
    assert!(enable.status.success(), "{}", text(&enable));
    assert_eq!(
        stderr(&enable),
        "Created symlink /etc/systemd/system/multi-user.target.wants/pkgd.service → /lib/systemd/system/pkgd.service.\n"
    );
    assert_eq!(ok(&t, "sd-8", &["is-enabled", "pkgd"]), "enabled\n");
    let invoke = t.run("sd-8", "deb-systemd-invoke", &["start", "pkgd.service"]);
    assert!(invoke.status.success(), "{}", text(&invoke));
    assert_eq!(ok(&t, "sd-8", &["is-active", "pkgd"]), "active\n");

    let stop = t.run("sd-8", "invoke-rc.d", &["pkgd", "stop"]);
    assert!(stop.status.success(), "{}", text(&stop));
    assert_eq!(prop(&t, "sd-8", "pkgd", "ActiveState"), "inactive");
    let start = t.run("sd-8", "service", &["pkgd", "start"]);
    assert!(start.status.success(), "{}", text(&start));
    assert_eq!(ok(&t, "sd-8", &["is-active", "pkgd"]), "active\n");
    let status = t.run("sd-8", "service", &["pkgd", "status"]);
    assert_eq!(status.status.code(), Some(0), "{}", text(&status));
    assert!(stdout(&status).contains("pkgd.service - Packaged daemon"));
    assert!(t.run("sd-8", "service", &["pkgd", "stop"]).status.success());
    assert!(pids_with(&t, "sd-8", "sleep 1010").is_empty());

    // A policy-rc.d put in the machine is obeyed.
    write(&t, "sd-8", "/usr/sbin/policy-rc.d", "#!/bin/sh\nexit 101\n");
    t.sh_ok("sd-8", "chmod +x /usr/sbin/policy-rc.d");
    let denied = t.run("sd-8", "invoke-rc.d", &["pkgd", "start"]);
    assert!(denied.status.success(), "{}", text(&denied));
    assert_eq!(
        stderr(&denied),
        "invoke-rc.d: policy-rc.d denied execution of start.\n"
    );
    assert_eq!(prop(&t, "sd-8", "pkgd", "ActiveState"), "inactive");
    t.sh_ok("sd-8", "rm /usr/sbin/policy-rc.d");

    let disable = systemctl(&t, "sd-8", &["disable", "pkgd"]);
    assert_eq!(
        stderr(&disable),
        "Removed \"/etc/systemd/system/multi-user.target.wants/pkgd.service\".\n"
    );
    let mask = systemctl(&t, "sd-8", &["mask", "pkgd"]);
    assert_eq!(
        stderr(&mask),
        "Created symlink /etc/systemd/system/pkgd.service → /dev/null.\n"
    );
    let start = systemctl(&t, "sd-8", &["start", "pkgd"]);
    assert_eq!(start.status.code(), Some(1), "{}", text(&start));
    assert_eq!(
        stderr(&start),
        "Failed to start pkgd.service: Unit pkgd.service is masked.\n"
    );
    assert_eq!(
        stdout(&systemctl(&t, "sd-8", &["is-enabled", "pkgd"])),
        "masked\n"
    );
    ok(&t, "sd-8", &["unmask", "pkgd"]);
    ok(&t, "sd-8", &["start", "pkgd"]);
    let listed = ok(&t, "sd-8", &["list-units", "--type=service"]);
    assert!(
        listed.contains("pkgd.service") && listed.contains("Packaged daemon"),
        "{listed}"
    );
}

#[test]
fn journalctl_shows_a_units_output_and_dependencies_start_first() {
    let Some(_lock) = machines_test("systemd-journal") else {
        return;
    };
    let t = TestFleet::with_machines("sd-journal", &["sd-9"]);
    write(
        &t,
        "sd-9",
        "/etc/systemd/system/base.service",
        "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/sh -c 'echo base-ran; touch /run/base'\n",
    );
    write(
        &t,
        "sd-9",
        "/etc/systemd/system/app.service",
        "[Unit]\nRequires=base.service\nWants=optional-missing.service network.target\nAfter=base.service\n\
         [Service]\nExecStartPre=/usr/bin/test -e /run/base\n\
         ExecStart=/bin/sh -c 'echo line-one; echo line-two >&2; exec sleep 1011'\n",
    );
    ok(&t, "sd-9", &["start", "app"]);
    assert_eq!(ok(&t, "sd-9", &["is-active", "base"]), "active\n");
    assert!(
        wait_until(PATIENCE, || stdout(&t.run(
            "sd-9",
            "journalctl",
            &["-u", "app", "--no-pager"]
        ))
        .contains("line-two")),
        "the unit's output never reached its journal"
    );
    let journal = stdout(&t.run("sd-9", "journalctl", &["-u", "app", "--no-pager"]));
    assert!(journal.contains("line-one\n"), "{journal}");
    let last = stdout(&t.run(
        "sd-9",
        "journalctl",
        &["--no-pager", "-n", "1", "-u", "base.service"],
    ));
    assert_eq!(last.lines().count(), 1, "{last}");
    let base = stdout(&t.run("sd-9", "journalctl", &["-u", "base"]));
    assert!(base.contains("base-ran\n"), "{base}");
    let none = stdout(&t.run("sd-9", "journalctl", &["-u", "never-ran"]));
    assert_eq!(none, "-- No entries --\n");
}

#[test]
fn a_socket_unit_listens_and_passes_its_socket_to_its_service() {
    let Some(_lock) = machines_test("systemd-socket") else {
        return;
    };
    let t = TestFleet::with_machines("sd-socket", &["sd-10"]);
    write(
        &t,
        "sd-10",
        "/etc/systemd/system/greeter.socket",
        "[Socket]\nListenStream=/run/greeter.sock\n",
    );
    // The service answers on the socket it was given, as Debian's epmd does with
    // `epmd -systemd`, and checks what sd_listen_fds() checks.
    write(
        &t,
        "sd-10",
        "/etc/systemd/system/greeter.service",
        "[Unit]\nRequires=greeter.socket\n[Service]\nUser=nobody\n\
         ExecStart=/usr/bin/python3 -c \"import os,socket; assert os.environ['LISTEN_PID'] == str(os.getpid()), 'LISTEN_PID'; assert os.environ['LISTEN_FDS'] == '1'; s = socket.socket(fileno=3); c, _ = s.accept(); c.sendall(b'hello ' + os.environ['LISTEN_FDNAMES'].encode()); c.close(); import time; time.sleep(1000)\"\n",
    );
    ok(&t, "sd-10", &["start", "greeter.socket"]);
    assert_eq!(prop(&t, "sd-10", "greeter.socket", "SubState"), "listening");
    assert_eq!(
        ok(&t, "sd-10", &["is-active", "greeter.service"]),
        "active\n"
    );
    let answer = t.sh_ok(
        "sd-10",
        "/usr/bin/python3 -c \"import socket; s = socket.socket(socket.AF_UNIX); s.connect('/run/greeter.sock'); print(s.recv(100).decode())\"",
    );
    assert_eq!(answer, "hello greeter.socket\n");
    // Stopping the service leaves the socket listening; stopping the socket removes it.
    ok(&t, "sd-10", &["stop", "greeter.service"]);
    assert_eq!(prop(&t, "sd-10", "greeter.socket", "ActiveState"), "active");
    ok(&t, "sd-10", &["stop", "greeter.socket"]);
    assert!(!t.sh("sd-10", "test -e /run/greeter.sock").status.success());
}
