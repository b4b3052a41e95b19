//! Opening the system browser on the authorization URL.
//!
//! `$BROWSER` is honoured first, with the xdg-utils convention: a colon-separated list of
//! commands tried in order; in each, `%s` is replaced by the URL, else the URL is appended as
//! the last argument. Words are split on whitespace (no shell quoting, as in xdg-open's
//! simple case). Otherwise the `open` crate picks the platform's opener.
//!
//! The browser is started and *not waited for*: a stand-in browser (a test script) may
//! complete the whole sign-in before it exits, and that needs our loopback listener running.

use std::process::{Command, Stdio};

use url::Url;

use super::SignInFailure;
use crate::error::Error;

/// Shows the authorization URL to the user. Implementations return once the browser is
/// started; the sign-in itself arrives later at the loopback listener.
pub trait Browser: Send + Sync {
    fn open(&self, url: &Url) -> Result<(), Error>;
}

/// The user's browser: `$BROWSER` if set, else the platform's opener.
#[derive(Debug, Clone)]
pub struct SystemBrowser {
    /// The `$BROWSER` value, read at construction so that tests can set it explicitly.
    browser_var: Option<String>,
    /// Environment variables the browser must not inherit.
    withheld_env: Vec<String>,
}

impl SystemBrowser {
    /// Reads `$BROWSER` from the environment.
    pub fn from_env() -> Self {
        Self::with_browser_var(std::env::var("BROWSER").ok().filter(|v| !v.trim().is_empty()))
    }

    /// Uses the given `$BROWSER`-style value (None: the platform's opener).
    pub fn with_browser_var(browser_var: Option<String>) -> Self {
        Self { browser_var, withheld_env: Vec::new() }
    }

    /// Starts the browser without these environment variables: settings the app made for its
    /// own process (the desktop app's WebKit switches), which a WebKit-based browser would
    /// otherwise take for itself.
    pub fn withholding_env<S: Into<String>>(mut self, vars: impl IntoIterator<Item = S>) -> Self {
        self.withheld_env.extend(vars.into_iter().map(Into::into));
        self
    }

    /// Starts the first of `commands` that can be started, detached (reaped in the background
    /// so it leaves no zombie); the names of those that could not be, otherwise.
    fn spawn_first(&self, commands: impl IntoIterator<Item = Command>) -> Result<(), Vec<String>> {
        let mut failures = Vec::new();
        for mut command in commands {
            for var in &self.withheld_env {
                command.env_remove(var);
            }
            let program = command.get_program().to_string_lossy().into_owned();
            match command.stdin(Stdio::null()).spawn() {
                Ok(mut child) => {
                    // Its exit status only matters for diagnostics.
                    std::thread::spawn(move || match child.wait() {
                        Ok(status) if !status.success() => {
                            tracing::warn!(%program, %status, "the browser command failed")
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(%program, error = %e, "cannot wait for the browser command"),
                    });
                    return Ok(());
                }
                Err(e) => failures.push(format!("{program}: {e}")),
            }
        }
        Err(failures)
    }
}

/// Same as [`SystemBrowser::from_env`]: a default that ignored `$BROWSER` would surprise.
impl Default for SystemBrowser {
    fn default() -> Self {
        Self::from_env()
    }
}

impl Browser for SystemBrowser {
    fn open(&self, url: &Url) -> Result<(), Error> {
        let Some(var) = &self.browser_var else {
            if self.withheld_env.is_empty() {
                return open::that_detached(url.as_str()).map_err(|e| {
                    SignInFailure::Browser(format!("no way to open a browser was found ({e}); set $BROWSER")).into()
                });
            }
            // The platform's openers, started the same way with the variables withheld.
            return self.spawn_first(open::commands(url.as_str())).map_err(|failures| {
                let tried = failures.join("; ");
                SignInFailure::Browser(format!("no way to open a browser was found ({tried}); set $BROWSER")).into()
            });
        };
        let commands = browser_commands(var, url.as_str()).into_iter().filter_map(|argv| {
            let (program, args) = argv.split_first()?;
            let mut command = Command::new(program);
            command.args(args);
            Some(command)
        });
        self.spawn_first(commands).map_err(|failures| {
            SignInFailure::Browser(format!("no command in $BROWSER could be started ({})", failures.join("; "))).into()
        })
    }
}

/// The commands `$BROWSER` names, each as argv with the URL in place (xdg-utils convention).
pub fn browser_commands(var: &str, url: &str) -> Vec<Vec<String>> {
    var.split(':')
        .filter_map(|entry| {
            let words: Vec<&str> = entry.split_whitespace().collect();
            if words.is_empty() {
                return None;
            }
            let mut placed = false;
            let mut argv: Vec<String> = words
                .iter()
                .map(|word| {
                    // `%%` is a literal percent sign (printf, as xdg-open uses it).
                    let parts: Vec<String> = word.split("%%").map(|part| part.replace("%s", url)).collect();
                    placed |= word.split("%%").any(|part| part.contains("%s"));
                    parts.join("%")
                })
                .collect();
            if !placed {
                argv.push(url.to_owned());
            }
            Some(argv)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "http://127.0.0.1:9/auth?a=1&b=2";

    #[test]
    fn url_is_appended_when_there_is_no_placeholder() {
        assert_eq!(browser_commands("firefox", URL), [vec!["firefox".to_owned(), URL.to_owned()]]);
    }

    #[test]
    fn placeholder_is_replaced_and_arguments_kept() {
        assert_eq!(
            browser_commands("chromium --new-window %s", URL),
            [vec!["chromium".to_owned(), "--new-window".to_owned(), URL.to_owned()]]
        );
    }

    #[test]
    fn colon_separated_entries_are_tried_in_order_and_empty_ones_skipped() {
        let commands = browser_commands("/opt/fake-browser::w3m -o %s", URL);
        assert_eq!(commands.len(), 2);
        assert_eq!(commands[0], ["/opt/fake-browser", URL]);
        assert_eq!(commands[1], ["w3m", "-o", URL]);
    }

    #[test]
    fn first_startable_command_wins() {
        let browser = SystemBrowser::with_browser_var(Some("/nonexistent/browser:true".into()));
        browser.open(&Url::parse(URL).expect("url")).expect("`true` can be started after the missing one");
    }

    #[test]
    fn withheld_variables_do_not_reach_the_browser() {
        assert!(std::env::var_os("HOME").is_some(), "the test needs HOME set, to see it withheld");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let seen = dir.path().join("env");
        let script = dir.path().join("browser");
        std::fs::write(&script, format!("#!/bin/sh\n/usr/bin/env > '{}.tmp' && mv '{0}.tmp' '{0}'\n", seen.display()))
            .expect("writes the stand-in browser");
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("executable");
        let browser = SystemBrowser::with_browser_var(Some(script.display().to_string())).withholding_env(["HOME"]);
        browser.open(&Url::parse(URL).expect("url")).expect("the stand-in browser starts");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !seen.exists() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let env = std::fs::read_to_string(&seen).expect("the browser wrote its environment");
        assert!(!env.lines().any(|line| line.starts_with("HOME=")), "HOME was withheld: {env}");
        assert!(env.lines().any(|line| line.starts_with("PATH=")), "the rest is inherited: {env}");
    }

    #[test]
    fn nothing_startable_is_a_browser_error() {
        let browser = SystemBrowser::with_browser_var(Some("/nonexistent/a:/nonexistent/b".into()));
        let err = browser.open(&Url::parse(URL).expect("url")).expect_err("nothing to start");
        assert!(matches!(err, Error::SignIn(SignInFailure::Browser(_))), "got {err:?}");
        assert!(err.to_string().contains("/nonexistent/b"), "names what was tried: {err}");
    }
}
