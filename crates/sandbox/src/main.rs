//! `bailiwick-sandbox`: serve the demo IAM on 127.0.0.1 until SIGTERM or Ctrl-C.

use std::path::PathBuf;
use std::process::ExitCode;

use bailiwick_sandbox::{Sandbox, SandboxConfig, SigningAlgorithm};
use clap::Parser;

#[derive(Debug, Parser)]
#[command(name = "bailiwick-sandbox", version, about = "A self-contained OIDC + SCIM 2.0 IAM for demos and tests")]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Synthetic users to add beside the demo organisation.
    #[arg(long, default_value_t = 0)]
    users: usize,
    /// SQLite file holding all state (kept across restarts); in memory without it.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Write a Bailiwick profile describing this sandbox to FILE before announcing readiness.
    #[arg(long, value_name = "FILE")]
    write_profile: Option<PathBuf>,
    /// Print the seeded users (userName, bu, type) as JSON and exit, without serving: the
    /// ground truth that end-to-end tests compare the client's view with.
    #[arg(long)]
    list_users: bool,
    /// The algorithm ID tokens are signed with: ES256 or RS256 (both keys are in the JWKS).
    #[arg(long, value_name = "ALG", default_value = "ES256")]
    id_token_alg: SigningAlgorithm,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    if args.list_users {
        return list_seeded_users(args.users);
    }
    let config = SandboxConfig { port: args.port, data: args.data, synthetic_users: args.users };
    let sandbox = match Sandbox::start(config).await {
        Ok(sandbox) => sandbox,
        Err(e) => {
            eprintln!("bailiwick-sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    sandbox.set_id_token_algorithm(args.id_token_alg);
    if let Some(path) = &args.write_profile {
        if let Err(e) = std::fs::write(path, sandbox.profile_toml("sandbox")) {
            eprintln!("bailiwick-sandbox: cannot write the profile to {}: {e}", path.display());
            sandbox.stop().await;
            return ExitCode::FAILURE;
        }
    }
    let mut signals = Signals::register();
    // The one line on stdout: scripts and tests wait for it before connecting.
    println!("listening on {}", sandbox.issuer());
    while signals.next().await == Signal::RotateKeys {
        if let Err(e) = sandbox.rotate_keys().await {
            tracing::error!(error = %e, "cannot rotate the signing keys");
        }
    }
    sandbox.stop().await;
    ExitCode::SUCCESS
}

fn list_seeded_users(synthetic: usize) -> ExitCode {
    let users: Vec<serde_json::Value> = bailiwick_sandbox::seed::demo_organisation()
        .into_iter()
        .chain((0..synthetic).map(bailiwick_sandbox::seed::synthetic_user))
        .map(|u| serde_json::json!({ "userName": u.user_name, "bu": u.division, "type": u.user_type.as_str() }))
        .collect();
    match serde_json::to_string_pretty(&users) {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bailiwick-sandbox: {e}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Signal {
    Stop,
    /// SIGHUP: rotate the ID-token signing keys, the way daemons reload on HUP.
    RotateKeys,
}

/// Stop and rotation signals, registered before readiness is announced: a SIGTERM sent right
/// after the `listening on` line must stop the server cleanly, not kill it with the default
/// action, and a SIGHUP must rotate keys rather than end the process.
struct Signals {
    #[cfg(unix)]
    streams: Option<[tokio::signal::unix::Signal; 3]>,
}

impl Signals {
    fn register() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let streams = (|| {
                Ok::<_, std::io::Error>([
                    signal(SignalKind::terminate())?,
                    signal(SignalKind::interrupt())?,
                    signal(SignalKind::hangup())?,
                ])
            })();
            Self { streams: streams.ok() }
        }
        #[cfg(not(unix))]
        {
            Self {}
        }
    }

    async fn next(&mut self) -> Signal {
        #[cfg(unix)]
        if let Some([term, int, hup]) = self.streams.as_mut() {
            return tokio::select! {
                _ = term.recv() => Signal::Stop,
                _ = int.recv() => Signal::Stop,
                _ = hup.recv() => Signal::RotateKeys,
            };
        }
        let _ = tokio::signal::ctrl_c().await;
        Signal::Stop
    }
}
