//! The TypeScript side of IPC, generated from the Rust types: every command's arguments and
//! result, the channel events (sign-in, sync progress) and the error payload are declared in
//! `ui/src/ipc/bindings.ts`, which is committed. The test here fails when that file no longer
//! matches the Rust types, so a renamed field or a new enum variant cannot drift silently away
//! from what the window reads; `UPDATE_IPC_BINDINGS=1` rewrites it instead (see [`REGENERATE`]).
//!
//! The declarations come from `ts-rs` (`#[derive(TS)]` beside each `Serialize`/`Deserialize`,
//! reading the serde attributes), rendered here into one file in name order. ts-rs's own
//! export-on-test is not used: it would write one file per type into a `bindings/` folder.
//! The whole module is test code (src/main.rs declares it `#[cfg(test)]`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use bailiwick_core::audit::AuditEntry;
use bailiwick_core::cache::{BusinessUnitCount, Conflict, OutboxEntry};
use bailiwick_core::grant::Grant;
use bailiwick_core::outbox::PushReport;
use bailiwick_core::review::{Decision, ReviewItem};
use bailiwick_core::sync::{SyncProgress, SyncReport};
use bailiwick_core::workspace::{Finding, RoleView, SelectionChange, Submission, UserPage, WorkspaceStatus};
use ts_rs::{Config, TypeVisitor, TS};

use crate::commands::UserQueryInput;
use crate::delegated_change::ChangeOutcome;
use crate::hygiene_commands::FixOutcome;
use crate::ipc_error::IpcError;
use crate::operation_commands::{
    AuditCheck, AuditFormat, AuditQueryInput, ConflictResolution, GrantModeView, GrantQueryInput, GrantRequestInput,
    ImportKind, ImportOutcome, UserDetail,
};
use crate::recent_workspaces::RecentWorkspace;
use crate::review_commands::{ReportFormat, ReviewView};
use crate::sign_in_browser::SignInEvent;

/// How to bring the committed file up to date, as the failing test says it.
const REGENERATE: &str = "UPDATE_IPC_BINDINGS=1 cargo test -p bailiwick-desktop ipc_bindings";

/// Set to write the declarations instead of comparing them.
const UPDATE_VAR: &str = "UPDATE_IPC_BINDINGS";

/// The committed declarations, relative to the repository root (this crate's parent folder).
const BINDINGS_FILE: &str = "ui/src/ipc/bindings.ts";

/// Every declaration the types crossing IPC need, dependencies included, sorted by name.
fn declarations() -> String {
    // JSON numbers reach JavaScript as `number`; ts-rs would declare 64-bit integers `bigint`,
    // which `JSON.parse` never produces. Counts and sequence numbers stay far below 2^53.
    let config = Config::new().with_large_int("number");
    let mut found = Declarations { config, by_name: BTreeMap::new() };
    // The roots, by command (src/main.rs registers them); what they contain follows from them.
    found.visit::<IpcError>(); // every command's rejection
    found.visit::<WorkspaceStatus>(); // resume/open_*_workspace, sign_in, get_status
    found.visit::<RecentWorkspace>(); // list_recent_workspaces
    found.visit::<SignInEvent>(); // sign_in's channel
    found.visit::<SyncProgress>(); // sync_directory's channel
    found.visit::<SyncReport>(); // sync_directory
    found.visit::<UserQueryInput>(); // list_users
    found.visit::<UserPage>();
    found.visit::<BusinessUnitCount>(); // list_business_units
    found.visit::<UserDetail>(); // get_user
    found.visit::<RoleView>(); // list_roles
    found.visit::<ChangeOutcome>(); // every change command
    found.visit::<GrantRequestInput>(); // issue_grant
    found.visit::<GrantQueryInput>(); // list_grants
    found.visit::<Grant>();
    found.visit::<GrantModeView>(); // get_grant_mode
    found.visit::<OutboxEntry>(); // list_outbox
    found.visit::<PushReport>(); // push_outbox
    found.visit::<Conflict>(); // list_conflicts
    found.visit::<ConflictResolution>(); // resolve_conflict
    found.visit::<AuditQueryInput>(); // list_audit, export_audit
    found.visit::<AuditEntry>();
    found.visit::<AuditCheck>(); // verify_audit
    found.visit::<AuditFormat>(); // export_audit
    found.visit::<ImportKind>(); // import_csv
    found.visit::<ImportOutcome>();
    found.visit::<SelectionChange>(); // change_selection
    found.visit::<Finding>(); // list_findings
    found.visit::<FixOutcome>(); // fix_finding
    found.visit::<ReviewView>(); // get_review, start_review
    found.visit::<Decision>(); // decide_review
    found.visit::<ReviewItem>();
    found.visit::<Submission>(); // submit_review
    found.visit::<ReportFormat>(); // export_review

    let mut text = format!(
        "// Generated from the Rust types by src-tauri/src/ipc_bindings.rs (ts-rs): do not edit.\n\
         // Regenerate with `{REGENERATE}`.\n"
    );
    for declaration in found.by_name.values() {
        text.push('\n');
        // ts-rs leaves a space before each line break it puts in front of a doc comment.
        for line in declaration.lines() {
            text.push_str(line.trim_end());
            text.push('\n');
        }
    }
    text
}

/// Collects each exportable type once, following its dependencies.
struct Declarations {
    config: Config,
    /// TypeScript name → `export type …` with its doc comment.
    by_name: BTreeMap<String, String>,
}

impl TypeVisitor for Declarations {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Only declared types have an output path; primitives, `Option`, `Vec` … have none.
        if T::output_path().is_none() {
            return;
        }
        let name = T::ident(&self.config);
        let declaration = format!("{}export {}", T::docs().unwrap_or_default(), T::decl(&self.config));
        if let Some(earlier) = self.by_name.get(&name) {
            // Two Rust types with one TypeScript name would silently shadow each other.
            assert_eq!(
                earlier, &declaration,
                "two IPC types are both named {name} in TypeScript: rename one (#[ts(rename)])"
            );
            return;
        }
        self.by_name.insert(name, declaration);
        T::visit_dependencies(self);
        // A generic type's arguments are its dependencies too.
        T::visit_generics(self);
    }
}

fn bindings_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(BINDINGS_FILE)
}

#[test]
fn ipc_bindings_are_current() {
    let generated = declarations();
    let path = bindings_path();
    if std::env::var_os(UPDATE_VAR).is_some_and(|v| !v.is_empty() && v != "0") {
        std::fs::write(&path, &generated).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    // A checkout with CRLF line ends (Windows, core.autocrlf) holds the same declarations.
    let committed = std::fs::read_to_string(&path).unwrap_or_default().replace("\r\n", "\n");
    if committed != generated {
        let line = committed.lines().zip(generated.lines()).position(|(old, new)| old != new);
        let (number, old, new) = match line {
            Some(i) => (i + 1, committed.lines().nth(i), generated.lines().nth(i)),
            // One is the other plus more lines.
            None => {
                let shared = committed.lines().count().min(generated.lines().count());
                (shared + 1, committed.lines().nth(shared), generated.lines().nth(shared))
            }
        };
        panic!(
            "{BINDINGS_FILE} is stale: the Rust types crossing IPC changed. Regenerate it with \
             `{REGENERATE}` and commit it.\nFirst difference, line {number}:\n  committed: {}\n  generated: {}",
            old.unwrap_or("(end of file)"),
            new.unwrap_or("(end of file)")
        );
    }
}

#[test]
fn every_declaration_is_exported_once_and_in_name_order() {
    let generated = declarations();
    let names: Vec<&str> = generated
        .lines()
        .filter_map(|line| line.strip_prefix("export type "))
        .map(|rest| rest.split([' ', '<', '=']).next().unwrap_or(rest))
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(names, sorted, "one declaration per name, sorted, so regenerating gives the same file");
    for expected in ["IpcErrorPayload", "SyncProgress", "SignInEvent", "ErrorCode", "Rule", "ChangeOutcome"] {
        assert!(names.contains(&expected), "{expected} crosses IPC and must be declared: {names:?}");
    }
}
