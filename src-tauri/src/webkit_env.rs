//! WebKitGTK's settings that only the environment can change, chosen before WebKit starts
//! (Linux only; Windows and macOS use WebView2 and WKWebView).
//!
//! - **Compositing.** WebKitGTK composites pages with OpenGL by default. For a table-and-forms
//!   app that buys nothing visible, and it costs: the web process idles at about 230 MiB instead
//!   of 135 MiB with 100,000 cached users (scripts/measure-desktop.sh), and on some drivers the
//!   window stays blank. Off, unless `BAILIWICK_WEBKIT_COMPOSITING=1`.
//! - **JavaScriptCore's optimising compilers** (DFG, and FTL above it). The UI's work per
//!   keystroke or scroll is small (the core does the searching), and short-lived code runs in
//!   the interpreter and the baseline JIT anyway; the optimising tiers cost the web process about
//!   12 MiB, and a search or a jump through the table is 13–25 ms slower without them
//!   (scripts/measure-desktop.sh). Turning every JIT off saved 21 MiB but made a search 60 ms
//!   slower: not worth it. Off, unless `BAILIWICK_WEBKIT_JIT=1`.
//!
//! A variable the admin set (`WEBKIT_DISABLE_COMPOSITING_MODE`, `JSC_useDFGJIT`) is left as it is.
//! The ones the app sets are for its own web view only: the browser it opens for a sign-in does
//! not inherit them ([`set_by_app`]), since a WebKit-based browser would take them too.

use std::ffi::OsStr;
use std::sync::OnceLock;

/// One choice: WebKit's (or JavaScriptCore's) variable, the value that turns the feature off,
/// and ours that keeps the feature.
struct Switch {
    webkit_var: &'static str,
    off: &'static str,
    keep_var: &'static str,
}

const COMPOSITING: Switch =
    Switch { webkit_var: "WEBKIT_DISABLE_COMPOSITING_MODE", off: "1", keep_var: "BAILIWICK_WEBKIT_COMPOSITING" };
/// Read by JavaScriptCore in the web process, which inherits the app's environment; the FTL
/// tier builds on the DFG, so both go.
const OPTIMISING_JIT: Switch = Switch { webkit_var: "JSC_useDFGJIT", off: "0", keep_var: "BAILIWICK_WEBKIT_JIT" };

/// The variables `configure` set (not those the admin had set).
static SET_BY_APP: OnceLock<Vec<&'static str>> = OnceLock::new();

/// Turns WebKit's compositing and JavaScript's optimising compilers off unless the environment
/// says otherwise.
/// Call it first thing in `main`, before any thread starts: it changes the process's environment.
pub fn configure() {
    let mut set = Vec::new();
    for switch in [COMPOSITING, OPTIMISING_JIT] {
        if turns_off(std::env::var_os(switch.webkit_var).as_deref(), std::env::var_os(switch.keep_var).as_deref()) {
            std::env::set_var(switch.webkit_var, switch.off);
            set.push(switch.webkit_var);
        }
    }
    let _ = SET_BY_APP.set(set);
}

/// The variables the app set for its own web view, which the processes it starts (the sign-in
/// browser) must not inherit.
pub fn set_by_app() -> &'static [&'static str] {
    SET_BY_APP.get().map_or(&[], Vec::as_slice)
}

/// Whether to set WebKit's variable, given the current values of it and of ours.
fn turns_off(webkit_var: Option<&OsStr>, keep_var: Option<&OsStr>) -> bool {
    let keep = keep_var.is_some_and(|value| value == "1");
    webkit_var.is_none() && !keep
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feature_is_off_unless_someone_chose() {
        assert!(turns_off(None, None), "the app's default");
        assert!(!turns_off(None, Some(OsStr::new("1"))), "kept on request");
        assert!(turns_off(None, Some(OsStr::new("0"))), "only 1 keeps it");
        assert!(!turns_off(Some(OsStr::new("0")), None), "WebKit's own switch is left alone");
        assert!(!turns_off(Some(OsStr::new("1")), None), "already set");
    }

    #[test]
    fn each_switch_names_distinct_variables() {
        assert_ne!(COMPOSITING.webkit_var, OPTIMISING_JIT.webkit_var);
        assert_ne!(COMPOSITING.keep_var, OPTIMISING_JIT.keep_var);
        assert_eq!(
            (COMPOSITING.off, OPTIMISING_JIT.off),
            ("1", "0"),
            "WebKit's switch disables, JavaScriptCore's enables"
        );
    }
}
