//! Panics inside a library that reads one file (a PDF or Word reader, the parser) become that file's
//! error: the run goes on, and the terminal shows one clear line instead of a backtrace.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};

thread_local! {
    /// Set while `catch` runs on this thread: the panic hook stays silent then.
    static CATCHING: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`; a panic becomes `Err` with the panic's message.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let was = CATCHING.with(|c| c.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(was));
    result.map_err(|p| {
        p.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| p.downcast_ref::<String>().cloned()).unwrap_or_else(|| "unknown panic".to_string())
    })
}

/// Installs the process's panic hook: silent inside `catch`, one line elsewhere.
pub fn install_hook() {
    std::panic::set_hook(Box::new(|info| {
        if CATCHING.with(|c| c.get()) {
            return;
        }
        eprintln!("jixiao: internal error: {info}; please report it");
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_with_its_message() {
        assert_eq!(catch(|| 7), Ok(7));
        let e = catch(|| -> u8 { panic!("unsupported encoding X") }).unwrap_err();
        assert!(e.contains("unsupported encoding X"));
    }
}
