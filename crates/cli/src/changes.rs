//! The commands that change the directory: each records its change in the outbox (checked by
//! policy; a refusal exits with 4 and names its rule), then sends the outbox at once unless
//! offline. A change that cannot be sent now stays queued: that is not a failure, the next
//! `outbox push` (or any later change) sends it.

use bailiwick_core::bulk::ImportReport;
use bailiwick_core::cache::{GrantQuery, OutboxEntry, OutboxState, UserRow};
use bailiwick_core::grant::{Grant, GrantStatus};
use bailiwick_core::operation::{NewUser, UserChanges};
use bailiwick_core::workspace::{GrantRequest, Recorded, SelectionChange};
use bailiwick_core::{BuPath, Error, ErrorCode, Workspace};
use chrono::Utc;
use serde::Serialize;

use crate::args::{ConflictsCommand, GrantsCommand, HygieneCommand, OutboxCommand, RolesCommand, UsersCommand};
use crate::output::{self, Output};
use crate::time_arg::parse_time;

/// What a change command prints: the thing changed (when known) and the outbox entry.
#[derive(Serialize)]
struct Changed<T: Serialize> {
    #[serde(flatten)]
    subject: Option<T>,
    change: OutboxEntry,
}

fn bu(text: &str, flag: &str) -> Result<BuPath, Error> {
    BuPath::parse(text).ok_or_else(|| Error::Usage(format!("{flag} {text:?} is not a BU path (e.g. EMEA/DE)")))
}

fn time(text: &str, flag: &str) -> Result<chrono::DateTime<Utc>, Error> {
    parse_time(text, Utc::now()).map_err(|e| Error::Usage(format!("{flag}: {e}")))
}

/// Sends the outbox after `recorded` was queued and turns the change's outcome into the
/// command's result.
async fn submit(ws: &Workspace, out: &Output, recorded: &Recorded) -> Result<OutboxEntry, Error> {
    let entry = recorded.entry.clone();
    if entry.state == OutboxState::Done {
        return Ok(entry);
    }
    match ws.push().await {
        Ok(_) => {}
        Err(e) if e.code() == ErrorCode::Offline => {
            out.message(&format!(
                "Queued {}: the directory cannot be reached now ({e}). `bailiwick outbox push` sends it.",
                entry.target
            ));
            return Ok(entry);
        }
        Err(e) => {
            out.message(&format!("{} stays queued in the outbox.", entry.target));
            return Err(e);
        }
    }
    let entry = ws.outbox_entry(&entry.id)?.unwrap_or(entry);
    let reason = || entry.last_error.clone().unwrap_or_default();
    match entry.state {
        OutboxState::Done | OutboxState::Cancelled => Ok(entry),
        OutboxState::Queued | OutboxState::Sending => {
            out.message(&format!("Queued {}: not sent yet ({}).", entry.target, reason()));
            Ok(entry)
        }
        OutboxState::Conflict => Err(Error::Conflict(format!(
            "{}: the directory's version changed since your change was made; see `bailiwick conflicts list`",
            entry.target
        ))),
        OutboxState::Failed if entry.rule.is_some() => {
            Err(Error::ServerRefused { action: entry.action.clone(), reason: reason() })
        }
        OutboxState::Failed => Err(Error::ChangeFailed { action: entry.action.clone(), reason: reason() }),
    }
}

fn announce(out: &Output, entry: &OutboxEntry, needs_approval: bool) {
    let verb = match entry.state {
        OutboxState::Done => "Done",
        _ => "Queued",
    };
    out.message(&format!("{verb}: {} {}.", entry.action, entry.target));
    if needs_approval {
        out.message("This grant waits for a second admin with approve-grants (four eyes).");
    }
}

async fn user_change(ws: &Workspace, out: &Output, recorded: Recorded, user: &str) -> Result<(), Error> {
    let change = submit(ws, out, &recorded).await?;
    announce(out, &change, false);
    let subject: Option<UserRow> = ws.user(user)?;
    out.value(&Changed { subject, change }, |c| {
        c.subject.as_ref().map(|u| output::users_text(std::slice::from_ref(u))).unwrap_or_default()
    })
}

pub async fn users(ws: &Workspace, out: &Output, command: UsersCommand) -> Result<(), Error> {
    match command {
        UsersCommand::Create { user_name, bu: b, user_type, given, family, email } => {
            let user_type = bailiwick_core::cache::UserType::parse(&user_type)
                .ok_or_else(|| Error::Usage(format!("--type {user_type:?}: use employee, partner or service")))?;
            let new = NewUser {
                user_name: user_name.trim().to_owned(),
                bu: bu(&b, "--bu")?,
                user_type,
                given_name: given,
                family_name: family,
                email,
            };
            let recorded = ws.create_user(new)?;
            user_change(ws, out, recorded, user_name.trim()).await
        }
        UsersCommand::Edit { user, given, family, display_name, email, bu: b } => {
            let changes = UserChanges {
                given_name: given,
                family_name: family,
                display_name,
                email,
                bu: b.map(|b| bu(&b, "--bu")).transpose()?,
            };
            let recorded = ws.edit_user(&user, changes)?;
            user_change(ws, out, recorded, &user).await
        }
        UsersCommand::Disable { user } => {
            let recorded = ws.set_user_active(&user, false)?;
            user_change(ws, out, recorded, &user).await
        }
        UsersCommand::Enable { user } => {
            let recorded = ws.set_user_active(&user, true)?;
            user_change(ws, out, recorded, &user).await
        }
        UsersCommand::Bulk { users, assign_role, remove_role, disable, enable, dry_run } => {
            let change = match (assign_role, remove_role, disable, enable) {
                (Some(role), None, false, false) => SelectionChange::AssignRole { role },
                (None, Some(role), false, false) => SelectionChange::RemoveRole { role },
                (None, None, true, false) => SelectionChange::SetActive { active: false },
                (None, None, false, true) => SelectionChange::SetActive { active: true },
                _ => {
                    return Err(Error::Usage(
                        "say what to change: one of --assign-role, --remove-role, --disable, --enable".into(),
                    ))
                }
            };
            let report = ws.change_selection(&users, &change, dry_run)?;
            imported(ws, out, report).await
        }
        UsersCommand::Import { file, dry_run } => {
            let text = read_csv(&file)?;
            let report = ws.import_users(&text, dry_run)?;
            imported(ws, out, report).await
        }
        UsersCommand::List { .. } | UsersCommand::Show { .. } | UsersCommand::Actions { .. } => {
            Err(Error::Usage("users list and show are read commands".into()))
        }
    }
}

pub async fn roles(ws: &Workspace, out: &Output, command: RolesCommand) -> Result<(), Error> {
    match command {
        RolesCommand::List => out.value(&ws.roles()?, |roles| output::roles_text(roles)),
        RolesCommand::Assign { user, role } => {
            let recorded = ws.assign_role(&user, &role)?;
            user_change(ws, out, recorded, &user).await
        }
        RolesCommand::Remove { user, role } => {
            let recorded = ws.remove_role(&user, &role)?;
            user_change(ws, out, recorded, &user).await
        }
        RolesCommand::Import { file, dry_run } => {
            let text = read_csv(&file)?;
            let report = ws.import_assignments(&text, dry_run)?;
            imported(ws, out, report).await
        }
    }
}

fn read_csv(path: &std::path::Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| Error::Usage(format!("cannot read {}: {e}", path.display())))
}

/// Reports an import row by row, sends what it queued (unless a dry run or offline), and
/// exits with 4 when policy refused a row, 2 when a row is malformed.
async fn imported(ws: &Workspace, out: &Output, report: ImportReport) -> Result<(), Error> {
    let verb = if report.dry_run { "would be queued" } else { "queued" };
    out.message(&format!(
        "{} rows {verb}, {} skipped (done or queued already), {} refused by policy, {} invalid.",
        report.queued, report.skipped, report.refused, report.invalid
    ));
    out.value(&report.rows, |rows| output::import_text(rows))?;
    out.mark_reported();
    if !report.dry_run && report.queued > 0 {
        match ws.push().await {
            Ok(push) => out.message(&format!(
                "Sent: {} applied, {} failed, {} conflicts, {} still queued.",
                push.applied, push.failed, push.conflicts, push.remaining
            )),
            Err(e) if e.code() == ErrorCode::Offline => {
                out.message("The directory cannot be reached now; `bailiwick outbox push` sends the rows later.")
            }
            Err(e) => return Err(e),
        }
    }
    if let Some(refusal) = report.rows.iter().find_map(|r| r.refusal.clone()) {
        out.message(&format!("{} rows are refused by policy; the first:", report.refused));
        return Err(Error::Refused(refusal));
    }
    if report.invalid > 0 {
        return Err(Error::Usage(format!("{} rows of the import are invalid (see the report)", report.invalid)));
    }
    Ok(())
}

async fn grant_change(ws: &Workspace, out: &Output, recorded: Recorded, grant_id: Option<String>) -> Result<(), Error> {
    let change = submit(ws, out, &recorded).await?;
    announce(out, &change, recorded.needs_approval);
    // The grant's id: known for an existing grant or a ledger grant; the server's answer for a
    // newly issued one.
    let id = grant_id
        .or_else(|| recorded.ledger_grant.as_ref().map(|g| g.id.clone()))
        .or_else(|| change.result.as_ref().and_then(|r| r["id"].as_str()).map(str::to_owned));
    let subject: Option<Grant> = match id {
        Some(id) => ws.grant(&id)?,
        None => None,
    };
    out.value(&Changed { subject, change }, |c| {
        c.subject.as_ref().map(|g| output::grants_text(std::slice::from_ref(g))).unwrap_or_default()
    })
}

pub async fn grants(ws: &Workspace, out: &Output, command: GrantsCommand) -> Result<(), Error> {
    match command {
        GrantsCommand::List { status, expiring_within } => {
            let status = status
                .map(|s| s.parse::<GrantStatus>().map_err(|e| Error::Usage(format!("--status: {e}"))))
                .transpose()?;
            let query = GrantQuery { status, expiring_within_days: expiring_within, user_id: None };
            let mode = ws.grant_mode()?;
            out.message(&format!("Grant mode: {} ({}).", mode.as_str(), mode.explanation()));
            out.value(&ws.grants(&query)?, |g| output::grants_text(g))
        }
        GrantsCommand::Issue { user, role, bu: b, from, until, reason } => {
            let request = GrantRequest {
                user,
                role,
                bu: bu(&b, "--bu")?,
                valid_from: time(&from, "--from")?,
                valid_until: time(&until, "--until")?,
                justification: reason,
            };
            let recorded = ws.issue_grant(request)?;
            grant_change(ws, out, recorded, None).await
        }
        GrantsCommand::Extend { grant, until } => {
            let recorded = ws.extend_grant(&grant, time(&until, "--until")?)?;
            grant_change(ws, out, recorded, Some(grant)).await
        }
        GrantsCommand::Revoke { grant } => {
            let recorded = ws.revoke_grant(&grant)?;
            grant_change(ws, out, recorded, Some(grant)).await
        }
        GrantsCommand::Approve { grant } => {
            let recorded = ws.approve_grant(&grant)?;
            grant_change(ws, out, recorded, Some(grant)).await
        }
        GrantsCommand::Reject { grant } => {
            let recorded = ws.reject_grant(&grant)?;
            grant_change(ws, out, recorded, Some(grant)).await
        }
        GrantsCommand::Sweep => {
            let report = ws.sweep_grants().await?;
            match report.mode {
                Some(bailiwick_core::grant::GrantMode::Server) => {
                    out.message("Server mode: the directory ends grants on time itself; nothing to sweep.")
                }
                _ => out.message(&format!("Swept: {} grants expired, {} started.", report.expired, report.started)),
            }
            out.value(&report, |_| String::new())
        }
        GrantsCommand::Mode => {
            let mode = ws.grant_mode()?;
            let body = serde_json::json!({"mode": mode.as_str(), "explanation": mode.explanation()});
            out.value(&body, |_| format!("{}: {}", mode.as_str(), mode.explanation()))
        }
    }
}

pub async fn outbox(ws: &Workspace, out: &Output, command: OutboxCommand) -> Result<(), Error> {
    match command {
        OutboxCommand::List { all } => {
            let states: &[OutboxState] =
                if all { &[] } else { &[OutboxState::Queued, OutboxState::Sending, OutboxState::Conflict] };
            out.value(&ws.outbox(states)?, |entries| output::outbox_text(entries))
        }
        OutboxCommand::Push => {
            let report = ws.push().await?;
            out.message(&format!(
                "Sent: {} applied, {} failed, {} conflicts, {} still queued.",
                report.applied, report.failed, report.conflicts, report.remaining
            ));
            if let Some(reason) = &report.stopped {
                out.message(&format!("Stopped early: {reason}"));
            }
            out.value(&report, |_| String::new())?;
            if report.conflicts > 0 {
                return Err(Error::Conflict(format!(
                    "{} changes conflict with the directory; see `bailiwick conflicts list`",
                    report.conflicts
                )));
            }
            Ok(())
        }
    }
}

pub async fn conflicts(ws: &Workspace, out: &Output, command: ConflictsCommand) -> Result<(), Error> {
    match command {
        ConflictsCommand::List => out.value(&ws.conflicts(false)?, |c| output::conflicts_text(c)),
        ConflictsCommand::Resolve { id, keep_mine, take_theirs: _ } => {
            ws.resolve_conflict(id, keep_mine)?;
            if keep_mine {
                out.message(&format!("Conflict {id}: your change is queued again on the directory's version."));
                match ws.push().await {
                    Ok(report) => out.value(&report, |_| String::new()),
                    Err(e) if e.code() == ErrorCode::Offline => {
                        out.message("The directory cannot be reached now; `bailiwick outbox push` sends it.");
                        Ok(())
                    }
                    Err(e) => Err(e),
                }
            } else {
                out.message(&format!("Conflict {id}: your change was dropped; the directory's version stays."));
                Ok(())
            }
        }
    }
}

pub async fn hygiene(ws: &Workspace, out: &Output, command: HygieneCommand) -> Result<(), Error> {
    match command {
        HygieneCommand::List { kind } => {
            let kind = kind
                .map(|k| {
                    bailiwick_core::workspace::FindingKind::parse(&k).ok_or_else(|| {
                        Error::Usage(format!("--kind {k:?}: leaver, mover, partner-without-grant or expiring"))
                    })
                })
                .transpose()?;
            let findings: Vec<_> = ws.hygiene()?.into_iter().filter(|f| kind.is_none_or(|k| f.kind == k)).collect();
            out.value(&findings, |f| output::hygiene_text(f))
        }
        HygieneCommand::Fix { id } => {
            let recorded = ws.fix_finding(&id)?;
            out.message(&format!("Fix of {id}: {} changes queued.", recorded.len()));
            let report = match ws.push().await {
                Ok(report) => Some(report),
                Err(e) if e.code() == ErrorCode::Offline => {
                    out.message("The directory cannot be reached now; `bailiwick outbox push` sends the fix.");
                    None
                }
                Err(e) => return Err(e),
            };
            let entries: Vec<OutboxEntry> =
                recorded.iter().filter_map(|id| ws.outbox_entry(id).ok().flatten()).collect();
            out.value(&entries, |e| output::outbox_text(e))?;
            match report {
                Some(r) if r.conflicts > 0 => {
                    out.mark_reported();
                    Err(Error::Conflict(
                        "the fix meets a newer version on the server; see `bailiwick conflicts list`".into(),
                    ))
                }
                Some(r) if r.failed > 0 => {
                    out.mark_reported();
                    Err(Error::ChangeFailed {
                        action: format!("the fix of {id}"),
                        reason: "see `bailiwick outbox list --all`".into(),
                    })
                }
                _ => Ok(()),
            }
        }
    }
}
