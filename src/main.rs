//! The `jixiao` binary: parse the arguments, run the command, print an error once, exit with its code.

use clap::Parser;
use std::process::ExitCode;

/// mimalloc: ingest allocates and frees many small strings on several threads; measured 1.3× faster
/// than the system allocator on the 5,000-report bench corpus.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc asks for transparent huge pages, and the kernel zeroes each 2 MiB page when it is first
/// touched: a third of a search's time as a whole process (15,000 reports: median of 15 queries
/// 10.4–11.0 → 9.0 ms without), and a 15,000-report ingest used 1 s more system time and 80 MiB
/// more memory with them, for no gain in speed. Off for the whole process, before it allocates much.
fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE takes plain integer arguments and touches no memory of
    // ours; failure (an old kernel) leaves the default, which is only slower.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// The reader of our output went away: EPIPE, or on Windows "the pipe is being closed" (232) and
/// "no process is on the other end of the pipe" (233).
fn closed_pipe(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::BrokenPipe || (cfg!(windows) && matches!(e.raw_os_error(), Some(232 | 233)))
}

fn main() -> ExitCode {
    without_huge_pages();
    jixiao::guard::install_hook();
    let cli = jixiao::cli::Cli::parse();
    match jixiao::commands::run(cli) {
        Ok(status) => ExitCode::from(status.code()),
        Err(e) => {
            // A closed pipe (`jixiao search … | head`) is not an error worth reporting.
            if e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(closed_pipe)) {
                return ExitCode::SUCCESS;
            }
            eprintln!("jixiao: error: {}", jixiao::printable(&format!("{e:#}")));
            ExitCode::from(2)
        }
    }
}
