//! `jixiao serve`: the browser app. An HTTP server (axum on a small tokio runtime) over the same
//! library the CLI uses; pages are rendered by `output::web`, the JSON API returns the objects of
//! `--format json`. Every asset is inside the binary.
//!
//! The server only reads the index, like the CLI's read commands, so it runs beside `jixiao ingest`:
//! when the index's `meta.json` changes (a commit), the next request opens the index again and the
//! figures computed over the whole collection (problems, departments) are computed afresh.

mod conn;
mod edit;
mod guard;
mod handlers;
mod state;
mod upload;

use edit::*;
use handlers::*;
use state::*;
use upload::*;
use crate::schema::Domain;
use crate::output::web;
use crate::store::DataDir;
use anyhow::{bail, Context, Result};
use axum::extract::{DefaultBodyLimit, Path as UrlPath};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// Uploads received at once; more wait. Each streams to disk, so memory stays a few buffers each.
pub const MAX_UPLOADS_AT_ONCE: usize = 2;

/// The most hits one API call returns.
pub const MAX_API_HITS: usize = 100;

/// Where and how to serve.
#[derive(Debug, Clone)]
pub struct Options {
    pub host: String,
    pub port: u16,
    /// Show the import page and accept uploads.
    pub allow_ingest: bool,
}

/// True for addresses only this machine can reach.
pub fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

async fn asset(UrlPath(name): UrlPath<String>) -> Response {
    match name.as_str() {
        "app.css" => ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], web::CSS).into_response(),
        "app.js" => ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], web::JS).into_response(),
        _ => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(search_page))
        .route("/{file}", get(export))
        .route("/report/{id}", get(report_page))
        .route("/problems", get(problems_page))
        .route("/problems/discover", get(clusters_page))
        .route("/problems/{file}", get(problems_export))
        .route("/problems/theme/{theme}", get(theme_page))
        .route("/department", get(department_page))
        .route("/department/{file}", get(units_export))
        .route("/metrics", get(metrics_page))
        .route("/metrics/{file}", get(metrics_export))
        .route("/similar/{id}", get(similar_page))
        .route("/ingest", get(ingest_page))
        .route("/assets/{name}", get(asset))
        .route("/api/search", get(api_search))
        .route("/api/report/{id}", get(api_report))
        .route("/api/problems", get(api_problems))
        .route("/api/problems/discover", get(api_clusters))
        .route("/api/problems/theme/{theme}", get(api_theme))
        .route("/api/department", get(api_department))
        .route("/api/metrics", get(api_metrics))
        .route("/api/similar/{id}", get(api_similar))
        .route("/api/ingest", post(api_ingest))
        .route("/api/report/{id}/set", post(api_set))
        .route("/api/units/merge", post(api_merge))
        .route("/api/units/split", post(api_split))
        .fallback(no_such_page)
        // A report file at the size limit, plus the form's own bytes.
        .layer(DefaultBodyLimit::max(crate::extract::MAX_FILE_BYTES as usize + 64 * 1024))
        .layer(axum::middleware::from_fn_with_state(app.clone(), guard::check))
        .with_state(app)
}

/// Serves until the process is stopped; `ready` is called with the address once it listens (port
/// 0 picks a free port).
pub fn run(data: DataDir, domain: Arc<Domain>, opts: &Options, ready: impl FnOnce(SocketAddr)) -> Result<()> {
    if !data.search().join("meta.json").exists() && !opts.allow_ingest {
        bail!("no reports in {} yet: run `jixiao demo` or `jixiao ingest PATH` first{}", data.root.display(), if opts.allow_ingest { "" } else { " (or start with --allow-ingest and upload them)" });
    }
    let app = Arc::new(App {
        data,
        domain,
        allow_ingest: opts.allow_ingest,
        snapshot: Mutex::new(None),
        ingesting: Mutex::new(()),
        receiving: tokio::sync::Semaphore::new(MAX_UPLOADS_AT_ONCE),
        bound_host: opts.host.clone(),
        token: guard::new_token(),
    });
    if !opts.allow_ingest {
        app.snapshot()?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().context("cannot start the server's runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind((opts.host.as_str(), opts.port)).await.with_context(|| format!("cannot listen on {}:{}", opts.host, opts.port))?;
        ready(listener.local_addr()?);
        conn::serve(listener, router(app)).await.context("the server stopped")
    })
}
