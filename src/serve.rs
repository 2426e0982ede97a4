//! `jixiao serve`: the browser app. An HTTP server (axum on a small tokio runtime) over the same
//! library the CLI uses; pages are rendered by `output::web`, the JSON API returns the objects of
//! `--format json`. Every asset is inside the binary.
//!
//! The server only reads the index, like the CLI's read commands, so it runs beside `jixiao ingest`:
//! when the index's `meta.json` changes (a commit), the next request opens the index again and the
//! figures computed over the whole collection (problems, departments) are computed afresh.

use crate::analysis::{department, metrics, problems};
use crate::domain::Domain;
use crate::index::{ReportDoc, SearchIndex};
use crate::ingest::{self, Event, Outcome};
use crate::model::{Category, ReportId, ReportKind};
use crate::output::web::{self, Frame, MetricParams, SearchParams};
use crate::query::{facets::Facets, Filters, Searching, YearRange};
use crate::store::DataDir;
use anyhow::{bail, Context, Result};
use axum::extract::{DefaultBodyLimit, Multipart, Path as UrlPath, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

/// Hits per page, and the last page a search may ask for (the rest is reached by narrowing, or by
/// exporting).
pub const PER_PAGE: usize = 20;
pub const MAX_PAGE: usize = 250;
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

/// The index as last opened, with what is computed over the whole collection, valid until the
/// index changes.
struct Snapshot {
    index: Arc<SearchIndex>,
    stamp: Option<(SystemTime, u64)>,
    reports: OnceLock<Arc<Vec<ReportDoc>>>,
    problems: OnceLock<Arc<(problems::YearMatrix, Vec<problems::ThemeRow>)>>,
    clusters: OnceLock<Arc<Vec<problems::Cluster>>>,
    /// The facets of everything (the landing page).
    all_facets: OnceLock<Facets>,
    /// Each theme's departments, as asked for.
    themes: Mutex<std::collections::HashMap<String, Arc<Vec<problems::DepartmentRow>>>>,
}

struct App {
    data: DataDir,
    domain: Arc<Domain>,
    allow_ingest: bool,
    snapshot: Mutex<Option<Arc<Snapshot>>>,
    /// One upload is ingested at a time (the data directory has one writer).
    ingesting: Mutex<()>,
}

/// The time and size of the index's list of segments: it changes with every commit.
fn index_stamp(data: &DataDir) -> Option<(SystemTime, u64)> {
    let m = std::fs::metadata(data.search().join("meta.json")).ok()?;
    Some((m.modified().ok()?, m.len()))
}

impl App {
    fn snapshot(&self) -> Result<Arc<Snapshot>> {
        let stamp = index_stamp(&self.data);
        let mut held = self.snapshot.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = held.as_ref().filter(|s| s.stamp == stamp) {
            return Ok(s.clone());
        }
        let index = SearchIndex::open(&self.data.search(), &self.domain.userdict, crate::index::Mode::Read)?;
        let s = Arc::new(Snapshot { index: Arc::new(index), stamp, reports: OnceLock::new(),
            problems: OnceLock::new(),
            clusters: OnceLock::new(),
            all_facets: OnceLock::new(),
            themes: Mutex::new(Default::default()),
        });
        *held = Some(s.clone());
        // What the problems and department pages compute over the whole collection is prepared
        // now, off the request, so the first visitor does not wait for it.
        let (warm, domain) = (s.clone(), self.domain.clone());
        std::thread::spawn(move || {
            let _ = warm.reports();
            let _ = warm.problems(&domain);
            for t in &domain.themes.list {
                let _ = warm.theme_rows(&domain, &t.id.0);
            }
            let _ = warm.clusters(&domain);
        });
        Ok(s)
    }

    fn frame(&self, snap: Option<&Snapshot>) -> Frame {
        let reports = snap.and_then(|s| s.index.count_term(s.index.fields.doc_type, crate::index::DOC_REPORT).ok()).unwrap_or(0);
        Frame { allow_ingest: self.allow_ingest, reports }
    }
}

impl Snapshot {
    fn searching<'a>(&'a self, domain: &'a Domain) -> Searching<'a> {
        Searching { index: &self.index, domain }
    }
    fn reports(&self) -> Result<Arc<Vec<ReportDoc>>> {
        if let Some(r) = self.reports.get() {
            return Ok(r.clone());
        }
        let r = Arc::new(self.index.reports()?);
        Ok(self.reports.get_or_init(|| r).clone())
    }
    fn problems(&self, domain: &Domain) -> Result<Arc<(problems::YearMatrix, Vec<problems::ThemeRow>)>> {
        if let Some(p) = self.problems.get() {
            return Ok(p.clone());
        }
        let docs = self.searching(domain).all_docs_as(None, &Filters { category: Some(Category::Problems), ..Filters::default() }, problems::for_tables)?;
        let p = Arc::new((problems::by_year(&docs, &domain.themes), problems::by_theme(&docs, &domain.themes, 1)));
        Ok(self.problems.get_or_init(|| p).clone())
    }
    /// One theme's departments with their years and copied-forward years (`problems --theme`).
    fn theme_rows(&self, domain: &Domain, theme: &str) -> Result<Arc<Vec<problems::DepartmentRow>>> {
        if let Some(rows) = self.themes.lock().unwrap_or_else(|p| p.into_inner()).get(theme) {
            return Ok(rows.clone());
        }
        let f = Filters { category: Some(Category::Problems), theme: Some(theme.to_string()), ..Filters::default() };
        let docs = self.searching(domain).all_docs(None, &f)?;
        let refs: Vec<_> = docs.iter().collect();
        let rows = Arc::new(problems::by_department(&refs, domain, 1));
        self.themes.lock().unwrap_or_else(|p| p.into_inner()).insert(theme.to_string(), rows.clone());
        Ok(rows)
    }
    fn clusters(&self, domain: &Domain) -> Result<Arc<Vec<problems::Cluster>>> {
        if let Some(c) = self.clusters.get() {
            return Ok(c.clone());
        }
        // Discovery reads the statements no theme names: whole sections.
        let docs = self.searching(domain).all_docs(None, &Filters { category: Some(Category::Problems), ..Filters::default() })?;
        let c = Arc::new(problems::discover(&docs, domain));
        Ok(self.clusters.get_or_init(|| c).clone())
    }
}

/// What a handler can end with: a page or JSON, or an error with its HTTP status.
enum Failure {
    /// The request asks for something wrong (a bad query, an unknown id): 400 or 404.
    User(StatusCode, String),
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Internal(e)
    }
}

type Reply = std::result::Result<Response, Failure>;

fn bad(msg: impl Into<String>) -> Failure {
    Failure::User(StatusCode::BAD_REQUEST, msg.into())
}

fn not_found(msg: impl Into<String>) -> Failure {
    Failure::User(StatusCode::NOT_FOUND, msg.into())
}

fn html_page(m: maud::Markup) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], m.into_string()).into_response()
}

/// Runs a handler's work off the async threads (index reads block); a panic becomes a 500.
async fn blocking(app: Arc<App>, api: bool, f: impl FnOnce(&App) -> Reply + Send + 'static) -> Response {
    let app2 = app.clone();
    let result = tokio::task::spawn_blocking(move || f(&app2)).await.unwrap_or_else(|e| Err(Failure::Internal(anyhow::anyhow!("internal error: {e}"))));
    match result {
        Ok(r) => r,
        Err(failure) => {
            let (status, msg) = match failure {
                Failure::User(s, m) => (s, m),
                Failure::Internal(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")),
            };
            if api {
                (status, Json(serde_json::json!({ "error": msg }))).into_response()
            } else {
                let snap = app.snapshot().ok();
                let title = if status == StatusCode::NOT_FOUND { "找不到" } else if status.is_client_error() { "请求有误" } else { "出错了" };
                (status, html_page(web::message_page(&app.frame(snap.as_deref()), title, &msg))).into_response()
            }
        }
    }
}

/// The filters of a search page or API call, checked.
fn filters_of(p: &SearchParams, domain: &Domain) -> std::result::Result<Filters, String> {
    let mut f = Filters::default();
    if !p.year.is_empty() {
        f.years = Some(p.year.parse::<YearRange>()?);
    }
    if !p.kind.is_empty() {
        f.kind = Some(ReportKind::parse(&p.kind).ok_or_else(|| format!("未知的报告类型 {:?}", p.kind))?);
    }
    if !p.category.is_empty() {
        f.category = Some(Category::parse(&p.category).ok_or_else(|| format!("未知的章节类别 {:?}", p.category))?);
    }
    if !p.theme.is_empty() {
        domain.themes.require(&p.theme).map_err(|e| e.to_string())?;
        f.theme = Some(p.theme.clone());
    }
    f.department = Some(p.dept.trim().to_string()).filter(|d| !d.is_empty());
    f.region = Some(p.region.trim().to_string()).filter(|r| !r.is_empty());
    Ok(f)
}

/// A search's page of hits and its facets.
struct SearchResult {
    hits: Vec<crate::query::Hit>,
    total: usize,
    facets: Facets,
    page: usize,
}

fn run_search(app: &App, snap: &Snapshot, p: &SearchParams, per_page: usize) -> std::result::Result<SearchResult, String> {
    let filters = filters_of(p, &app.domain)?;
    let page = p.page.unwrap_or(1).clamp(1, MAX_PAGE);
    let s = snap.searching(&app.domain);
    // The hits and the facet counts are two passes over the matches: run them side by side.
    let (found, facets) = std::thread::scope(|scope| {
        let facets = scope.spawn(|| {
            // The landing page (nothing asked yet) counts everything: once per index version.
            if p.q.trim().is_empty() && filters == Filters::default() {
                if let Some(f) = snap.all_facets.get() {
                    return Ok(f.clone());
                }
                let f = s.facets("", &filters)?;
                return Ok(snap.all_facets.get_or_init(|| f).clone());
            }
            s.facets(&p.q, &filters)
        });
        let found = s.search(&p.q, &filters, per_page, (page - 1) * per_page);
        (found, facets.join().unwrap_or_else(|_| Err(anyhow::anyhow!("internal error while counting facets"))))
    });
    let (hits, total) = found.map_err(|e| format!("{e:#}"))?;
    let facets = facets.map_err(|e| format!("{e:#}"))?;
    Ok(SearchResult { hits, total, facets, page })
}

async fn search_page(State(app): State<Arc<App>>, Query(p): Query<SearchParams>) -> Response {
    blocking(app, false, move |app| {
        let snap = app.snapshot()?;
        let (result, error) = match run_search(app, &snap, &p, PER_PAGE) {
            Ok(r) => (r, None),
            Err(e) => (SearchResult { hits: vec![], total: 0, facets: Facets::default(), page: 1 }, Some(e)),
        };
        let view = web::SearchView {
            params: &p,
            hits: &result.hits,
            total: result.total,
            facets: &result.facets,
            page: result.page,
            per_page: PER_PAGE,
            themes: &app.domain.themes,
            error,
        };
        Ok(html_page(web::search_page(&app.frame(Some(&snap)), &view)))
    })
    .await
}

#[derive(Deserialize)]
struct ApiSearchParams {
    #[serde(flatten)]
    search: SearchParams,
    #[serde(default)]
    per_page: Option<usize>,
}

async fn api_search(State(app): State<Arc<App>>, Query(p): Query<ApiSearchParams>) -> Response {
    blocking(app, true, move |app| {
        let snap = app.snapshot()?;
        let per_page = p.per_page.unwrap_or(PER_PAGE);
        if per_page == 0 || per_page > MAX_API_HITS {
            return Err(bad(format!("per_page must be 1 to {MAX_API_HITS}")));
        }
        let r = run_search(app, &snap, &p.search, per_page).map_err(bad)?;
        let hits: Vec<_> = r.hits.iter().map(crate::output::HitJson::new).collect();
        Ok(Json(serde_json::json!({ "total": r.total, "page": r.page, "per_page": per_page, "hits": hits, "facets": r.facets })).into_response())
    })
    .await
}

/// `/export.csv` and `/export.xlsx`: every hit of the search as the page shows it.
async fn export(State(app): State<Arc<App>>, UrlPath(file): UrlPath<String>, Query(p): Query<SearchParams>) -> Response {
    blocking(app, false, move |app| {
        let kind = match file.as_str() {
            "export.csv" => "csv",
            "export.xlsx" => "xlsx",
            _ => return Err(not_found("没有这个页面")),
        };
        let snap = app.snapshot()?;
        let filters = filters_of(&p, &app.domain).map_err(bad)?;
        let s = snap.searching(&app.domain);
        let q = Some(p.q.trim()).filter(|q| !q.is_empty());
        let (searcher, addrs) = s.all_matches(q, &filters).map_err(|e| bad(format!("{e:#}")))?;
        let tmp = tempfile::Builder::new().suffix(&format!(".{kind}")).tempfile().context("cannot create a temporary file for the export")?;
        let headers = <crate::output::analysis::ExportRow as crate::output::analysis::Tabular>::headers();
        let mut sink = crate::output::tabular::open_sink(kind, Some(tmp.path()), &headers)?;
        s.load_in_chunks(&searcher, &addrs, |score, doc| sink.row(&crate::output::analysis::Tabular::cells(&crate::output::analysis::ExportRow { doc: &doc, score })))?;
        sink.finish()?;
        let bytes = std::fs::read(tmp.path()).context("cannot read the export back")?;
        let mime = if kind == "csv" { "text/csv; charset=utf-8" } else { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" };
        let disposition = format!("attachment; filename=\"jixiao-export.{kind}\"");
        Ok(([(header::CONTENT_TYPE, mime.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response())
    })
    .await
}

fn resolve(snap: &Snapshot, typed: &str) -> std::result::Result<ReportId, Failure> {
    match snap.index.resolve_prefix(typed)?.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(not_found(format!("没有编号为 {typed} 的报告"))),
        many => Err(bad(format!("{typed} 是 {} 份报告编号的开头，请给出更长的编号", many.len()))),
    }
}

#[derive(Deserialize)]
struct ReportParams {
    hit: Option<u32>,
}

async fn report_page(State(app): State<Arc<App>>, UrlPath(id): UrlPath<String>, Query(p): Query<ReportParams>) -> Response {
    blocking(app, false, move |app| {
        let snap = app.snapshot()?;
        let id = resolve(&snap, &id)?;
        let report = snap.index.report(&id)?.ok_or_else(|| not_found(format!("没有编号为 {id} 的报告")))?;
        let sections = snap.index.sections_of(&id)?;
        Ok(html_page(web::report_page(&app.frame(Some(&snap)), &report, &sections, p.hit, &app.domain.themes)))
    })
    .await
}

async fn api_report(State(app): State<Arc<App>>, UrlPath(id): UrlPath<String>) -> Response {
    blocking(app, true, move |app| {
        let snap = app.snapshot()?;
        let id = resolve(&snap, &id)?;
        let report = snap.index.report(&id)?.ok_or_else(|| not_found(format!("no report {id}")))?;
        let sections = snap.index.sections_of(&id)?;
        let json = serde_json::json!({
            "report": crate::output::ReportJson::new(&report.report, report.section_count),
            "sections": sections.iter().map(crate::output::SectionJson::new).collect::<Vec<_>>(),
        });
        Ok(Json(json).into_response())
    })
    .await
}

async fn problems_page(State(app): State<Arc<App>>) -> Response {
    blocking(app, false, move |app| {
        let snap = app.snapshot()?;
        let p = snap.problems(&app.domain)?;
        Ok(html_page(web::problems_page(&app.frame(Some(&snap)), &p.0, &p.1)))
    })
    .await
}

async fn api_problems(State(app): State<Arc<App>>) -> Response {
    blocking(app, true, move |app| {
        let snap = app.snapshot()?;
        let p = snap.problems(&app.domain)?;
        Ok(Json(serde_json::json!({ "by_year": p.0, "themes": p.1 })).into_response())
    })
    .await
}

fn theme_rows(app: &App, snap: &Snapshot, theme: &str) -> std::result::Result<Arc<Vec<problems::DepartmentRow>>, Failure> {
    app.domain.themes.require(theme).map_err(|e| not_found(e.to_string()))?;
    Ok(snap.theme_rows(&app.domain, theme)?)
}

async fn theme_page(State(app): State<Arc<App>>, UrlPath(theme): UrlPath<String>) -> Response {
    blocking(app, false, move |app| {
        let snap = app.snapshot()?;
        let rows = theme_rows(app, &snap, &theme)?;
        let label = app.domain.themes.get(&theme).map(|t| t.label.clone()).unwrap_or_default();
        Ok(html_page(web::theme_page(&app.frame(Some(&snap)), &theme, &label, &rows)))
    })
    .await
}

async fn api_theme(State(app): State<Arc<App>>, UrlPath(theme): UrlPath<String>) -> Response {
    blocking(app, true, move |app| {
        let snap = app.snapshot()?;
        Ok(Json(&*theme_rows(app, &snap, &theme)?).into_response())
    })
    .await
}

async fn clusters_page(State(app): State<Arc<App>>) -> Response {
    blocking(app, false, move |app| {
        let snap = app.snapshot()?;
        let c = snap.clusters(&app.domain)?;
        Ok(html_page(web::clusters_page(&app.frame(Some(&snap)), &c)))
    })
    .await
}

async fn api_clusters(State(app): State<Arc<App>>) -> Response {
    blocking(app, true, move |app| {
        let snap = app.snapshot()?;
        Ok(Json(&*snap.clusters(&app.domain)?).into_response())
    })
    .await
}

#[derive(Deserialize, Default)]
struct DepartmentParams {
    #[serde(default)]
    name: String,
    #[serde(default)]
    filter: String,
}

fn department_view(snap: &Snapshot, name: &str) -> std::result::Result<department::DepartmentView, Failure> {
    let reports: Vec<ReportDoc> = snap.reports()?.iter().filter(|r| r.report.meta.department.as_deref() == Some(name)).cloned().collect();
    if reports.is_empty() {
        return Err(not_found(format!("没有部门 {name} 的报告")));
    }
    let mut sections = Vec::with_capacity(reports.len());
    for r in &reports {
        sections.push(snap.index.sections_of(&r.report.id)?);
    }
    Ok(department::view(name, &reports, &sections))
}

async fn department_page(State(app): State<Arc<App>>, Query(p): Query<DepartmentParams>) -> Response {
    blocking(app, false, move |app| {
        let snap = app.snapshot()?;
        let frame = app.frame(Some(&snap));
        if p.name.trim().is_empty() {
            let mut counts: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
            for r in snap.reports()?.iter() {
                if let Some(d) = &r.report.meta.department {
                    if d.contains(p.filter.trim()) {
                        *counts.entry(d.clone()).or_default() += 1;
                    }
                }
            }
            let list: Vec<(String, usize)> = counts.into_iter().collect();
            return Ok(html_page(web::departments_page(&frame, &list, &p.filter)));
        }
        let v = department_view(&snap, p.name.trim())?;
        Ok(html_page(web::department_page(&frame, &v, &app.domain.themes)))
    })
    .await
}

async fn api_department(State(app): State<Arc<App>>, Query(p): Query<DepartmentParams>) -> Response {
    blocking(app, true, move |app| {
        let snap = app.snapshot()?;
        if p.name.trim().is_empty() {
            return Err(bad("give the department's name: /api/department?name=…"));
        }
        Ok(Json(department_view(&snap, p.name.trim())?).into_response())
    })
    .await
}

fn metric_rows(app: &App, snap: &Snapshot, p: &MetricParams) -> std::result::Result<Vec<metrics::MetricRow>, Failure> {
    let number = |s: &str, what: &str| -> std::result::Result<Option<f64>, Failure> {
        if s.trim().is_empty() {
            return Ok(None);
        }
        s.trim().parse::<f64>().map(Some).map_err(|_| bad(format!("{what} 应是数字：{s}")))
    };
    let names = app.domain.metrics()?.names();
    if !p.name.is_empty() && !names.contains(&p.name.as_str()) {
        return Err(bad(format!("未知的指标 {}；可选：{}", p.name, names.join("、"))));
    }
    let filter = metrics::MetricFilter {
        report: None,
        name: Some(p.name.clone()).filter(|n| !n.is_empty()),
        below: number(&p.below, "低于")?,
        above: number(&p.above, "高于")?,
        years: if p.year.trim().is_empty() { None } else { Some(p.year.parse::<YearRange>().map_err(bad)?) },
        department: Some(p.dept.trim().to_string()).filter(|d| !d.is_empty()),
    };
    Ok(metrics::select(&snap.reports()?, &filter))
}

async fn metrics_page(State(app): State<Arc<App>>, Query(p): Query<MetricParams>) -> Response {
    blocking(app, false, move |app| {
        let snap = app.snapshot()?;
        let defs = app.domain.metrics()?;
        let mut names: Vec<(String, String)> = defs.list.iter().map(|d| (d.name.clone(), d.label.clone())).collect();
        names.push((metrics::INDICATOR_SCORE.to_string(), "指标得分".to_string()));
        let (rows, error) = match metric_rows(app, &snap, &p) {
            Ok(rows) => (rows, None),
            Err(Failure::User(_, m)) => (vec![], Some(m)),
            Err(e) => return Err(e),
        };
        Ok(html_page(web::metrics_page(&app.frame(Some(&snap)), &p, &names, &rows, error.as_deref())))
    })
    .await
}

async fn api_metrics(State(app): State<Arc<App>>, Query(p): Query<MetricParams>) -> Response {
    blocking(app, true, move |app| {
        let snap = app.snapshot()?;
        Ok(Json(metric_rows(app, &snap, &p)?).into_response())
    })
    .await
}

/// Problem paragraphs of other reports most like a section or statement.
fn similar_to(app: &App, snap: &Snapshot, id: &str) -> std::result::Result<(String, Vec<crate::query::SimilarHit>), Failure> {
    let found = crate::query::compared_text(&snap.index, id).map_err(|e| not_found(format!("{e:#}")))?;
    let f = Filters { category: Some(Category::Problems), ..Filters::default() };
    let hits = snap.searching(&app.domain).similar(&found.text, &f, Some(&found.report), 20)?;
    Ok((found.text, hits))
}

async fn similar_page(State(app): State<Arc<App>>, UrlPath(id): UrlPath<String>) -> Response {
    blocking(app, false, move |app| {
        let snap = app.snapshot()?;
        let (text, hits) = similar_to(app, &snap, &id)?;
        Ok(html_page(web::similar_page(&app.frame(Some(&snap)), &id, &text, &hits, &app.domain.themes)))
    })
    .await
}

async fn api_similar(State(app): State<Arc<App>>, UrlPath(id): UrlPath<String>) -> Response {
    blocking(app, true, move |app| {
        let snap = app.snapshot()?;
        let (_, hits) = similar_to(app, &snap, &id)?;
        Ok(Json(hits.iter().map(crate::output::analysis::SimilarJson::new).collect::<Vec<_>>()).into_response())
    })
    .await
}

async fn ingest_page(State(app): State<Arc<App>>) -> Response {
    blocking(app, false, move |app| {
        if !app.allow_ingest {
            return Err(not_found("导入未开启：请用 jixiao serve --allow-ingest 启动"));
        }
        let snap = app.snapshot().ok();
        Ok(html_page(web::ingest_page(&app.frame(snap.as_deref()), crate::extract::MAX_FILE_BYTES >> 20)))
    })
    .await
}

/// A file name safe to create in the uploads folder: the last path component, without control
/// characters or leading dots, at most 120 characters.
fn safe_file_name(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base.chars().filter(|c| !c.is_control()).collect::<String>().trim().trim_start_matches('.').chars().take(120).collect();
    (!clean.is_empty()).then_some(clean)
}

/// Saves one uploaded file under DATA/uploads and ingests it; the reply says what became of it.
fn ingest_upload(app: &App, name: &str, bytes: &[u8]) -> Reply {
    let name = safe_file_name(name).ok_or_else(|| bad("the upload has no file name"))?;
    if crate::extract::Format::of(std::path::Path::new(&name)).is_none() {
        return Ok(Json(serde_json::json!({ "ok": false, "message": format!("{name}：不是支持的格式（.pdf .docx .doc .txt .md .html）") })).into_response());
    }
    let dir = app.data.root.join("uploads");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    // The same name with other content is kept beside, not overwritten.
    let mut path = dir.join(&name);
    let mut n = 1;
    while path.exists() && std::fs::read(&path).map(|old| old != bytes).unwrap_or(true) {
        n += 1;
        path = dir.join(format!("{n}-{name}"));
    }
    std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    let _one = app.ingesting.lock().unwrap_or_else(|p| p.into_inner());
    let mut outcome: Option<std::result::Result<Outcome, String>> = None;
    let mut on_event = |e: Event| {
        if let Event::File { result, .. } = e {
            outcome = Some(result.as_ref().map(Clone::clone).map_err(|e| format!("{e:#}")));
        }
    };
    let ran = ingest::ingest(std::slice::from_ref(&path), false, &app.data, &app.domain, &mut on_event);
    let (ok, message) = match (ran, outcome) {
        (Err(e), _) => (false, format!("{e:#}")),
        (Ok(_), Some(Ok(Outcome::Added(id)))) | (Ok(_), Some(Ok(Outcome::Replaced { new: id, .. }))) => (true, format!("已导入，报告编号 {id}")),
        (Ok(_), Some(Ok(Outcome::Unchanged(id)))) => (true, format!("已在库中（报告编号 {id}）")),
        (Ok(_), Some(Ok(Outcome::Duplicate(id)))) => (true, format!("内容与已有报告 {id} 相同，未重复导入")),
        (Ok(_), Some(Err(e))) => (false, e.replace(&path.display().to_string(), &name)),
        (Ok(_), None) => (false, "没有导入任何内容".to_string()),
    };
    Ok(Json(serde_json::json!({ "ok": ok, "message": message })).into_response())
}

async fn api_ingest(State(app): State<Arc<App>>, mut form: Multipart) -> Response {
    if !app.allow_ingest {
        return (StatusCode::FORBIDDEN, Json(serde_json::json!({ "error": "ingest is off; start with jixiao serve --allow-ingest" }))).into_response();
    }
    let mut file = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                let name = field.file_name().unwrap_or("").to_string();
                match field.bytes().await {
                    Ok(b) => file = Some((name, b)),
                    Err(e) => return (e.status(), Json(serde_json::json!({ "ok": false, "message": format!("上传失败：{}", e.body_text()) }))).into_response(),
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => return (e.status(), Json(serde_json::json!({ "ok": false, "message": format!("上传失败：{}", e.body_text()) }))).into_response(),
        }
    }
    let Some((name, bytes)) = file else {
        return (StatusCode::BAD_REQUEST, Json(serde_json::json!({ "ok": false, "message": "no file field in the upload" }))).into_response();
    };
    blocking(app, true, move |app| ingest_upload(app, &name, &bytes)).await
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
        .route("/problems/theme/{theme}", get(theme_page))
        .route("/department", get(department_page))
        .route("/metrics", get(metrics_page))
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
        // A report file at the size limit, plus the form's own bytes.
        .layer(DefaultBodyLimit::max(crate::extract::MAX_FILE_BYTES as usize + 64 * 1024))
        .with_state(app)
}

/// Serves until the process is stopped; `ready` is called with the address once it listens (port
/// 0 picks a free port).
pub fn run(data: DataDir, domain: Arc<Domain>, opts: &Options, ready: impl FnOnce(SocketAddr)) -> Result<()> {
    if !data.search().join("meta.json").exists() && !opts.allow_ingest {
        bail!("no reports in {} yet: run `jixiao demo` or `jixiao ingest PATH` first{}", data.root.display(), if opts.allow_ingest { "" } else { " (or start with --allow-ingest and upload them)" });
    }
    let app = Arc::new(App { data, domain, allow_ingest: opts.allow_ingest, snapshot: Mutex::new(None), ingesting: Mutex::new(()) });
    if !opts.allow_ingest {
        app.snapshot()?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().context("cannot start the server's runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind((opts.host.as_str(), opts.port)).await.with_context(|| format!("cannot listen on {}:{}", opts.host, opts.port))?;
        ready(listener.local_addr()?);
        axum::serve(listener, router(app)).await.context("the server stopped")
    })
}
