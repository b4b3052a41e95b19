//! An independent relying party judges the sandbox's OpenID Provider: npm `openid-client`
//! (an OpenID Certified RP library) drives code + PKCE, userinfo, refresh rotation with reuse
//! detection, revocation and a wrong-verifier refusal against a live sandbox, validating
//! everything itself (issuer, audience, nonce, RFC 9207 `iss`, ID token signature via the JWKS).
//! The script is `tests/peers/openid-client/rp_check.mjs`; it prints one `ok …` line per step.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bailiwick_sandbox::SigningAlgorithm;
use common::*;

/// The step lines `rp_check.mjs` prints; every one must appear, so a step that the script
/// silently stopped running cannot pass unnoticed.
const STEPS: &[&str] = &[
    "ok discovery, code + PKCE S256 + state + nonce, ID token and RFC 9207 iss validated",
    "ok userinfo with the access token carries the admin context",
    "ok refresh rotates the refresh token; reusing the old one revokes the whole grant",
    "ok revoking a refresh token (RFC 7009) ends its refreshes",
    "ok a wrong PKCE code_verifier is refused in the code grant",
];

/// Generous for five sign-ins on loopback (the script takes well under a second), short enough
/// that a hung request fails the test instead of the whole run.
const DEADLINE: Duration = Duration::from_secs(60);

/// What the script printed, once it finished.
struct RpRun {
    success: bool,
    stdout: String,
    stderr: String,
}

/// The peer's directory, once its dependencies are installed; checked before a sandbox starts.
fn installed_peer() -> PathBuf {
    let peer = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/peers/openid-client");
    assert!(
        peer.join("node_modules/openid-client").exists(),
        "{} is missing: install it with `cd tests/peers/openid-client && npm ci --no-audit --no-fund`",
        peer.join("node_modules/openid-client").display()
    );
    peer
}

/// Runs the openid-client check in `peer` against `issuer`, killing it at the deadline.
async fn run_rp_check(peer: &Path, issuer: &str) -> Option<RpRun> {
    // Output goes to files: a pipe nobody reads while waiting could fill and stall the check.
    let stdout_file = tempfile::NamedTempFile::new().expect("temp file");
    let stderr_file = tempfile::NamedTempFile::new().expect("temp file");
    let mut child = std::process::Command::new("node")
        .current_dir(peer)
        .arg("rp_check.mjs")
        .arg(issuer)
        .stdout(stdout_file.reopen().expect("reopen"))
        .stderr(stderr_file.reopen().expect("reopen"))
        .spawn()
        .unwrap_or_else(|e| panic!("`node` (20 or newer) must be on PATH to run the openid-client check: {e}"));
    let deadline = Instant::now() + DEADLINE;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for node") {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let stdout = std::fs::read_to_string(stdout_file.path()).unwrap_or_default();
    let stderr = std::fs::read_to_string(stderr_file.path()).unwrap_or_default();
    match status {
        Some(status) => Some(RpRun { success: status.success(), stdout, stderr }),
        None => {
            eprintln!("openid-client check timed out; its output so far:\n{stdout}\n{stderr}");
            None
        }
    }
}

fn assert_every_step_passed(run: Option<RpRun>, algorithm: &str) {
    let run = run.unwrap_or_else(|| panic!("the openid-client check ({algorithm}) did not finish in {DEADLINE:?}"));
    println!("{}", run.stdout);
    assert!(run.success, "openid-client refused the sandbox ({algorithm}):\n{}\n{}", run.stdout, run.stderr);
    for step in STEPS {
        assert!(
            run.stdout.lines().any(|line| line.starts_with(step)),
            "the step `{step}` must have run and passed ({algorithm}):\n{}",
            run.stdout
        );
    }
    assert!(
        run.stdout.contains(&format!("alg={algorithm}")),
        "the ID token is signed with {algorithm}, which openid-client verified:\n{}",
        run.stdout
    );
}

#[tokio::test]
async fn openid_client_completes_every_flow_with_es256_id_tokens() {
    let peer = installed_peer();
    let sandbox = start().await;
    let run = run_rp_check(&peer, &sandbox.issuer()).await;
    sandbox.stop().await;
    assert_every_step_passed(run, "ES256");
}

/// Entra and Okta sign with RS256; the sandbox offers it too, and a certified RP must accept it.
#[tokio::test]
async fn openid_client_completes_every_flow_with_rs256_id_tokens() {
    let peer = installed_peer();
    let sandbox = start().await;
    sandbox.set_id_token_algorithm(SigningAlgorithm::Rs256);
    let run = run_rp_check(&peer, &sandbox.issuer()).await;
    sandbox.stop().await;
    assert_every_step_passed(run, "RS256");
}
