//! WebKitGTK's compositing mode, chosen before WebKit starts (Linux only; Windows and macOS use
//! WebView2 and WKWebView).
//!
//! WebKitGTK composites pages with OpenGL by default. For a table-and-forms app that buys
//! nothing visible, and it costs: the web process idles at about 230 MiB instead of 135 MiB
//! with 100,000 cached users (scripts/measure-desktop.sh), and on some drivers the window stays
//! blank. So the app turns it off, unless the admin chose otherwise: an explicit
//! `WEBKIT_DISABLE_COMPOSITING_MODE` is left as it is, and `BAILIWICK_WEBKIT_COMPOSITING=1` keeps
//! WebKit's default.

use std::ffi::OsStr;

/// WebKitGTK's own switch.
const WEBKIT_VAR: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
/// Ours, to keep WebKit's compositing.
const KEEP_VAR: &str = "BAILIWICK_WEBKIT_COMPOSITING";

/// Turns WebKit's compositing off unless the environment says otherwise. Call it first thing in
/// `main`, before any thread starts: it changes the process's environment.
pub fn choose_compositing() {
    if disables_compositing(std::env::var_os(WEBKIT_VAR).as_deref(), std::env::var_os(KEEP_VAR).as_deref()) {
        std::env::set_var(WEBKIT_VAR, "1");
    }
}

/// Whether to set WebKit's switch, given the current values of both variables.
fn disables_compositing(webkit_var: Option<&OsStr>, keep_var: Option<&OsStr>) -> bool {
    let keep = keep_var.is_some_and(|value| value == "1");
    webkit_var.is_none() && !keep
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compositing_is_off_unless_someone_chose() {
        assert!(disables_compositing(None, None), "the app's default");
        assert!(!disables_compositing(None, Some(OsStr::new("1"))), "kept on request");
        assert!(disables_compositing(None, Some(OsStr::new("0"))), "only 1 keeps it");
        assert!(!disables_compositing(Some(OsStr::new("0")), None), "WebKit's own switch is left alone");
        assert!(!disables_compositing(Some(OsStr::new("1")), None), "already set");
    }
}
