//! External converters (pdftotext, LibreOffice, antiword) run as child processes within limits:
//! wall-clock time, processor time, address space and the output read back. A file that makes a
//! converter loop or swell stops that converter, never the run; the child and everything it
//! started (LibreOffice starts a second process) are killed together.

use anyhow::{Context, Result};
use std::io::Write;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a converter may take. Processor time and address space are limited where the system has
/// resource limits (Unix); elsewhere the wall clock and the output cap still hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Wall-clock and processor seconds.
    pub seconds: u64,
    /// Address space in bytes (`None`: not limited, for converters that reserve far more than
    /// they use).
    #[cfg_attr(not(unix), allow(dead_code))]
    pub memory: Option<u64>,
    /// Bytes of standard output read back; more is refused.
    pub output: usize,
}

/// A converter was stopped at a limit: the file is refused for that, whatever another reader found.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Stopped(pub String);

/// Runs `command` (named `tool` in messages) with `input` on its standard input, within `limits`;
/// returns how it ended and what it wrote to standard output. A limit reached is a [`Stopped`]
/// error; a converter that cannot be started is an error with `missing` as its reason.
pub fn run(mut command: Command, tool: &str, input: Option<Vec<u8>>, limits: Limits, missing: &str) -> Result<(ExitStatus, Vec<u8>)> {
    command.stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() }).stdout(Stdio::piped()).stderr(Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let seconds = limits.seconds;
        let memory = limits.memory;
        // SAFETY: between fork and exec the child only calls setpgid and setrlimit, which are
        // async-signal-safe and touch no memory of the parent's.
        unsafe {
            command.pre_exec(move || {
                // A group of its own, so that whatever it starts is stopped with it.
                libc::setpgid(0, 0);
                let cpu = libc::rlimit { rlim_cur: seconds as libc::rlim_t, rlim_max: seconds as libc::rlim_t };
                libc::setrlimit(libc::RLIMIT_CPU, &cpu);
                if let Some(m) = memory {
                    let mem = libc::rlimit { rlim_cur: m as libc::rlim_t, rlim_max: m as libc::rlim_t };
                    libc::setrlimit(libc::RLIMIT_AS, &mem);
                }
                Ok(())
            });
        }
    }
    let mut child = command.spawn().context(missing.to_string())?;
    let writer = match (input, child.stdin.take()) {
        (Some(input), Some(mut stdin)) => Some(std::thread::spawn(move || stdin.write_all(&input))),
        _ => None,
    };
    let mut stdout = child.stdout.take().with_context(|| format!("cannot read from {tool}"))?;
    // Reads at most one byte past the limit, so that a longer output is known to be too long (and
    // the converter, then blocked on a full pipe, is stopped at once).
    let limit = limits.output;
    let capped = Arc::new(AtomicBool::new(false));
    let capped_by_reader = capped.clone();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let read = std::io::Read::read_to_end(&mut std::io::Read::take(&mut stdout, limit as u64 + 1), &mut out);
        if out.len() > limit {
            capped_by_reader.store(true, Ordering::SeqCst);
        }
        read.map(|_| out)
    });
    let too_much = || format!("{tool} wrote over {} MB of text for this file; the file is refused", limit >> 20);
    let deadline = Instant::now() + Duration::from_secs(limits.seconds);
    let ended = loop {
        // The cap first: a reader that stopped closes the pipe, and the converter then ends.
        if capped.load(Ordering::SeqCst) {
            break Err(too_much());
        }
        if let Some(status) = child.try_wait()? {
            break Ok(status);
        }
        if Instant::now() >= deadline {
            break Err(format!("{tool} did not finish within {} s on this file and was stopped", limits.seconds));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let status = match ended {
        Ok(status) => status,
        Err(why) => {
            kill_group(&mut child);
            let _ = child.wait();
            if let Some(w) = writer {
                let _ = w.join();
            }
            let _ = reader.join();
            return Err(Stopped(why).into());
        }
    };
    // What the converter started may still hold the pipe open: stopped with it.
    kill_group(&mut child);
    if let Some(w) = writer {
        let _ = w.join();
    }
    let out = reader.join().map_err(|_| anyhow::anyhow!("cannot read from {tool}"))??;
    if out.len() > limit {
        return Err(Stopped(too_much()).into());
    }
    Ok((status, out))
}

/// Kills the child's process group (the child itself where groups do not exist).
fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        if let Ok(pid) = i32::try_from(child.id()) {
            // SAFETY: kill with a negative pid signals the group the child leads; no memory is touched.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
    }
    let _ = child.kill();
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_converter_past_its_time_is_stopped_with_what_it_started() {
        let mut c = Command::new("sh");
        c.args(["-c", "sleep 100 & sleep 100"]);
        let started = Instant::now();
        let e = run(c, "slow", None, Limits { seconds: 1, memory: None, output: 1 << 20 }, "sh is missing").unwrap_err();
        assert!(e.downcast_ref::<Stopped>().is_some() && e.to_string().contains("within 1 s"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn output_past_the_cap_is_refused_and_input_is_given() {
        let c = Command::new("cat");
        let (status, out) = run(c, "cat", Some(b"abc".to_vec()), Limits { seconds: 10, memory: Some(1 << 30), output: 16 }, "cat is missing").unwrap();
        assert!(status.success() && out == b"abc");
        let mut c = Command::new("yes");
        c.arg("预算");
        let e = run(c, "yes", None, Limits { seconds: 10, memory: None, output: 1 << 20 }, "yes is missing").unwrap_err();
        assert!(e.to_string().contains("wrote over 1 MB"), "{e}");
    }
}
