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
    /// Pull users, groups and memberships of your scopes into the local cache.
    Sync {
        /// Fetch everything, not only what changed.
        #[arg(long)]
        full: bool,
    },
    /// Users of your business units, from the local cache.
    #[command(subcommand)]
    Users(UsersCommand),
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
    },
    /// One user, by id or userName.
    Show { user: String },
}

impl Command {
    /// Whether the command talks to the IAM (and so starts the demo IAM when it is the profile).
    pub fn needs_network(&self) -> bool {
        matches!(self, Command::Login { .. } | Command::Logout | Command::Sync { .. })
    }
}

/// `--data-dir`, else `$BAILIWICK_DATA_DIR` (clap reads both), else the OS's data directory.
pub fn data_dir(explicit: Option<&Path>) -> Result<PathBuf, Error> {
    match explicit {
        Some(dir) => Ok(dir.to_path_buf()),
        None => bailiwick_core::profile::default_data_dir(),
    }
}
