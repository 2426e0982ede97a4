//! The routes' handlers: each reads its request into typed filters, calls the library and renders
//! a page or JSON; errors become a page or JSON with a message.

use super::state::*;
use super::MAX_API_HITS;
use crate::analysis::{department, metrics, overview, problems};
use crate::index::ReportDoc;
use crate::model::{Category, ReportId};
use crate::schema::Domain;
use crate::output::web;
use crate::request::{filters_of, MetricParams, SearchParams, MAX_PAGE, PER_PAGE};
use crate::model::YearRange;
use crate::query::{facets::Facets, Filters};
use anyhow::Context;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use std::sync::Arc;

/// What a handler can end with: a page or JSON, or an error with its HTTP status.
pub(super) enum Failure {
    /// The request asks for something wrong (a bad query, an unknown id): 400 or 404.
    User(StatusCode, String),
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Internal(e)
    }
}

pub(super) type Reply = std::result::Result<Response, Failure>;

pub(super) fn bad(msg: impl Into<String>) -> Failure {
    Failure::User(StatusCode::BAD_REQUEST, msg.into())
}

pub(super) fn not_found(msg: impl Into<String>) -> Failure {
    Failure::User(StatusCode::NOT_FOUND, msg.into())
}

pub(super) fn html_page(m: maud::Markup) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], m.into_string()).into_response()
}

/// Runs a handler's work off the async threads (index reads block); a panic becomes a 500.
pub(super) async fn blocking(app: Arc<App>, api: bool, f: impl FnOnce(&App) -> Reply + Send + 'static) -> Response {
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

/// Query-string parameters. A malformed one (`page=abc`, `per_page=-1`) is answered like every other
/// error: a page with the message, or JSON under /api/ (axum's own answer is plain text).
pub(super) struct Params<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send + 'static> axum::extract::FromRequestParts<Arc<App>> for Params<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, app: &Arc<App>) -> Result<Self, Response> {
        match Query::<T>::from_request_parts(parts, app).await {
            Ok(Query(t)) => Ok(Params(t)),
            Err(e) => {
                let api = parts.uri.path().starts_with("/api/");
                let body = e.body_text();
                let msg = format!("参数有误：{}", body.strip_prefix("Failed to deserialize query string: ").unwrap_or(&body));
                Err(blocking(app.clone(), api, move |_| Err(bad(msg))).await)
            }
        }
    }
}

/// Any path the app does not have: a page (or JSON under /api/) saying so.
pub(super) async fn no_such_page(State(app): State<Arc<App>>, uri: axum::http::Uri) -> Response {
    let api = uri.path().starts_with("/api/");
    blocking(app, api, move |_| Err(not_found(format!("没有这个页面：{}", uri.path())))).await
}

/// A search's page of hits and its facets.
pub(super) struct SearchResult {
    pub(super) hits: Vec<crate::query::Hit>,
    pub(super) total: usize,
    pub(super) facets: Facets,
    pub(super) page: usize,
    /// The filters the request asked for, as the search read them.
    pub(super) filters: Filters,
}

pub(super) fn run_search(app: &App, snap: &Snapshot, p: &SearchParams, per_page: usize) -> std::result::Result<SearchResult, String> {
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
            s.facets_beside_choices(&p.q, &filters)
        });
        let found = s.search(&p.q, &filters, per_page, (page - 1) * per_page);
        (found, facets.join().unwrap_or_else(|_| Err(anyhow::anyhow!("internal error while counting facets"))))
    });
    let (hits, total) = found.map_err(|e| web::error_message(&e))?;
    let facets = facets.map_err(|e| web::error_message(&e))?;
    Ok(SearchResult { hits, total, facets, page, filters })
}

pub(super) async fn search_page(State(app): State<Arc<App>>, Params(p): Params<SearchParams>) -> Response {
    blocking(app, false, move |app| {
        let snap = app.snapshot()?;
        // Nothing asked yet: the overview (the list of every section is a page away).
        if p.page.is_none() && p.pairs().iter().all(|(_, v)| v.trim().is_empty()) {
            let themes = snap.problems(&app.domain)?;
            let o = overview::overview(&snap.reports()?, snap.units(&app.domain)?, &themes.1, 8);
            return Ok(html_page(web::overview_page(&app.frame(Some(&snap)), &o)));
        }
        let (result, error) = match run_search(app, &snap, &p, PER_PAGE) {
            Ok(r) => (r, None),
            Err(e) => (SearchResult { hits: vec![], total: 0, facets: Facets::default(), page: 1, filters: Filters::default() }, Some(e)),
        };
        // A year the collection does not hold finds nothing: say which years it holds.
        let notice = match result.total {
            0 if error.is_none() => crate::analysis::years_not_held(&snap.reports()?, &result.filters.years).map(|n| web::years_not_held(&n, &p.year)),
            _ => None,
        };
        let view = web::SearchView {
            notice,
            params: &p,
            hits: &result.hits,
            total: result.total,
            facets: &result.facets,
            page: result.page,
            per_page: PER_PAGE,
            themes: &app.domain.themes,
            categories: &app.domain.categories,
            error,
        };
        Ok(html_page(web::search_page(&app.frame(Some(&snap)), &view)))
    })
    .await
}

#[derive(Deserialize)]
pub(super) struct ApiSearchParams {
    #[serde(flatten)]
    pub(super) search: SearchParams,
    #[serde(default, deserialize_with = "crate::request::whole_number")]
    pub(super) per_page: Option<usize>,
}

pub(super) async fn api_search(State(app): State<Arc<App>>, Params(p): Params<ApiSearchParams>) -> Response {
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
pub(super) async fn export(State(app): State<Arc<App>>, UrlPath(file): UrlPath<String>, Params(p): Params<SearchParams>) -> Response {
    blocking(app, false, move |app| {
        let snap = app.snapshot()?;
        let filters = filters_of(&p, &app.domain).map_err(bad)?;
        let s = snap.searching(&app.domain);
        let q = Some(p.q.trim()).filter(|q| !q.is_empty());
        sheet_download(&file, &["export"], |_, format, path| {
            let (searcher, addrs) = s.all_matches(q, &filters)?;
            let kind = if format == crate::output::analysis::TableFormat::Csv { "csv" } else { "xlsx" };
            let headers = <crate::output::analysis::ExportRow as crate::output::analysis::Tabular>::headers();
            let mut sink = crate::output::tabular::open_sink_labelled(kind, Some(path), &headers, Some(&app.domain.themes))?;
            let relevance = |score: f32| q.is_some().then_some(score);
            s.load_in_chunks(&searcher, &addrs, |score, doc| sink.row(&crate::output::analysis::Tabular::cells(&crate::output::analysis::ExportRow { doc: &doc, score: relevance(score) })))?;
            sink.finish()
        })
    })
    .await
}

pub(super) fn resolve(snap: &Snapshot, typed: &str) -> std::result::Result<ReportId, Failure> {
    crate::query::resolve_report(&snap.index, typed).map_err(|e| match e.downcast_ref::<crate::query::ReportLookup>() {
        Some(crate::query::ReportLookup::NotFound(_)) => not_found(format!("没有编号为 {typed} 的报告")),
        Some(crate::query::ReportLookup::Ambiguous { count, .. }) => bad(format!("{typed} 是 {count} 份报告编号的开头，请给出更长的编号")),
        None => Failure::from(e),
    })
}

#[derive(Deserialize)]
pub(super) struct ReportParams {
    pub(super) hit: Option<u32>,
}

pub(super) async fn report_page(State(app): State<Arc<App>>, UrlPath(id): UrlPath<String>, Params(p): Params<ReportParams>) -> Response {
    blocking(app, false, move |app| {
        let snap = app.snapshot()?;
        let id = resolve(&snap, &id)?;
        let report = snap.index.report(&id)?.ok_or_else(|| not_found(format!("没有编号为 {id} 的报告")))?;
        let sections = snap.index.sections_of(&id)?;
        Ok(html_page(web::report_page(&app.frame(Some(&snap)), &report, &sections, p.hit, &app.domain.themes, &app.domain.categories)))
    })
    .await
}

pub(super) async fn api_report(State(app): State<Arc<App>>, UrlPath(id): UrlPath<String>) -> Response {
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

pub(super) async fn problems_page(State(app): State<Arc<App>>) -> Response {
    blocking(app, false, move |app| {
        let snap = app.snapshot()?;
        let p = snap.problems(&app.domain)?;
        Ok(html_page(web::problems_page(&app.frame(Some(&snap)), &p.0, &p.1)))
    })
    .await
}

pub(super) async fn api_problems(State(app): State<Arc<App>>) -> Response {
    blocking(app, true, move |app| {
        let snap = app.snapshot()?;
        let p = snap.problems(&app.domain)?;
        Ok(Json(serde_json::json!({ "by_year": p.0, "themes": p.1 })).into_response())
    })
    .await
}

pub(super) fn theme_rows(app: &App, snap: &Snapshot, theme: &str) -> std::result::Result<Arc<Vec<problems::DepartmentRow>>, Failure> {
    app.domain.themes.require(theme).map_err(|_| not_found(format!("没有问题主题“{theme}”；请从 问题 页选择主题")))?;
    Ok(snap.theme_rows(&app.domain, theme)?)
}

pub(super) async fn theme_page(State(app): State<Arc<App>>, UrlPath(theme): UrlPath<String>) -> Response {
    blocking(app, false, move |app| {
        let snap = app.snapshot()?;
        let rows = theme_rows(app, &snap, &theme)?;
        let label = app.domain.themes.get(&theme).map(|t| t.label.clone()).unwrap_or_default();
        Ok(html_page(web::theme_page(&app.frame(Some(&snap)), &theme, &label, &rows)))
    })
    .await
}

pub(super) async fn api_theme(State(app): State<Arc<App>>, UrlPath(theme): UrlPath<String>) -> Response {
    blocking(app, true, move |app| {
        let snap = app.snapshot()?;
        Ok(Json(&*theme_rows(app, &snap, &theme)?).into_response())
    })
    .await
}

pub(super) async fn clusters_page(State(app): State<Arc<App>>) -> Response {
    blocking(app, false, move |app| {
        let snap = app.snapshot()?;
        let c = snap.clusters(&app.domain)?;
        Ok(html_page(web::clusters_page(&app.frame(Some(&snap)), &c)))
    })
    .await
}

pub(super) async fn api_clusters(State(app): State<Arc<App>>) -> Response {
    blocking(app, true, move |app| {
        let snap = app.snapshot()?;
        Ok(Json(&*snap.clusters(&app.domain)?).into_response())
    })
    .await
}

#[derive(Deserialize, Default)]
pub(super) struct DepartmentParams {
    #[serde(default)]
    pub(super) name: String,
    #[serde(default)]
    pub(super) filter: String,
}

pub(super) fn department_view(snap: &Snapshot, domain: &Domain, name: &str) -> std::result::Result<department::DepartmentView, Failure> {
    // Every report of the unit, whichever of its names it is written with.
    let units = snap.units(domain)?;
    let name = units.unit_of(name);
    let reports: Vec<ReportDoc> = snap.reports()?.iter().filter(|r| r.report.meta.department.as_deref().is_some_and(|d| units.unit_of(d) == name)).cloned().collect();
    if reports.is_empty() {
        return Err(not_found(format!("没有部门 {name} 的报告")));
    }
    let mut sections = Vec::with_capacity(reports.len());
    for r in &reports {
        sections.push(snap.index.sections_of(&r.report.id)?);
    }
    Ok(department::view(name, &reports, &sections))
}

pub(super) async fn department_page(State(app): State<Arc<App>>, Params(p): Params<DepartmentParams>) -> Response {
    blocking(app, false, move |app| {
        let snap = app.snapshot()?;
        let frame = app.frame(Some(&snap));
        if p.name.trim().is_empty() {
            let part = p.filter.trim();
            let list: Vec<(String, usize)> = snap
                .units(&app.domain)?
                .units()
                .iter()
                .filter(|u| u.name.contains(part) || u.variants.iter().any(|v| v.name.contains(part)))
                .map(|u| (u.name.clone(), u.reports))
                .collect();
            return Ok(html_page(web::departments_page(&frame, &list, &p.filter)));
        }
        let v = department_view(&snap, &app.domain, p.name.trim())?;
        Ok(html_page(web::department_page(&frame, &v, &app.domain.themes)))
    })
    .await
}

pub(super) async fn api_department(State(app): State<Arc<App>>, Params(p): Params<DepartmentParams>) -> Response {
    blocking(app, true, move |app| {
        let snap = app.snapshot()?;
        if p.name.trim().is_empty() {
            return Err(bad("give the department's name: /api/department?name=…"));
        }
        Ok(Json(department_view(&snap, &app.domain, p.name.trim())?).into_response())
    })
    .await
}

pub(super) fn metric_rows(app: &App, snap: &Snapshot, p: &MetricParams) -> std::result::Result<Vec<metrics::MetricRow>, Failure> {
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

pub(super) async fn metrics_page(State(app): State<Arc<App>>, Params(p): Params<MetricParams>) -> Response {
    blocking(app, false, move |app| {
        let snap = app.snapshot()?;
        let defs = app.domain.metrics()?;
        let mut names: Vec<(String, String)> = defs.list.iter().map(|d| (d.name.clone(), d.label.clone())).collect();
        names.push((crate::schema::INDICATOR_SCORE.to_string(), "指标得分".to_string()));
        let (rows, error) = match metric_rows(app, &snap, &p) {
            Ok(rows) => (rows, None),
            Err(Failure::User(_, m)) => (vec![], Some(m)),
            Err(e) => return Err(e),
        };
        Ok(html_page(web::metrics_page(&app.frame(Some(&snap)), &p, &names, &rows, error.as_deref())))
    })
    .await
}

/// A table of a page as a download: `file` is STEM.csv or STEM.xlsx with STEM one of `stems`;
/// `write` writes the table in that format to the path it is given.
fn sheet_download(file: &str, stems: &[&str], write: impl FnOnce(&str, crate::output::analysis::TableFormat, &std::path::Path) -> anyhow::Result<()>) -> Reply {
    let (stem, kind) = file.rsplit_once('.').ok_or_else(|| not_found("没有这个页面"))?;
    let format = match kind {
        "csv" => crate::output::analysis::TableFormat::Csv,
        "xlsx" => crate::output::analysis::TableFormat::Xlsx,
        _ => return Err(not_found("没有这个页面")),
    };
    if !stems.contains(&stem) {
        return Err(not_found("没有这个页面"));
    }
    let tmp = tempfile::Builder::new().suffix(&format!(".{kind}")).tempfile().context("cannot create a temporary file for the export")?;
    write(stem, format, tmp.path())?;
    let bytes = std::fs::read(tmp.path()).context("cannot read the export back")?;
    let mime = if kind == "csv" { "text/csv; charset=utf-8" } else { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" };
    let disposition = format!("attachment; filename=\"jixiao-{stem}.{kind}\"");
    Ok(([(header::CONTENT_TYPE, mime.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response())
}

/// The metrics table as a file (`/metrics/metrics.csv`, `/metrics/metrics.xlsx`): every row the
/// page's filters select, not one page.
pub(super) async fn metrics_export(State(app): State<Arc<App>>, UrlPath(file): UrlPath<String>, Params(p): Params<MetricParams>) -> Response {
    blocking(app, false, move |app| {
        let snap = app.snapshot()?;
        let rows = metric_rows(app, &snap, &p)?;
        sheet_download(&file, &["metrics"], |_, format, path| crate::output::analysis::write_sheet(&rows, format, Some(path)))
    })
    .await
}

/// The 问题 page's tables as files: the themes (`/problems/problems.xlsx`) and the heatmap of
/// departments by theme and year (`/problems/by-year.xlsx`), CSV alike.
/// The units with the names their reports carry (`/department/units.csv`, `.xlsx`): the 部门
/// list as a table, as `jixiao units` writes it.
pub(super) async fn units_export(State(app): State<Arc<App>>, UrlPath(file): UrlPath<String>) -> Response {
    blocking(app, false, move |app| {
        let snap = app.snapshot()?;
        let units = snap.units(&app.domain)?;
        let all: Vec<&crate::units::Unit> = units.units().iter().collect();
        sheet_download(&file, &["units"], |_, format, path| crate::output::analysis::units(&mut std::io::sink(), &all, format, Some(path)))
    })
    .await
}

pub(super) async fn problems_export(State(app): State<Arc<App>>, UrlPath(file): UrlPath<String>) -> Response {
    blocking(app, false, move |app| {
        let snap = app.snapshot()?;
        let p = snap.problems(&app.domain)?;
        sheet_download(&file, &["problems", "by-year"], |stem, format, path| {
            let mut sink = std::io::sink();
            if stem == "problems" {
                crate::output::analysis::themes(&mut sink, &p.1, format, Some(path))
            } else {
                crate::output::analysis::year_matrix(&mut sink, &p.0, format, Some(path))
            }
        })
    })
    .await
}

pub(super) async fn api_metrics(State(app): State<Arc<App>>, Params(p): Params<MetricParams>) -> Response {
    blocking(app, true, move |app| {
        let snap = app.snapshot()?;
        Ok(Json(metric_rows(app, &snap, &p)?).into_response())
    })
    .await
}

/// Problem paragraphs of other reports most like a section or statement.
pub(super) fn similar_to(app: &App, snap: &Snapshot, id: &str) -> std::result::Result<(String, Vec<crate::query::SimilarHit>), Failure> {
    let found = crate::query::compared_text(&snap.index, id)
        .map_err(|_| not_found(format!("找不到“{id}”：应是库中的章节编号（报告编号-序号）或问题编号（报告编号-序号.N）；可在报告页点“相似问题”进入")))?;
    let f = Filters { categories: vec![Category::Problems], ..Filters::default() };
    let hits = snap.searching(&app.domain).similar(&found.text, &f, Some(&found.report), 20)?;
    Ok((found.text, hits))
}

pub(super) async fn similar_page(State(app): State<Arc<App>>, UrlPath(id): UrlPath<String>) -> Response {
    blocking(app, false, move |app| {
        let snap = app.snapshot()?;
        let (text, hits) = similar_to(app, &snap, &id)?;
        Ok(html_page(web::similar_page(&app.frame(Some(&snap)), &id, &text, &hits, &app.domain.themes)))
    })
    .await
}

pub(super) async fn api_similar(State(app): State<Arc<App>>, UrlPath(id): UrlPath<String>) -> Response {
    blocking(app, true, move |app| {
        let snap = app.snapshot()?;
        let (_, hits) = similar_to(app, &snap, &id)?;
        Ok(Json(hits.iter().map(crate::output::analysis::SimilarJson::new).collect::<Vec<_>>()).into_response())
    })
    .await
}

