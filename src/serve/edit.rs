//! Changes an analyst makes in the app when writes are allowed (`serve --allow-ingest`): a report's
//! unit or fiscal year corrected (as `jixiao set`), units merged or split (as `jixiao units`). Each
//! comes from the app's own pages with their token (`guard`) and answers JSON `{ok, message}`.

use super::handlers::*;
use super::state::*;
use crate::model::ReportId;
use crate::writer::{BadCorrection, Correction, Writer};
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde::Deserialize;
use std::sync::Arc;

fn answer(ok: bool, message: String) -> Reply {
    Ok(Json(serde_json::json!({ "ok": ok, "message": message })).into_response())
}

fn writes_off() -> Response {
    (StatusCode::FORBIDDEN, Json(serde_json::json!({ "ok": false, "message": "更改未开启：请用 jixiao serve --allow-ingest 启动" }))).into_response()
}

#[derive(Debug, Deserialize)]
pub(super) struct SetForm {
    #[serde(default)]
    department: String,
    #[serde(default)]
    year: String,
}

pub(super) async fn api_set(State(app): State<Arc<App>>, UrlPath(id): UrlPath<String>, Form(f): Form<SetForm>) -> Response {
    if !app.allow_ingest {
        return writes_off();
    }
    blocking(app, true, move |app| {
        let year = match f.year.trim() {
            "" => None,
            y => Some(y.parse::<u16>().map_err(|_| bad(format!("年度应是四位数字：{y}")))?),
        };
        let department = Some(f.department.trim().to_string()).filter(|d| !d.is_empty());
        let c = match (Correction { department, fiscal_year: year }).checked() {
            Ok(c) => c,
            Err(BadCorrection::Nothing) => return answer(false, "没有要更正的内容：请填写单位全称或年度".into()),
            Err(BadCorrection::NotAName(d)) => return answer(false, format!("“{d}”不是单位名称：请填写一行完整的单位全称（如 海宁市审计局）")),
            Err(BadCorrection::Year(y)) => return answer(false, format!("{y} 不是合理的年度（1990–2100）")),
        };
        let id = ReportId(id);
        let _one = app.ingesting.lock().unwrap_or_else(|p| p.into_inner());
        let mut w = Writer::open(&app.data, &app.domain)?;
        if w.store.get(&id)?.is_none() {
            return Err(not_found(format!("没有编号为 {id} 的报告")));
        }
        let r = w.correct(&id, &c)?;
        w.finish()?;
        let m = &r.meta;
        answer(true, format!("已更正：{}，{}，{}", m.department.as_deref().unwrap_or("-"), m.region.display(), m.fiscal_year.map(|y| format!("{y} 年度")).unwrap_or_else(|| "年度未知".into())))
    })
    .await
}

#[derive(Debug, Deserialize)]
pub(super) struct MergeForm {
    into: String,
    name: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct SplitForm {
    name: String,
}

/// The answer for a name no report writes, with the names like it.
fn unknown_name(units: &crate::units::Registry, name: &str) -> Reply {
    let near = units.near(name);
    let hint = if near.is_empty() { String::new() } else { format!("；相近的名称：{}", near.join("、")) };
    answer(false, format!("没有报告写作“{name}”{hint}"))
}

/// A change of the data directory's units, given the collection's units as the app last read
/// them; refused unless writes are allowed.
async fn change_units(app: Arc<App>, change: impl FnOnce(&App, &crate::units::Registry) -> Reply + Send + 'static) -> Response {
    if !app.allow_ingest {
        return writes_off();
    }
    blocking(app, true, move |app| {
        let snap = app.snapshot()?;
        change(app, snap.units(&app.domain)?)
    })
    .await
}

pub(super) async fn api_merge(State(app): State<Arc<App>>, Form(f): Form<MergeForm>) -> Response {
    change_units(app, move |app, units| {
        let (into, name) = (f.into.trim(), f.name.trim());
        // The unit merged into is named by any of its names or by the name it is shown with.
        let target: Vec<String> = units.names_matching(into).into_iter().filter(|n| units.unit_of(n) == units.unit_of(into) || *n == into).map(str::to_string).collect();
        if target.is_empty() {
            return unknown_name(units, into);
        }
        if !units.knows(name) {
            return unknown_name(units, name);
        }
        let shown = units.unit_of(into).to_string();
        let mut names = target;
        names.extend(units.variants_of(name).into_iter().map(str::to_string));
        crate::units::edit_aliases(&app.data, |a| a.merge(&names, &shown))?;
        answer(true, format!("已合并：{name} 归入 {shown}"))
    })
    .await
}

pub(super) async fn api_split(State(app): State<Arc<App>>, Form(f): Form<SplitForm>) -> Response {
    change_units(app, move |app, units| {
        let name = f.name.trim();
        if !units.knows(name) {
            return unknown_name(units, name);
        }
        crate::units::edit_aliases(&app.data, |a| a.split(name))?;
        answer(true, format!("已拆分：{name} 单独作为一个单位"))
    })
    .await
}
