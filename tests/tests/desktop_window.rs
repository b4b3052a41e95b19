//! The app's window on an X server of its own (Xvfb, its screen kept in a file by `-fbdir`):
//! what the screen shows, not what WebDriver reads from the page, and what the app's process has
//! loaded to show it. Issue 7: with compositing off (the app's default), the window is painted
//! without OpenGL in the app's process (`src-tauri/src/webkit_env.rs`), which saves it the Mesa
//! driver and LLVM; the web process keeps its EGL and paints the page. And with JavaScriptCore's
//! JIT off (also the default), the web process has no memory that is both writable and
//! executable.
//!
//! Needs `Xvfb` (Debian: xvfb) and the e2e app binary (`make test` builds it; see
//! `bailiwick_tests::desktop::app_binary`).

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bailiwick_tests::desktop::app_binary;
use bailiwick_tests::{free_port, terminate};

/// An Xvfb on a display it chose (`-displayfd`), its screen in `<dir>/Xvfb_screen0`.
struct Xvfb {
    child: Child,
    display: String,
    screen_file: PathBuf,
}

impl Xvfb {
    fn start(dir: &Path) -> Xvfb {
        let mut child = Command::new("Xvfb")
            .args(["-displayfd", "1", "-nolisten", "tcp", "-screen", "0", "1400x900x24", "-fbdir"])
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start Xvfb (Debian: xvfb): {e}"));
        let mut line = String::new();
        let stdout = child.stdout.take().expect("Xvfb's stdout is piped");
        BufReader::new(stdout).read_line(&mut line).expect("Xvfb writes its display number");
        let number = line.trim();
        assert!(!number.is_empty() && number.chars().all(|c| c.is_ascii_digit()), "Xvfb's display: {line:?}");
        Xvfb { child, display: format!(":{number}"), screen_file: dir.join("Xvfb_screen0") }
    }

    /// The screen's pixels as (red, green, blue), row by row; `None` while unreadable.
    fn pixels(&self) -> Option<Screen> {
        Screen::read_xwd(&std::fs::read(&self.screen_file).ok()?)
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        terminate(&mut self.child);
    }
}

/// A screen as Xvfb keeps it: an XWD image of 32-bit pixels.
struct Screen {
    width: usize,
    height: usize,
    pixels: Vec<[u8; 3]>,
}

impl Screen {
    /// Reads XWD (X11's window dump: a header of 25 big-endian 32-bit fields, the colour map,
    /// then the pixels), in the one layout Xvfb writes for a 24-bit screen.
    fn read_xwd(data: &[u8]) -> Option<Screen> {
        let field = |index: usize| -> Option<usize> {
            let bytes = data.get(index * 4..index * 4 + 4)?;
            usize::try_from(u32::from_be_bytes(bytes.try_into().ok()?)).ok()
        };
        let (header_size, width, height) = (field(0)?, field(4)?, field(5)?);
        let (bits_per_pixel, bytes_per_line, colours) = (field(11)?, field(12)?, field(19)?);
        if bits_per_pixel != 32 {
            return None;
        }
        let start = header_size + colours * 12;
        let mut pixels = Vec::with_capacity(width * height);
        for row in 0..height {
            let line = data.get(start + row * bytes_per_line..start + row * bytes_per_line + width * 4)?;
            pixels.extend(line.chunks_exact(4).map(|p| [p[2], p[1], p[0]]));
        }
        Some(Screen { width, height, pixels })
    }

    /// How many colours the screen shows: one or two for an empty screen or a blank window,
    /// hundreds for a page of text and controls.
    fn colours(&self) -> usize {
        self.pixels.iter().collect::<HashSet<_>>().len()
    }
}

/// The shared objects `pid` has mapped (`/proc/PID/maps`).
fn mapped_files(pid: u32) -> Vec<String> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
    let mut files: Vec<String> = maps
        .lines()
        .filter_map(|line| line.split_whitespace().nth(5))
        .filter(|path| path.contains(".so"))
        .map(str::to_owned)
        .collect();
    files.sort();
    files.dedup();
    files
}

/// The anonymous mappings of `pid` that may be executed (`/proc/PID/maps`): where a JIT puts the
/// code it writes.
fn executable_anonymous_memory(pid: u32) -> Vec<String> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
    maps.lines()
        .filter(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // `range perms offset dev inode [path]`: anonymous memory has no path (the kernel's
            // own `[vdso]` has a name).
            fields.len() == 5 && fields[1].contains('x')
        })
        .map(str::to_owned)
        .collect()
}

/// The pids whose parent is `pid`.
fn children(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|child| {
            let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
            // `pid (name) state ppid …`: the name may hold spaces, so read after its `)`.
            let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
            after_name.split_whitespace().nth(1).and_then(|ppid| ppid.parse::<u32>().ok()) == Some(pid)
        })
        .collect()
}

fn process_name(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default().trim().to_owned()
}

#[test]
fn the_window_is_painted_without_opengl_in_the_apps_process() {
    let app = app_binary();
    let screen_dir = tempfile::tempdir().expect("temp dir");
    let data_dir = tempfile::tempdir().expect("temp dir");
    let xvfb = Xvfb::start(screen_dir.path());
    let empty = xvfb.pixels().expect("Xvfb keeps its screen in a file").colours();

    let mut command = Command::new(&app);
    command
        .env("DISPLAY", &xvfb.display)
        .env("BAILIWICK_DATA_DIR", data_dir.path())
        .env("BAILIWICK_DEMO_PORT", free_port().to_string())
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    // The app's own choices, not the environment of whoever runs the tests.
    for var in [
        "WEBKIT_DISABLE_COMPOSITING_MODE",
        "BAILIWICK_WEBKIT_COMPOSITING",
        "JSC_useJIT",
        "BAILIWICK_WEBKIT_JIT",
        "JSC_largeHeapSize",
        "BAILIWICK_WEBKIT_JS_HEAP",
        "GDK_GL",
        "__EGL_VENDOR_LIBRARY_FILENAMES",
        "__EGL_VENDOR_LIBRARY_DIRS",
    ] {
        command.env_remove(var);
    }
    let mut app_process = command.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", app.display()));
    let pid = app_process.id();

    // The welcome screen, painted: text, a button, borders.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut shown = 0;
    while Instant::now() < deadline {
        assert!(matches!(app_process.try_wait(), Ok(None)), "the app exited before painting its window");
        shown = xvfb.pixels().map_or(0, |screen| screen.colours());
        if shown >= 50 {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let web_processes: Vec<u32> =
        children(pid).into_iter().filter(|child| process_name(*child).starts_with("WebKitWebProces")).collect();
    let app_files = mapped_files(pid);
    let web_files: Vec<String> = web_processes.iter().flat_map(|web| mapped_files(*web)).collect();
    let web_jit_memory: Vec<String> = web_processes.iter().flat_map(|web| executable_anonymous_memory(*web)).collect();

    // Asked to stop as at logout (SIGTERM), the app exits as if its window were closed: with
    // success, and its window's state saved for the next start.
    let _ = Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut exited = None;
    while exited.is_none() && Instant::now() < deadline {
        exited = app_process.try_wait().ok().flatten();
        std::thread::sleep(Duration::from_millis(100));
    }
    terminate(&mut app_process);
    let state = std::fs::read_to_string(data_dir.path().join("window-state.json")).unwrap_or_default();

    let screen = xvfb.pixels().expect("the screen file");
    assert!(
        shown >= 50,
        "the window shows the page: {shown} colours on a {}×{} screen ({empty} before the app)",
        screen.width,
        screen.height
    );
    assert!(!web_processes.is_empty(), "the page is painted by a web process of the app's");
    let gl_driver = |file: &&String| file.contains("/dri/") || file.contains("libLLVM") || file.contains("libEGL_mesa");
    let in_app: Vec<&String> = app_files.iter().filter(gl_driver).collect();
    assert!(in_app.is_empty(), "no OpenGL driver in the app's process: {in_app:?}");
    assert!(
        app_files.iter().any(|file| file.contains("libwebkit2gtk")),
        "the maps read are the app's, with WebKitGTK: {app_files:?}"
    );
    assert!(
        web_files.iter().any(|file| file.contains("libEGL_")),
        "the web process keeps its EGL driver, which it cannot start without: {web_files:?}"
    );
    assert!(exited.is_some_and(|status| status.success()), "SIGTERM ends the app as a closed window does: {exited:?}");
    let saved: serde_json::Value = serde_json::from_str(&state).unwrap_or_default();
    assert!(
        saved["main"]["width"].as_u64().is_some_and(|w| w > 0),
        "the window's size is saved on the way out: {state:?}"
    );
    assert!(
        web_jit_memory.is_empty(),
        "JavaScriptCore's JIT is off: no executable anonymous memory in the web process: {web_jit_memory:?}"
    );
}
