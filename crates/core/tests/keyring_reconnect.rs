//! The process keeps one Secret Service connection (src/auth/secret_service.rs). When the
//! keyring daemon goes away and another takes its place, the kept connection's session is gone:
//! the next call must still work, on a new connection.
//!
//! The test runs its own D-Bus bus and gnome-keyring, so that killing the daemon touches no other
//! test. The bus has no service files, so nothing is started behind the test's back (a session
//! bus would start a locked gnome-keyring of its own).
#![cfg(target_os = "linux")]

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bailiwick_core::auth::KeyringSecret;

const PASSWORD: &str = "reconnect-test";

const BUS_CONFIG: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=DIR</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#;

/// Kills and reaps the child when the test ends, whichever way it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_bus(dir: &Path) -> (Running, String) {
    let config = dir.join("bus.conf");
    std::fs::write(&config, BUS_CONFIG.replace("DIR", &dir.display().to_string())).expect("write the bus config");
    let mut bus = Command::new("dbus-daemon")
        .arg(format!("--config-file={}", config.display()))
        .args(["--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon starts (package dbus)");
    let mut address = String::new();
    let mut stdout = std::io::BufReader::new(bus.stdout.take().expect("the bus's stdout"));
    std::io::BufRead::read_line(&mut stdout, &mut address).expect("the bus prints its address");
    (Running(bus), address.trim().to_owned())
}

/// gnome-keyring on the test's bus, its login keyring under `home`, unlocked with [`PASSWORD`];
/// returns once it owns the Secret Service's name.
fn start_keyring(home: &Path, address: &str) -> Running {
    let mut daemon = Command::new("gnome-keyring-daemon")
        .args(["--unlock", "--components=secrets", "--foreground"])
        .env("HOME", home)
        .env("DBUS_SESSION_BUS_ADDRESS", address)
        .env_remove("GNOME_KEYRING_CONTROL")
        .env_remove("XDG_RUNTIME_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("gnome-keyring-daemon starts (package gnome-keyring)");
    let mut stdin = daemon.stdin.take().expect("the daemon's stdin");
    stdin.write_all(PASSWORD.as_bytes()).expect("the password reaches the daemon");
    drop(stdin);
    let daemon = Running(daemon);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !secret_service_is_owned(address) {
        assert!(Instant::now() < deadline, "gnome-keyring did not take the Secret Service's name within 10 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    daemon
}

/// Asks the bus itself, so the process's own Secret Service connection is left alone.
fn secret_service_is_owned(address: &str) -> bool {
    let reply = Command::new("dbus-send")
        .args([
            &format!("--bus={address}"),
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            "string:org.freedesktop.secrets",
        ])
        .output()
        .expect("dbus-send runs (package dbus-bin)");
    String::from_utf8_lossy(&reply.stdout).contains("boolean true")
}

#[test]
fn a_restarted_keyring_daemon_is_reached_on_a_new_connection() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (_bus, address) = start_bus(dir.path());
    // This process talks to the test's bus only: the connection is opened by the first call.
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &address);

    let mut keyring = start_keyring(dir.path(), &address);
    let secret = KeyringSecret::new("bailiwick-reconnect-test", "admin@example", "the sign-in")
        .expect("the Secret Service is chosen and answers");
    assert_eq!(secret.backend(), bailiwick_core::auth::KeyringBackend::SecretService);
    secret.set("kept-across-restarts").expect("store");
    assert_eq!(secret.get().expect("read").as_deref(), Some("kept-across-restarts"));

    // The daemon dies (as gnome-keyring does under some loads) and a new one starts, unlocking
    // the same login keyring.
    keyring.0.kill().expect("kill the keyring daemon");
    keyring.0.wait().expect("reap it");
    let _keyring = start_keyring(dir.path(), &address);

    assert_eq!(
        secret.get().expect("the read after the restart works, on a new connection").as_deref(),
        Some("kept-across-restarts"),
        "the stored secret is read from the new daemon"
    );
    secret.set("rotated").expect("a write after the restart works too");
    assert_eq!(secret.get().expect("read").as_deref(), Some("rotated"));
    secret.delete().expect("delete");
    assert_eq!(secret.get().expect("read after delete"), None);
}
