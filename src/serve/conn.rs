//! Connections: the accept loop, with a cap on open connections, a deadline for a request's
//! headers, and the process's open-file limit raised so that the cap (not the limit) decides.
//!
//! Slow clients (a byte every few seconds) cannot starve the others: each waits at most
//! [`HEADER_TIMEOUT`] for its headers, and a connection over the cap is closed at once instead of
//! leaving new ones unaccepted.

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// How long a client may take to send a request's headers (a browser sends them at once).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The most connections open at once (a browser opens six per site; memory per idle connection is
/// a few KB), or fewer when the open-file limit cannot be raised that far.
pub const MAX_CONNECTIONS: usize = 4096;

/// Raises the soft open-file limit to the hard one; returns the soft limit in effect.
fn raise_open_files() -> usize {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit/setrlimit only read and write the struct passed.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
                return 1024;
            }
            if lim.rlim_cur < lim.rlim_max {
                let want = libc::rlimit { rlim_cur: lim.rlim_max.min(1 << 20), rlim_max: lim.rlim_max };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &want) == 0 {
                    lim = want;
                }
            }
        }
        usize::try_from(lim.rlim_cur).unwrap_or(usize::MAX)
    }
    #[cfg(not(unix))]
    {
        MAX_CONNECTIONS + 64
    }
}

/// Serves `router` on `listener` until the process stops.
pub(super) async fn serve(listener: TcpListener, router: Router) -> anyhow::Result<()> {
    // Files the server itself keeps open (index segments, the store) stay below the cap's share.
    let cap = MAX_CONNECTIONS.min(raise_open_files().saturating_sub(256)).max(16);
    let permits = Arc::new(Semaphore::new(cap));
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors or a connection reset before it was accepted: try again.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let service = TowerToHyperService::new(router.clone());
        tokio::spawn(async move {
            let _permit = permit;
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT);
            let _ = http.serve_connection(TokioIo::new(stream), service).await;
        });
    }
}
