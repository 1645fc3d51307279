//! Named-unit control through systemctl, against stand-in systemctl and journalctl.

use layer_base::service::{Systemctl, UnitError};
use test_support::{tmp, write_executable};

fn stand_ins(name: &str, systemctl: &str) -> (std::path::PathBuf, Systemctl) {
    let dir = tmp!(name);
    write_executable(
        dir.join("systemctl"),
        &format!(
            "#!/bin/sh\necho \"$@\" >> {}/calls\n{systemctl}\n",
            dir.display()
        ),
    );
    write_executable(
        dir.join("journalctl"),
        &format!(
            "#!/bin/sh\necho \"$@\" >> {}/calls\nprintf 'line 1\\nrabbitmq: bad config\\n'\n",
            dir.display()
        ),
    );
    let tools = Systemctl {
        systemctl: dir.join("systemctl").display().to_string(),
        journalctl: dir.join("journalctl").display().to_string(),
    };
    (dir, tools)
}

#[test]
fn a_failed_start_carries_the_unit_s_last_log_lines() {
    let (dir, tools) = stand_ins(
        "unit-start-fails",
        "echo 'Job for rabbitmq-server.service failed.' >&2; exit 1",
    );
    let e = tools
        .control("start", "rabbitmq-server")
        .expect_err("start fails");
    assert!(matches!(e, UnitError::Failed { .. }));
    assert_eq!(
        e.to_string(),
        "systemctl start rabbitmq-server failed (exit status: 1): Job for rabbitmq-server.service failed.\n\
         last log lines of rabbitmq-server:\nline 1\nrabbitmq: bad config"
    );
    let calls = std::fs::read_to_string(dir.join("calls")).unwrap_or_default();
    assert_eq!(
        calls,
        "start rabbitmq-server\n-u rabbitmq-server -n 20 --no-pager\n"
    );
}

#[test]
fn every_verb_is_one_systemctl_call_and_stop_reads_no_log() {
    let (dir, tools) = stand_ins("unit-verbs", "exit 0");
    for verb in ["start", "stop", "restart", "reload", "enable", "disable"] {
        tools.control(verb, "memcached").expect(verb);
    }
    assert!(tools.is_active("memcached").expect("is-active"));
    let calls = std::fs::read_to_string(dir.join("calls")).unwrap_or_default();
    assert_eq!(
        calls,
        "start memcached\nstop memcached\nrestart memcached\nreload memcached\nenable memcached\ndisable memcached\nis-active --quiet memcached\n"
    );
    let (_, failing) = stand_ins("unit-stop-fails", "exit 5");
    let e = failing
        .control("stop", "memcached")
        .expect_err("stop fails");
    assert_eq!(
        e.to_string(),
        "systemctl stop memcached failed (exit status: 5)"
    );
    assert!(!failing.is_active("memcached").expect("is-active"));
}

#[test]
fn unit_names_that_look_like_options_are_refused() {
    let e = layer_base::service::start("--now").expect_err("refused");
    assert!(matches!(e, UnitError::BadName { .. }), "{e:?}");
}
