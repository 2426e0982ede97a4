//! Uploads (`serve --allow-ingest`): the upload page, and each uploaded file saved under
//! DATA/uploads and ingested.

use super::handlers::*;
use super::state::*;
use crate::ingest::{self, Event, Outcome};
use crate::output::web;
use anyhow::Context;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::sync::Arc;

pub(super) async fn ingest_page(State(app): State<Arc<App>>) -> Response {
    blocking(app, false, move |app| {
        if !app.allow_ingest {
            return Err(not_found("导入未开启：请用 jixiao serve --allow-ingest 启动"));
        }
        let snap = app.snapshot().ok();
        Ok(html_page(web::ingest_page(&app.frame(snap.as_deref()), crate::extract::MAX_FILE_BYTES >> 20, &app.token)))
    })
    .await
}

/// A file name safe to create in the uploads folder: the last path component, without control
/// characters or leading dots, at most 120 characters.
pub(super) fn safe_file_name(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base.chars().filter(|c| !c.is_control()).collect::<String>().trim().trim_start_matches('.').to_string();
    // File systems limit a name to 255 bytes (not characters: a Chinese character is three); the
    // extension is kept so that the file is still read as what it is.
    const MAX_BYTES: usize = 180;
    let clean = if clean.len() <= MAX_BYTES {
        clean
    } else {
        let ext = std::path::Path::new(&clean).extension().and_then(|e| e.to_str()).filter(|e| e.len() <= 8).map(|e| format!(".{e}")).unwrap_or_default();
        let mut stem = String::new();
        for c in clean.chars() {
            if stem.len() + c.len_utf8() + ext.len() > MAX_BYTES {
                break;
            }
            stem.push(c);
        }
        format!("{stem}{ext}")
    };
    (!clean.is_empty()).then_some(clean)
}

/// Saves one uploaded file under DATA/uploads and ingests it; the reply says what became of it.
pub(super) fn ingest_upload(app: &App, name: &str, bytes: &[u8]) -> Reply {
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

pub(super) async fn api_ingest(State(app): State<Arc<App>>, mut form: Multipart) -> Response {
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

