//! The `bailiwick-sandbox` binary: readiness line, profile file, SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn binary_writes_the_profile_announces_readiness_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("sandbox.toml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_bailiwick-sandbox"))
        .args(["--port", "0", "--users", "100", "--data"])
        .arg(dir.path().join("iam.sqlite"))
        .arg("--write-profile")
        .arg(&profile)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("a readiness line");
    let issuer = line.trim().strip_prefix("listening on ").expect("the line is `listening on URL`").to_owned();
    assert!(issuer.starts_with("http://127.0.0.1:"), "{issuer}");

    let text = std::fs::read_to_string(&profile).expect("the profile exists once the line is printed");
    let parsed: toml::Value = toml::from_str(&text).expect("the profile is TOML");
    assert_eq!(parsed["oidc"]["issuer"].as_str(), Some(issuer.as_str()));
    assert_eq!(parsed["oidc"]["client_id"].as_str(), Some("bailiwick-desktop"));
    assert_eq!(parsed["scim"]["base_url"].as_str(), Some(format!("{issuer}/scim/v2").as_str()));

    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(exit) = child.try_wait().unwrap() {
            assert!(exit.success(), "SIGTERM is a clean stop: {exit:?}");
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the sandbox did not stop within 10 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
