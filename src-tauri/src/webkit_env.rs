//! WebKitGTK's settings that only the environment can change, chosen before WebKit starts
//! (Linux only; Windows and macOS use WebView2 and WKWebView).
//!
//! - **Compositing.** WebKitGTK composites pages with OpenGL by default. For a table-and-forms
//!   app that buys nothing visible, and it costs: the web process idles at about 230 MiB instead
//!   of 135 MiB with 100,000 cached users (scripts/measure-desktop.sh), and on some drivers the
//!   window stays blank. Off, unless `BAILIWICK_WEBKIT_COMPOSITING=1`.
//! - **JavaScriptCore's JIT compilers**, every tier. The UI's work per keystroke or scroll is
//!   small and short-lived (the core does the searching), so JavaScriptCore's interpreter
//!   carries it: the web process idles about 20 MiB smaller than with every tier (8 MiB smaller
//!   than with the baseline JIT alone, which the app shipped with before), for a jump through the
//!   table about 10 ms and a search about 20 ms slower (scripts/measure-desktop.sh). And with no
//!   JIT, the web process makes no memory both writable and executable, as in Apple's Lockdown
//!   Mode: less for a hostile page to use, in an app that holds an administrator's session.
//!   Off, unless `BAILIWICK_WEBKIT_JIT=1`.
//! - **JavaScriptCore's first full collection.** A page's heap may grow to 32 MiB
//!   (`JSC_largeHeapSize`) before JavaScriptCore collects it whole, and the next collections
//!   come at a multiple of what survived. The UI's live heap is a few MiB, so the garbage of its
//!   start (parsing the bundle, the first pages of rows, the BU tree) stayed resident at idle.
//!   Collecting from 4 MiB on makes the idling web process about 1.8 MiB smaller, for no change
//!   to a start, a jump through the table or a search (scripts/measure-desktop.sh). As WebKit
//!   sets it, unless `BAILIWICK_WEBKIT_JS_HEAP=1`.
//!
//! - **OpenGL in the app's process**, while compositing is off. The web process then paints into
//!   shared memory and the app's process puts that on the window with cairo: nothing there draws
//!   with OpenGL. Yet GTK checks GLX when it opens the display, and WebKit opens an EGL display
//!   when it starts the web process; each loads the Mesa driver, and LLVM with it, into the app's
//!   process: 28 MiB of its idle memory, 20 MiB of the app's with its WebKit processes
//!   (scripts/measure-desktop.sh; the web process then holds the driver's shared pages alone),
//!   and 80 ms of its start. So GTK's OpenGL is off (`GDK_GL=disable`), and the app's process is
//!   shown no EGL driver: libglvnd, which dispatches EGL to the drivers, reads its list of them
//!   once per process, and reads it here while `__EGL_VENDOR_LIBRARY_FILENAMES` names none; the
//!   variable is gone again before any other process starts, so the web process, which cannot
//!   start without EGL, loads its driver as before. Without libglvnd, nothing changes. Left alone
//!   when the admin set one of the variables, or kept compositing.
//!
//! A variable the admin set (`WEBKIT_DISABLE_COMPOSITING_MODE`, `JSC_useJIT`, `GDK_GL`) is
//! left as it is. The ones the app sets are for its own web view only: the browser it opens for
//! a sign-in does not inherit them ([`set_by_app`]), since a WebKit-based browser would take them
//! too.

use std::ffi::OsStr;
use std::sync::OnceLock;

/// One choice: WebKit's (or JavaScriptCore's) variable, the app's value for it, and ours that
/// keeps WebKit's default.
struct Switch {
    webkit_var: &'static str,
    ours: &'static str,
    keep_var: &'static str,
}

const COMPOSITING: Switch =
    Switch { webkit_var: "WEBKIT_DISABLE_COMPOSITING_MODE", ours: "1", keep_var: "BAILIWICK_WEBKIT_COMPOSITING" };
/// Read by JavaScriptCore in the web process, which inherits the app's environment; every tier
/// (baseline, DFG, FTL, and the regular-expression JIT) goes with it.
const JIT: Switch = Switch { webkit_var: "JSC_useJIT", ours: "0", keep_var: "BAILIWICK_WEBKIT_JIT" };
/// The heap size, in bytes, below which JavaScriptCore does not collect a page's heap whole
/// (WebKit's default: 32 MiB). Read by JavaScriptCore in the web process.
const JS_HEAP: Switch =
    Switch { webkit_var: "JSC_largeHeapSize", ours: "4194304", keep_var: "BAILIWICK_WEBKIT_JS_HEAP" };

/// GTK's OpenGL switch (`disable` turns it off).
const GDK_GL: &str = "GDK_GL";
/// Where libglvnd looks for EGL drivers: a list of driver files, or of directories of them.
const EGL_VENDOR_FILES: &str = "__EGL_VENDOR_LIBRARY_FILENAMES";
const EGL_VENDOR_DIRS: &str = "__EGL_VENDOR_LIBRARY_DIRS";
/// A driver file that does not exist: a list with no driver on it.
const NO_EGL_VENDOR: &str = "/nonexistent/bailiwick-no-egl-in-the-app-process.json";

/// The variables `configure` set (not those the admin had set).
static SET_BY_APP: OnceLock<Vec<&'static str>> = OnceLock::new();
/// Whether the app's process was shown no EGL driver.
static EGL_KEPT_OUT: OnceLock<bool> = OnceLock::new();

/// Turns WebKit's compositing and JavaScript's JIT compilers off and makes JavaScriptCore collect
/// its heap from 4 MiB on, unless the environment says otherwise, and with compositing off keeps
/// OpenGL out of the app's process.
/// Call it first thing in `main`, before any thread starts: it changes the process's environment.
pub fn configure() {
    let mut set = Vec::new();
    for switch in [COMPOSITING, JIT, JS_HEAP] {
        if takes_ours(std::env::var_os(switch.webkit_var).as_deref(), std::env::var_os(switch.keep_var).as_deref()) {
            std::env::set_var(switch.webkit_var, switch.ours);
            set.push(switch.webkit_var);
        }
    }
    let mut egl_kept_out = false;
    if compositing_off(std::env::var_os(COMPOSITING.webkit_var).as_deref()) {
        if std::env::var_os(GDK_GL).is_none() {
            std::env::set_var(GDK_GL, "disable");
            set.push(GDK_GL);
        }
        if std::env::var_os(EGL_VENDOR_FILES).is_none() && std::env::var_os(EGL_VENDOR_DIRS).is_none() {
            std::env::set_var(EGL_VENDOR_FILES, NO_EGL_VENDOR);
            egl_kept_out = egl_driver_list_is_empty();
            std::env::remove_var(EGL_VENDOR_FILES);
        }
    }
    let _ = SET_BY_APP.set(set);
    let _ = EGL_KEPT_OUT.set(egl_kept_out);
}

/// Whether `configure` showed the app's process no EGL driver (for the log).
pub fn egl_kept_out() -> bool {
    EGL_KEPT_OUT.get().copied().unwrap_or(false)
}

/// Whether WebKit composites with OpenGL, given `WEBKIT_DISABLE_COMPOSITING_MODE`: any value but
/// `0` turns it off.
fn compositing_off(disable_compositing: Option<&OsStr>) -> bool {
    disable_compositing.is_some_and(|value| value != "0")
}

/// Asks the process's libEGL for its client extensions (`eglQueryString(EGL_NO_DISPLAY,
/// EGL_EXTENSIONS)`), which makes libglvnd read its list of drivers, once for the process; an
/// empty answer means the list is empty. `false` when no libEGL is loaded.
fn egl_driver_list_is_empty() -> bool {
    const EGL_EXTENSIONS: i32 = 0x3055;
    type QueryString = unsafe extern "C" fn(*mut libc::c_void, i32) -> *const libc::c_char;
    // SAFETY: `dlsym` takes RTLD_DEFAULT and a NUL-terminated name. A symbol found under that name
    // is EGL's `eglQueryString(EGLDisplay, EGLint) -> const char *` (libEGL is loaded with
    // WebKitGTK); EGL_NO_DISPLAY is a null pointer, and the answer is null or a NUL-terminated
    // string that libEGL keeps.
    unsafe {
        let symbol = libc::dlsym(libc::RTLD_DEFAULT, c"eglQueryString".as_ptr());
        if symbol.is_null() {
            return false;
        }
        let query_string: QueryString = std::mem::transmute::<*mut libc::c_void, QueryString>(symbol);
        let extensions = query_string(std::ptr::null_mut(), EGL_EXTENSIONS);
        !extensions.is_null() && std::ffi::CStr::from_ptr(extensions).is_empty()
    }
}

/// The variables the app set for its own web view, which the processes it starts (the sign-in
/// browser) must not inherit.
pub fn set_by_app() -> &'static [&'static str] {
    SET_BY_APP.get().map_or(&[], Vec::as_slice)
}

/// Whether to set WebKit's variable to the app's value, given the current values of it and of ours.
fn takes_ours(webkit_var: Option<&OsStr>, keep_var: Option<&OsStr>) -> bool {
    let keep = keep_var.is_some_and(|value| value == "1");
    webkit_var.is_none() && !keep
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_apps_value_holds_unless_someone_chose() {
        assert!(takes_ours(None, None), "the app's default");
        assert!(!takes_ours(None, Some(OsStr::new("1"))), "kept on request");
        assert!(takes_ours(None, Some(OsStr::new("0"))), "only 1 keeps it");
        assert!(!takes_ours(Some(OsStr::new("0")), None), "WebKit's own switch is left alone");
        assert!(!takes_ours(Some(OsStr::new("1")), None), "already set");
    }

    #[test]
    fn compositing_is_off_for_any_value_but_zero() {
        assert!(compositing_off(Some(OsStr::new("1"))), "the app's own value");
        assert!(compositing_off(Some(OsStr::new("true"))), "WebKit reads any value but 0 as off");
        assert!(!compositing_off(Some(OsStr::new("0"))), "the admin turned it back on");
        assert!(!compositing_off(None), "WebKit's default: on");
    }

    #[test]
    fn each_switch_names_distinct_variables() {
        let switches = [COMPOSITING, JIT, JS_HEAP];
        for (i, a) in switches.iter().enumerate() {
            for b in &switches[i + 1..] {
                assert_ne!(a.webkit_var, b.webkit_var);
                assert_ne!(a.keep_var, b.keep_var);
            }
        }
        assert_eq!((COMPOSITING.ours, JIT.ours), ("1", "0"), "WebKit's switch disables, JavaScriptCore's enables");
    }

    #[test]
    fn the_heap_threshold_is_a_byte_count_below_webkits_default() {
        let bytes: u64 = JS_HEAP.ours.parse().expect("JavaScriptCore reads a plain byte count");
        assert!((1 << 20..32 << 20).contains(&bytes), "{bytes} bytes");
    }
}
