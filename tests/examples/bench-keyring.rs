//! Benchmark of the OS keyring calls, printing figures; not a test. Needs an unlocked Secret
//! Service; headless, from the workspace root:
//!
//! ```sh
//! dbus-run-session -- sh -c 'printf pw | HOME=$(mktemp -d) gnome-keyring-daemon --unlock \
//!   --components=secrets --daemonize >/dev/null; \
//!   cargo run --profile bench -p bailiwick-tests --example bench-keyring -- 500'
//! ```
//!
//! It stores, reads and deletes N secrets the way Bailiwick does (one kept connection,
//! `bailiwick_core::auth::secret_service`), then the way the `keyring` crate does on its own (a
//! connection and an encrypted session for every call, two for a write), and prints the time of
//! one round of each.

use std::time::{Duration, Instant};

use bailiwick_core::auth::KeyringSecret;
use keyring::secret_service::SsCredential;

type Failure = Box<dyn std::error::Error>;

fn main() -> Result<(), Failure> {
    let rounds: u32 = std::env::args().nth(1).map(|a| a.parse()).transpose()?.unwrap_or(500);
    let run = std::process::id();

    let kept = timed(rounds, |i| {
        let secret = KeyringSecret::new("bailiwick-bench", &format!("kept-{run}-{i}"), "the sign-in")?;
        secret.set("value")?;
        assert_eq!(secret.get()?.as_deref(), Some("value"));
        secret.delete()?;
        Ok(())
    })?;
    let per_call = timed(rounds, |i| {
        let entry = keyring::Entry::new_with_credential(Box::new(SsCredential::new_with_target(
            None,
            "bailiwick-bench",
            &format!("per-call-{run}-{i}"),
        )?));
        entry.set_password("value")?;
        assert_eq!(entry.get_password()?, "value");
        entry.delete_credential()?;
        Ok(())
    })?;

    println!("store, read and delete one secret ({rounds} rounds each):");
    println!("  one kept connection (Bailiwick)     {:>7.2} ms", millis(kept / rounds));
    println!("  a connection per call (keyring)     {:>7.2} ms", millis(per_call / rounds));
    Ok(())
}

fn timed(rounds: u32, mut round: impl FnMut(u32) -> Result<(), Failure>) -> Result<Duration, Failure> {
    let start = Instant::now();
    for i in 0..rounds {
        round(i)?;
    }
    Ok(start.elapsed())
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
