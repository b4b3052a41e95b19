//! The sandbox a benchmark starts dies with the benchmark, even one killed (by a signal, or a
//! profiler stopped early): otherwise a seeded sandbox of a million users (7 GB) stays behind
//! and skews every measurement after it.

use std::process::Command;

/// Has the process `command` starts killed when this one's main thread ends (Linux's
/// parent-death signal, which follows the thread that started the child: the benchmarks start
/// their sandboxes from their main thread, which lives as long as they do). Elsewhere, nothing.
pub fn dies_with_this_process(command: &mut Command) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: runs in the child between fork and exec, and calls only `prctl`, which is
        // async-signal-safe, allocating nothing.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = command;
}
