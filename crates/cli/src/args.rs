//! The command line of DESIGN.md's headless contract. Names and flags are fixed: acceptance
//! tests outside this repository drive the product through them.

use std::path::{Path, PathBuf};

use bailiwick_core::Error;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "bailiwick", version, about = "Delegated identity administration over OIDC and SCIM 2.0")]
pub struct Cli {
    /// A profile NAME (looked up in the data dir; `demo` is built in) or a profile FILE.
    #[arg(long, global = true, env = "BAILIWICK_PROFILE", default_value = "demo")]
    pub profile: String,
    /// Where caches, profiles and the demo IAM's state live.
    #[arg(long, global = true, env = "BAILIWICK_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print machine-readable JSON on stdout; messages go to stderr.
    #[arg(long, global = true)]
    pub json: bool,
    /// Never touch the network; commands that need it exit with 6.
    #[arg(long, global = true)]
    pub offline: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in through the system browser ($BROWSER is honoured).
    Login {
        /// Give up when the browser has not come back within this many seconds.
        #[arg(long, default_value_t = 300)]
        timeout: u64,
    },
    /// Sign out: revoke the refresh token and remove it from the keyring.
    Logout,
    /// Show the admin context: subject, BU scopes, capabilities.
    Whoami,
    /// Forget this workspace on this machine: sign out, delete the cache (with its outbox,
    /// audit log and reviews) and its key from the OS keyring.
    Forget {
        /// Forget even though changes are still queued in the outbox (they are lost).
        #[arg(long)]
        discard_queued: bool,
    },
    /// Pull users, groups and memberships of your scopes into the local cache.
    Sync {
        /// Fetch everything, not only what changed.
        #[arg(long)]
        full: bool,
    },
    /// Users of your business units: list and show from the local cache; create, edit,
    /// disable, enable through the outbox.
    #[command(subcommand)]
    Users(UsersCommand),
    /// The profile's role catalog; assign and remove roles.
    #[command(subcommand)]
    Roles(RolesCommand),
    /// Time-bound grants: list, issue, extend, revoke, approve, reject, sweep.
    #[command(subcommand)]
    Grants(GrantsCommand),
    /// Changes waiting to be sent, and sending them.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Changes the server refused with 412 because its version moved on.
    #[command(subcommand)]
    Conflicts(ConflictsCommand),
    /// The hash-chained log of everything done through Bailiwick.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Access reviews of the cached assignments and grants, offline if need be.
    #[command(subcommand)]
    Review(ReviewCommand),
    /// Joiner–mover–leaver hygiene: access that should not be there any more, with fixes.
    #[command(subcommand)]
    Hygiene(HygieneCommand),
}

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Start a review of a BU (or of your whole scope): every assignment and open grant in the
    /// cache becomes an item.
    Start {
        #[arg(long)]
        bu: Option<String>,
    },
    /// The open review's items (or the last review's, with their outcomes).
    List {
        /// Only items not decided yet.
        #[arg(long)]
        undecided: bool,
        /// Only items with this hint: partner, sensitive, separation-of-duties, leaver, mover, expiring.
        #[arg(long)]
        hint: Option<String>,
    },
    /// Decide ITEM (a number, a range like 1-50, a list like 1-5,9, or `all`): keep, revoke, or
    /// shorten (grants only, with --until).
    Decide {
        item: String,
        #[arg(value_parser = ["keep", "revoke", "shorten"])]
        decision: String,
        #[arg(long)]
        note: Option<String>,
        /// The new end of a shortened grant.
        #[arg(long)]
        until: Option<String>,
    },
    /// Record every revoke and shorten in the outbox and send it; close the review.
    Submit,
    /// The review's report (who decided what, when, and the outcome) as CSV or JSON.
    Report {
        #[arg(long, value_parser = ["csv", "json"])]
        format: String,
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// List cached users.
    List {
        /// Only users of this BU and the BUs below it.
        #[arg(long)]
        bu: Option<String>,
        /// Text found in the user name, names, e-mail or BU.
        #[arg(long)]
        search: Option<String>,
        /// employee, partner or service.
        #[arg(long = "type")]
        user_type: Option<String>,
        /// Only holders of this role.
        #[arg(long)]
        role: Option<String>,
        /// active or disabled.
        #[arg(long)]
        status: Option<String>,
    },
    /// One user, by id or userName.
    Show { user: String },
    /// What you may do to a user now (disable or enable, edit, assign, remove or grant each role),
    /// and for what you may not, the rule that forbids it. Read from the cache; changes nothing.
    Actions { user: String },
    /// Create a user in one of your BUs.
    Create {
        #[arg(long)]
        user_name: String,
        #[arg(long)]
        bu: String,
        /// employee (default), partner or service.
        #[arg(long = "type", default_value = "employee")]
        user_type: String,
        #[arg(long)]
        given: Option<String>,
        #[arg(long)]
        family: Option<String>,
        #[arg(long)]
        email: Option<String>,
    },
    /// Change a user's names, e-mail or BU.
    Edit {
        user: String,
        #[arg(long)]
        given: Option<String>,
        #[arg(long)]
        family: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long)]
        email: Option<String>,
        /// Move the user to another of your BUs.
        #[arg(long)]
        bu: Option<String>,
    },
    /// Disable a user (they can no longer sign in; roles stay for review).
    Disable { user: String },
    /// Enable a disabled user.
    Enable { user: String },
    /// Make one change to several users: assign or remove a role, disable or enable. Each
    /// user is checked and reported like a row of an import; running it again resumes.
    Bulk {
        /// Ids or userNames (at most 1,000).
        #[arg(required = true)]
        users: Vec<String>,
        /// Give each user this role.
        #[arg(long, group = "change")]
        assign_role: Option<String>,
        /// Take this role from each user.
        #[arg(long, group = "change")]
        remove_role: Option<String>,
        #[arg(long, group = "change")]
        disable: bool,
        #[arg(long, group = "change")]
        enable: bool,
        /// Report per user what would happen; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Create users from a CSV file (columns userName, bu, and optionally type, givenName,
    /// familyName, email). Running it again resumes: rows done or queued are skipped.
    Import {
        file: PathBuf,
        /// Report per row what would happen and why a row would be refused; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RolesCommand {
    /// The roles of the profile's catalog with their policy and holders.
    List,
    /// Give USER the role ROLE (a permanent assignment).
    Assign { user: String, role: String },
    /// Take the role ROLE from USER.
    Remove { user: String, role: String },
    /// Assign roles from a CSV file (columns user, role). Running it again resumes.
    Import {
        file: PathBuf,
        /// Report per row what would happen and why a row would be refused; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum GrantsCommand {
    /// Grants in your scopes, soonest end first.
    List {
        /// pending, active, expired, revoked or rejected.
        #[arg(long)]
        status: Option<String>,
        /// Only open grants ending within this many days.
        #[arg(long)]
        expiring_within: Option<u32>,
    },
    /// Give USER the role ROLE in BU for a time.
    Issue {
        user: String,
        role: String,
        #[arg(long)]
        bu: String,
        /// Start: RFC 3339, a date (YYYY-MM-DD, UTC), `now`, or `+7d` / `+12h` from now. Default: now.
        #[arg(long, default_value = "now")]
        from: String,
        /// End: RFC 3339, a date (YYYY-MM-DD, UTC), or `+30d` / `+12h` from now.
        #[arg(long)]
        until: String,
        /// Why the access is needed (kept with the grant and in the audit log).
        #[arg(long)]
        reason: String,
    },
    /// Move a grant's end.
    Extend {
        grant: String,
        #[arg(long)]
        until: String,
    },
    /// End a grant now.
    Revoke { grant: String },
    /// Approve a pending grant someone else requested.
    Approve { grant: String },
    /// Reject a pending grant someone else requested.
    Reject { grant: String },
    /// Ledger mode: end expired grants and start due ones (for a scheduled task).
    Sweep,
    /// Which grant mode is on and what it means.
    Mode,
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Changes still to send (with --all, also the sent, failed and cancelled ones).
    List {
        #[arg(long)]
        all: bool,
    },
    /// Send queued changes now.
    Push,
}

#[derive(Debug, Subcommand)]
pub enum ConflictsCommand {
    /// Open conflicts: your change beside the server's version.
    List,
    /// Keep your change (sent again on the server's version) or take the server's.
    Resolve {
        id: i64,
        #[arg(long, conflicts_with = "take_theirs", required_unless_present = "take_theirs")]
        keep_mine: bool,
        #[arg(long)]
        take_theirs: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Entries of the local log, oldest first.
    List {
        #[arg(long)]
        actor: Option<String>,
        /// Text in the target (a userName, a grant id).
        #[arg(long)]
        target: Option<String>,
        /// e.g. grant.issue, user.disable.
        #[arg(long)]
        action: Option<String>,
        /// Only the newest N.
        #[arg(long)]
        last: Option<u32>,
    },
    /// The whole log as CSV or JSON on stdout (or into --output FILE).
    Export {
        #[arg(long, value_parser = ["csv", "json"])]
        format: String,
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Check the hash chain: finds edited, removed or reordered entries.
    Verify,
    /// The directory's own audit events (where it offers them), to read beside the local log.
    Server {
        /// The newest N.
        #[arg(long, default_value_t = 50)]
        last: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum HygieneCommand {
    /// Leavers still holding access, movers, partners without a grant, grants expiring this week.
    List {
        /// leaver, mover, partner-without-grant or expiring.
        #[arg(long)]
        kind: Option<String>,
    },
    /// Apply a finding's one-step fix (through policy and the outbox).
    Fix { id: String },
}

impl Command {
    /// Whether the command talks to the IAM (and so starts the demo IAM when it is the profile).
    pub fn needs_network(&self) -> bool {
        match self {
            Command::Login { .. } | Command::Logout | Command::Forget { .. } | Command::Sync { .. } => true,
            // Changes are recorded offline and then sent at once.
            Command::Users(c) => !matches!(
                c,
                UsersCommand::List { .. }
                    | UsersCommand::Show { .. }
                    | UsersCommand::Actions { .. }
                    | UsersCommand::Import { dry_run: true, .. }
                    | UsersCommand::Bulk { dry_run: true, .. }
            ),
            Command::Roles(c) => !matches!(c, RolesCommand::List | RolesCommand::Import { dry_run: true, .. }),
            Command::Grants(c) => !matches!(c, GrantsCommand::List { .. } | GrantsCommand::Mode),
            Command::Outbox(c) => matches!(c, OutboxCommand::Push),
            Command::Conflicts(c) => matches!(c, ConflictsCommand::Resolve { keep_mine: true, .. }),
            Command::Review(c) => matches!(c, ReviewCommand::Submit),
            Command::Hygiene(c) => matches!(c, HygieneCommand::Fix { .. }),
            Command::Audit(c) => matches!(c, AuditCommand::Server { .. }),
            Command::Whoami => false,
        }
    }
}

/// `--data-dir`, else `$BAILIWICK_DATA_DIR` (clap reads both), else the OS's data directory.
pub fn data_dir(explicit: Option<&Path>) -> Result<PathBuf, Error> {
    match explicit {
        Some(dir) => Ok(dir.to_path_buf()),
        None => bailiwick_core::profile::default_data_dir(),
    }
}
