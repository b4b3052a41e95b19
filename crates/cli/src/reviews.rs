//! `bailiwick review …`: access reviews of the cached assignments and grants.

use bailiwick_core::review::{self, Decision, Hint};
use bailiwick_core::{BuPath, Error, Workspace};
use chrono::Utc;

use crate::args::ReviewCommand;
use crate::output::{self, Output};
use crate::time_arg::parse_time;

pub async fn review(ws: &Workspace, out: &Output, command: ReviewCommand) -> Result<(), Error> {
    match command {
        ReviewCommand::Start { bu } => {
            let bu = bu
                .map(|b| BuPath::parse(&b).ok_or_else(|| Error::Usage(format!("--bu {b:?} is not a BU path"))))
                .transpose()?;
            let (review, items) = ws.start_review(bu)?;
            out.message(&format!(
                "Review {} of {} started: {} items. Decide with `bailiwick review decide ITEM keep|revoke`.",
                review.id,
                review.bu.as_deref().unwrap_or("your whole scope"),
                items.len()
            ));
            out.value(&items, |items| output::review_text(items))
        }
        ReviewCommand::List { undecided, hint } => {
            let hint = hint
                .map(|h| Hint::parse(&h).ok_or_else(|| Error::Usage(format!("--hint {h:?}: unknown hint"))))
                .transpose()?;
            let Some((review, items)) = ws.review()? else {
                return Err(Error::Usage("no review yet: start one with `bailiwick review start`".into()));
            };
            let decided = items.iter().filter(|i| i.decision.is_some()).count();
            out.message(&format!(
                "Review {} ({}): {decided} of {} items decided.",
                review.id,
                if review.open { "open" } else { "submitted" },
                items.len()
            ));
            let shown: Vec<_> = items
                .into_iter()
                .filter(|i| !undecided || i.decision.is_none())
                .filter(|i| hint.is_none_or(|h| i.hints.contains(&h)))
                .collect();
            out.value(&shown, |items| output::review_text(items))
        }
        ReviewCommand::Decide { item, decision, note, until } => {
            let decision = Decision::parse(&decision)
                .ok_or_else(|| Error::Usage(format!("{decision:?}: keep, revoke or shorten")))?;
            let until = until
                .map(|u| parse_time(&u, Utc::now()).map_err(|e| Error::Usage(format!("--until: {e}"))))
                .transpose()?;
            let decided = ws.decide_review(&item, decision, until, note.as_deref())?;
            out.message(&format!("Decided {} items: {}.", decided.len(), decision.as_str()));
            out.value(&decided, |items| output::review_text(items))
        }
        ReviewCommand::Submit => {
            let submission = ws.submit_review().await?;
            out.message(&format!(
                "Review {} submitted: {} kept, {} changes queued, {} refused, {} undecided.",
                submission.review, submission.kept, submission.queued, submission.refused, submission.undecided
            ));
            match &submission.push {
                Some(push) => out.message(&format!(
                    "Sent: {} applied, {} failed, {} conflicts (see `bailiwick conflicts list`), {} still queued.",
                    push.applied, push.failed, push.conflicts, push.remaining
                )),
                None => out.message("Offline: the changes are queued; `bailiwick outbox push` sends them."),
            }
            out.value(&submission, |_| String::new())
        }
        ReviewCommand::Report { format, output: file } => {
            let report = ws.review_report()?;
            let text = if format == "csv" {
                review::report_csv(&report)
            } else {
                serde_json::to_string_pretty(&report)
                    .map_err(|e| Error::Io(std::io::Error::other(format!("cannot print JSON: {e}"))))?
            };
            match file {
                Some(path) => {
                    std::fs::write(&path, text)?;
                    out.message(&format!("Wrote the report of review {} to {}.", report.review, path.display()));
                    Ok(())
                }
                None => output::print_raw(&text),
            }
        }
    }
}
