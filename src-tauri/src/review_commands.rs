//! The commands of access reviews (issue 8). Each is a thin adapter over the core's review
//! functions; only submitting needs the network, and offline it still succeeds with the
//! changes queued. Names are `verb_noun`, the same in ui/src/ipc/commands.ts.

use bailiwick_core::cache::Review;
use bailiwick_core::review::{self, Decision, ReviewItem};
use bailiwick_core::workspace::Submission;
use bailiwick_core::{BuPath, Error};
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::current_workspace::CurrentWorkspace;
use crate::ipc_error::DesktopError;
use crate::off_runtime::run_blocking;

type Result<T> = std::result::Result<T, DesktopError>;

/// A review with its items: the Reviews screen's whole state. The progress (decided / total)
/// is counted by the window from the items, which it shows anyway.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ReviewView {
    pub review: Review,
    pub items: Vec<ReviewItem>,
}

impl From<(Review, Vec<ReviewItem>)> for ReviewView {
    fn from((review, items): (Review, Vec<ReviewItem>)) -> Self {
        ReviewView { review, items }
    }
}

/// The open review, else the last submitted one; `None` before the first review.
#[tauri::command]
pub async fn get_review(current: State<'_, CurrentWorkspace>) -> Result<Option<ReviewView>> {
    let workspace = current.get().await?;
    run_blocking(move || Ok(workspace.review()?.map(ReviewView::from))).await
}

/// Starts a review of `bu`, or of the admin's whole scope when `bu` is absent or blank. Works
/// offline: the items are a snapshot of the cache.
#[tauri::command]
pub async fn start_review(current: State<'_, CurrentWorkspace>, bu: Option<String>) -> Result<ReviewView> {
    let bu = review_scope(bu)?;
    let workspace = current.get().await?;
    run_blocking(move || Ok(workspace.start_review(bu)?.into())).await
}

/// Decides the items `selection` names (`3`, `2,5-7`, `all`) and returns them as saved. The
/// core persists the decision at once, so a restart shows the same progress.
#[tauri::command]
pub async fn decide_review(
    current: State<'_, CurrentWorkspace>,
    selection: String,
    decision: Decision,
    new_until: Option<String>,
    note: Option<String>,
) -> Result<Vec<ReviewItem>> {
    let new_until = new_end(new_until.as_deref())?;
    let note = note_text(note);
    let workspace = current.get().await?;
    run_blocking(move || workspace.decide_review(&selection, decision, new_until, note.as_deref())).await
}

/// Submits the open review: revokes and shortenings go to the outbox and are sent. Offline the
/// submission still succeeds, without a push report; the outbox sends the changes later.
#[tauri::command]
pub async fn submit_review(current: State<'_, CurrentWorkspace>) -> Result<Submission> {
    let workspace = current.get().await?;
    Ok(workspace.submit_review().await?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[ts(rename = "ReviewReportFormat")]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    Csv,
    Json,
}

/// The current review's report as CSV or JSON text; the window offers it as a download (so
/// the webview needs no filesystem access), like the audit export.
#[tauri::command]
pub async fn export_review(current: State<'_, CurrentWorkspace>, format: ReportFormat) -> Result<String> {
    let workspace = current.get().await?;
    let report = run_blocking(move || workspace.review_report()).await?;
    Ok(match format {
        ReportFormat::Csv => review::report_csv(&report),
        ReportFormat::Json => serde_json::to_string_pretty(&report)
            .map_err(|e| DesktopError::Core(Error::Io(std::io::Error::other(e))))?,
    })
}

/// The BU a review covers: blank means the whole scope (the form's "Whole scope" choice).
fn review_scope(bu: Option<String>) -> Result<Option<BuPath>> {
    match bu.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
        None => Ok(None),
        Some(text) => BuPath::parse(text).map(Some).ok_or_else(|| DesktopError::InvalidBu { value: text.to_owned() }),
    }
}

/// A shortened grant's new end (RFC 3339); blank means none, and the core says whether the
/// decision needs one. The type is inferred from where it goes (the core's `DateTime<Utc>`),
/// so the shell needs no date library: serde does the parsing, as for `extend_grant`.
fn new_end<T: serde::de::DeserializeOwned>(text: Option<&str>) -> Result<Option<T>> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(time) => serde_json::from_value(serde_json::Value::String(time.to_owned()))
            .map(Some)
            .map_err(|_| DesktopError::InvalidTime { field: "newUntil", value: time.to_owned() }),
    }
}

/// A note that is only whitespace is no note.
fn note_text(note: Option<String>) -> Option<String> {
    note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn item() -> ReviewItem {
        serde_json::from_value(json!({
            "item": 2, "kind": "grant", "userId": "u-1", "userName": "anna.schmidt", "userBu": "EMEA/DE",
            "role": "Template Designer", "roleId": "g-td", "grantId": "gr-1", "grantBu": "EMEA/DE",
            "validUntil": "2026-12-31T00:00:00Z", "baseVersion": "W/\"3\"", "hints": ["expiring"], "decision": null
        }))
        .expect("a review item as the core serialises it")
    }

    #[test]
    fn a_blank_bu_reviews_the_whole_scope() {
        assert_eq!(review_scope(None).expect("no BU"), None);
        assert_eq!(review_scope(Some("  ".into())).expect("blank"), None, "the form sends '' for the whole scope");
        let bu = review_scope(Some(" EMEA/DE ".into())).expect("a BU").expect("some BU");
        assert_eq!(bu.as_str(), "EMEA/DE");
        assert!(matches!(review_scope(Some("EMEA//DE".into())), Err(DesktopError::InvalidBu { .. })));
    }

    #[test]
    fn the_new_end_is_parsed_into_the_cores_time_type() {
        let mut shortened = item();
        shortened.new_until = new_end(Some(" 2026-12-15T00:00:00+01:00 ")).expect("a valid time");
        assert_eq!(
            shortened.new_until.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-12-14T23:00:00+00:00"),
            "offsets are turned into UTC"
        );
        shortened.new_until = new_end(Some("")).expect("blank is no end");
        assert_eq!(shortened.new_until, None);
        let error = new_end(Some("next week")).map(|t| shortened.new_until = t).expect_err("not a time");
        assert!(matches!(error, DesktopError::InvalidTime { field: "newUntil", .. }), "got {error:?}");
    }

    #[test]
    fn a_blank_note_is_no_note() {
        assert_eq!(note_text(Some("  ".into())), None);
        assert_eq!(note_text(Some(" left the team ".into())).as_deref(), Some("left the team"));
        assert_eq!(note_text(None), None);
    }

    #[test]
    fn the_review_view_is_camel_case_as_the_ui_reads_it() {
        let review = Review {
            id: "ab12cd34".into(),
            started_at: item().valid_until.expect("a time"),
            started_by: "Ada Lovelace".into(),
            bu: Some("EMEA/DE".into()),
            open: true,
            submitted_at: None,
        };
        let value = serde_json::to_value(ReviewView::from((review, vec![item()]))).expect("serialises");
        assert_eq!(value["review"]["startedBy"], "Ada Lovelace");
        assert_eq!(value["review"]["open"], true);
        assert_eq!(value["items"][0]["userName"], "anna.schmidt");
        assert_eq!(value["items"][0]["hints"], json!(["expiring"]), "hints are kebab-case strings");
        assert_eq!(value["items"][0]["decision"], json!(null), "an undecided item says so explicitly");
    }

    #[test]
    fn report_formats_are_lowercase() {
        assert_eq!(serde_json::from_value::<ReportFormat>(json!("csv")).expect("csv"), ReportFormat::Csv);
        assert_eq!(serde_json::from_value::<ReportFormat>(json!("json")).expect("json"), ReportFormat::Json);
        assert!(serde_json::from_value::<ReportFormat>(json!("xlsx")).is_err());
    }
}
