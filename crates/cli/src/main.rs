//! `bailiwick`: every capability of the desktop app, headless (DESIGN.md, "The headless contract").
//!
//! Each subcommand is a few lines over one `bailiwick_core::Workspace` method. `--json` prints
//! machine-readable output on stdout; messages go to stderr. Exit codes: 0 done, 1 failure,
//! 2 usage, 3 sign-in needed, 4 refused by policy, 5 conflict, 6 offline.

mod args;
mod changes;
mod demo;
mod output;
mod reviews;
mod time_arg;

use std::process::ExitCode;
use std::time::Duration;

use bailiwick_core::cache::{AuditQuery, UserQuery, UserType};
use bailiwick_core::{BuPath, Error, Workspace};
use clap::Parser;

use args::{AuditCommand, Cli, Command, UsersCommand};
use output::Output;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let out = Output::new(cli.json);
    match runtime.block_on(run(cli, &out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => out.fail(&e),
    }
}

async fn run(cli: Cli, out: &Output) -> Result<(), Error> {
    let data_dir = args::data_dir(cli.data_dir.as_deref())?;
    let needs_network = cli.command.needs_network() && !cli.offline;
    let opened = demo::open_profile(&cli.profile, &data_dir, needs_network).await?;
    let result = match cli.command {
        // Forgetting must work on a workspace that no longer opens (a lost cache key).
        Command::Forget { discard_queued } => {
            match Workspace::forget_at(opened.profile.clone(), &data_dir, cli.offline, discard_queued).await {
                Ok(()) => {
                    let name = &opened.profile.name;
                    out.message(&format!(
                        "Forgot {name} on this machine: signed out, the cache and its key are deleted."
                    ));
                    out.value(&serde_json::json!({ "forgotten": name }), |_| String::new())
                }
                Err(e) => Err(e),
            }
        }
        command => match Workspace::open(opened.profile.clone(), &data_dir) {
            Ok(workspace) if cli.offline => execute(command, &workspace.offline_only(), out).await,
            Ok(workspace) => execute(command, &workspace, out).await,
            Err(e) => Err(e),
        },
    };
    opened.stop().await;
    result
}

async fn execute(command: Command, ws: &Workspace, out: &Output) -> Result<(), Error> {
    match command {
        Command::Login { timeout } => {
            let admin = ws.sign_in_within(&output::AnnouncingBrowser, Duration::from_secs(timeout)).await?;
            out.message(&format!("Signed in to {} as {}.", ws.profile().name, admin.display_name));
            out.value(&admin, output::admin_text)
        }
        Command::Logout => {
            let end_session = ws.sign_out().await?;
            out.message("Signed out; the refresh token was revoked and removed from the keyring.");
            if let Some(url) = end_session {
                out.message(&format!("To end the provider's browser session too, open: {url}"));
            }
            Ok(())
        }
        // `run` forgets before any workspace is opened.
        Command::Forget { .. } => Err(Error::Usage("forget cannot run on an open workspace".into())),
        Command::Whoami => {
            let status = ws.status()?;
            match output::Whoami::from_status(&status) {
                Some(whoami) => out.value(&whoami, |_| output::status_text(&status)),
                None => {
                    Err(Error::SignInNeeded(format!("not signed in to {}; run `bailiwick login`", status.profile_name)))
                }
            }
        }
        Command::Sync { full } => {
            let options = bailiwick_core::sync::SyncOptions { full, ..Default::default() };
            // Ctrl-C stops the sync before it writes the cache, which then stays as it was.
            let cancel = bailiwick_core::sync::SyncCancel::new();
            let on_interrupt = tokio::spawn({
                let cancel = cancel.clone();
                async move {
                    if tokio::signal::ctrl_c().await.is_ok() {
                        cancel.cancel();
                    }
                }
            });
            let report = ws.sync_cancellable(&options, &mut |p| out.progress(&p), &cancel).await;
            on_interrupt.abort();
            let report = report?;
            out.message(&format!(
                "Synced {} users, {} groups, {} memberships.",
                report.users, report.groups, report.memberships
            ));
            out.value(&report, |_| String::new())
        }
        Command::Users(UsersCommand::List { bu, search, user_type, role, status }) => {
            let query = UserQuery {
                search,
                bu: bu
                    .map(|b| BuPath::parse(&b).ok_or_else(|| usage(format!("--bu {b:?} is not a BU path"))))
                    .transpose()?,
                user_type: user_type
                    .map(|t| {
                        UserType::parse(&t)
                            .ok_or_else(|| usage(format!("--type {t:?}: use employee, partner or service")))
                    })
                    .transpose()?,
                role,
                active: status
                    .map(|s| match s.trim().to_ascii_lowercase().as_str() {
                        "active" => Ok(true),
                        "disabled" => Ok(false),
                        _ => Err(usage(format!("--status {s:?}: use active or disabled"))),
                    })
                    .transpose()?,
                limit: None,
                offset: 0,
            };
            let page = ws.list_users(&query)?;
            out.value(&page.rows, |rows| output::users_text(rows))
        }
        Command::Users(UsersCommand::Show { user }) => match ws.user(&user)? {
            Some(row) => out.value(&row, |r| output::users_text(std::slice::from_ref(r))),
            None => Err(Error::NotFound(format!(
                "no user {user:?} in the cache of {} (run `bailiwick sync`?)",
                ws.profile().name
            ))),
        },
        Command::Users(UsersCommand::Actions { user }) => {
            out.value(&ws.user_actions(&user)?, |actions| output::user_actions_text(&user, actions))
        }
        Command::Users(command) => changes::users(ws, out, command).await,
        Command::Roles(command) => changes::roles(ws, out, command).await,
        Command::Grants(command) => changes::grants(ws, out, command).await,
        Command::Outbox(command) => changes::outbox(ws, out, command).await,
        Command::Conflicts(command) => changes::conflicts(ws, out, command).await,
        Command::Audit(AuditCommand::Server { last }) => match ws.server_audit(last).await? {
            Some(events) => out.value(&events, |events| output::server_audit_text(events)),
            None => Err(Error::NotFound("the directory offers no audit events (no /AuditEvents)".into())),
        },
        Command::Audit(command) => audit(ws, out, command),
        Command::Review(command) => reviews::review(ws, out, command).await,
        Command::Hygiene(command) => changes::hygiene(ws, out, command).await,
    }
}

fn audit(ws: &Workspace, out: &Output, command: AuditCommand) -> Result<(), Error> {
    match command {
        AuditCommand::List { actor, target, action, last } => {
            let query = AuditQuery { since: None, actor, target, action, last };
            out.value(&ws.audit(&query)?, |entries| output::audit_text(entries))
        }
        AuditCommand::Export { format, output: file } => {
            let entries = ws.audit(&AuditQuery::default())?;
            let text = if format == "csv" {
                bailiwick_core::audit::to_csv(&entries)
            } else {
                serde_json::to_string_pretty(&entries)
                    .map_err(|e| Error::Io(std::io::Error::other(format!("cannot print JSON: {e}"))))?
            };
            match file {
                Some(path) => {
                    std::fs::write(&path, text)?;
                    out.message(&format!("Exported {} entries to {}.", entries.len(), path.display()));
                    Ok(())
                }
                None => output::print_raw(&text),
            }
        }
        AuditCommand::Server { .. } => Err(Error::Usage("audit server needs the network".into())),
        AuditCommand::Verify => {
            let verification = ws.verify_audit()?;
            out.message(&format!("The audit log is intact: {} entries, chain verified.", verification.entries));
            out.value(&verification, |_| String::new())
        }
    }
}

fn usage(message: String) -> Error {
    Error::Usage(message)
}

/// Logs go to stderr, quiet unless `RUST_LOG` asks; stdout stays clean for `--json`.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}
