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

/// The JWKS over a raw HTTP/1.1 request (this test has no async runtime).
fn jwks_key_count(issuer: &str) -> usize {
    use std::io::{Read, Write};
    let address = issuer.strip_prefix("http://").expect("an http issuer");
    let mut stream = std::net::TcpStream::connect(address).expect("connects");
    write!(stream, "GET /jwks HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").expect("request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    let body = response.split_once("\r\n\r\n").expect("headers end").1;
    let jwks: serde_json::Value = serde_json::from_str(body).expect("JWKS json");
    jwks["keys"].as_array().map_or(0, Vec::len)
}

#[test]
fn sighup_rotates_the_signing_keys_without_stopping() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bailiwick-sandbox"))
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("a readiness line");
    let issuer = line.trim().strip_prefix("listening on ").expect("the line is `listening on URL`").to_owned();
    assert_eq!(jwks_key_count(&issuer), 2, "one ES256 and one RS256 key before any rotation");

    let status = Command::new("kill").args(["-HUP", &child.id().to_string()]).status().expect("kill runs");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    while jwks_key_count(&issuer) != 4 {
        assert!(child.try_wait().unwrap().is_none(), "SIGHUP must not stop the sandbox");
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("SIGHUP did not rotate the keys within 20 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
}
