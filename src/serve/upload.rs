//! Uploads (`serve --allow-ingest`): the upload page, and each uploaded file saved under
//! DATA/uploads and ingested.

use super::handlers::*;
use super::state::*;
use crate::ingest::{self, Event, Outcome};
use crate::output::web;
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

/// True when two files hold the same bytes (read in step, never whole).
fn same_content(a: &std::path::Path, b: &std::path::Path) -> bool {
    use std::io::Read;
    let (Ok(fa), Ok(fb)) = (std::fs::File::open(a), std::fs::File::open(b)) else { return false };
    if fa.metadata().map(|m| m.len()).ok() != fb.metadata().map(|m| m.len()).ok() {
        return false;
    }
    let (mut ra, mut rb) = (std::io::BufReader::new(fa), std::io::BufReader::new(fb));
    let (mut ba, mut bb) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let Ok(n) = ra.read(&mut ba) else { return false };
        if n == 0 {
            return rb.read(&mut bb).is_ok_and(|m| m == 0);
        }
        if rb.read_exact(&mut bb[..n]).is_err() || ba[..n] != bb[..n] {
            return false;
        }
    }
}

/// Moves one received upload (a temporary file in DATA/uploads) to its name there and ingests it;
/// the reply says what became of it.
pub(super) fn ingest_upload(app: &App, name: &str, received: tempfile::NamedTempFile) -> Reply {
    let name = safe_file_name(name).ok_or_else(|| bad("the upload has no file name"))?;
    if crate::extract::Format::of(std::path::Path::new(&name)).is_none() && !crate::extract::archive::is_archive(std::path::Path::new(&name)) {
        return Ok(Json(serde_json::json!({ "ok": false, "message": format!("{name}：不是支持的格式（.pdf .docx .doc .txt .md .html，或装有这些文件的 .zip）") })).into_response());
    }
    let dir = app.data.root.join("uploads");
    // The same name with other content is kept beside, not overwritten.
    let mut path = dir.join(&name);
    let mut n = 1;
    while path.exists() && !same_content(&path, received.path()) {
        n += 1;
        path = dir.join(format!("{n}-{name}"));
    }
    received.persist(&path).map_err(|e| anyhow::anyhow!("cannot write {}: {}", path.display(), e.error))?;
    let _one = app.ingesting.lock().unwrap_or_else(|p| p.into_inner());
    let mut outcomes: Vec<std::result::Result<Outcome, String>> = Vec::new();
    let mut on_event = |e: Event| {
        if let Event::File { result, .. } = e {
            outcomes.push(result.as_ref().map(Clone::clone).map_err(|e| format!("{e:#}")));
        }
    };
    let ran = ingest::ingest(std::slice::from_ref(&path), false, &app.data, &app.domain, &mut on_event);
    // An archive holds several reports: what became of them, counted, with the first failure.
    if ran.is_ok() && outcomes.len() > 1 {
        let added = outcomes.iter().filter(|o| matches!(o, Ok(Outcome::Added(_)) | Ok(Outcome::Replaced { .. }))).count();
        let kept = outcomes.iter().filter(|o| matches!(o, Ok(Outcome::Unchanged(_)) | Ok(Outcome::Duplicate(_)))).count();
        let failed: Vec<&String> = outcomes.iter().filter_map(|o| o.as_ref().err()).collect();
        let mut message = format!("{name}：{} 份报告，新导入 {added} 份，已在库中 {kept} 份", outcomes.len());
        if let Some(first) = failed.first() {
            message.push_str(&format!("，{} 份未能读取（如：{}）", failed.len(), first.replace(&path.display().to_string(), &name)));
        }
        return Ok(Json(serde_json::json!({ "ok": failed.is_empty(), "message": message })).into_response());
    }
    let (ok, message) = match (ran, outcomes.pop()) {
        (Err(e), _) => (false, format!("{e:#}")),
        (Ok(_), Some(Ok(Outcome::Added(id)))) | (Ok(_), Some(Ok(Outcome::Replaced { new: id, .. }))) => (true, format!("已导入，报告编号 {id}")),
        (Ok(_), Some(Ok(Outcome::Unchanged(id)))) => (true, format!("已在库中（报告编号 {id}）")),
        (Ok(_), Some(Ok(Outcome::Duplicate(id)))) => (true, format!("内容与已有报告 {id} 相同，未重复导入")),
        (Ok(_), Some(Err(e))) => (false, e.replace(&path.display().to_string(), &name)),
        (Ok(_), None) => (false, "没有导入任何内容".to_string()),
    };
    Ok(Json(serde_json::json!({ "ok": ok, "message": message })).into_response())
}

fn upload_failed(status: StatusCode, message: String) -> Response {
    (status, Json(serde_json::json!({ "ok": false, "message": message }))).into_response()
}

/// Receives the form's file field into a temporary file in DATA/uploads, chunk by chunk.
async fn receive(dir: &std::path::Path, mut field: axum::extract::multipart::Field<'_>) -> std::result::Result<tempfile::NamedTempFile, Response> {
    use tokio::io::AsyncWriteExt;
    let failed = |e: std::io::Error| upload_failed(StatusCode::INTERNAL_SERVER_ERROR, format!("上传失败：无法写入 {}（{e}）", dir.display()));
    std::fs::create_dir_all(dir).map_err(failed)?;
    let tmp = tempfile::Builder::new().prefix(".receiving-").tempfile_in(dir).map_err(failed)?;
    let mut file = tokio::fs::File::from_std(tmp.reopen().map_err(failed)?);
    let mut size = 0u64;
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                size += chunk.len() as u64;
                if size > crate::extract::MAX_FILE_BYTES {
                    return Err(upload_failed(StatusCode::PAYLOAD_TOO_LARGE, format!("上传失败：文件超过 {} MB", crate::extract::MAX_FILE_BYTES >> 20)));
                }
                file.write_all(&chunk).await.map_err(failed)?;
            }
            Ok(None) => break,
            Err(e) => return Err(upload_failed(e.status(), format!("上传失败：{}", e.body_text()))),
        }
    }
    file.flush().await.map_err(failed)?;
    Ok(tmp)
}

pub(super) async fn api_ingest(State(app): State<Arc<App>>, mut form: Multipart) -> Response {
    if !app.allow_ingest {
        return (StatusCode::FORBIDDEN, Json(serde_json::json!({ "error": "ingest is off; start with jixiao serve --allow-ingest" }))).into_response();
    }
    let Ok(_turn) = app.receiving.acquire().await else {
        return upload_failed(StatusCode::SERVICE_UNAVAILABLE, "上传失败：服务器正在关闭".into());
    };
    let dir = app.data.root.join("uploads");
    let mut file = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                let name = field.file_name().unwrap_or("").to_string();
                match receive(&dir, field).await {
                    Ok(tmp) => file = Some((name, tmp)),
                    Err(response) => return response,
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => return upload_failed(e.status(), format!("上传失败：{}", e.body_text())),
        }
    }
    let Some((name, tmp)) = file else {
        return upload_failed(StatusCode::BAD_REQUEST, "no file field in the upload".into());
    };
    blocking(app.clone(), true, move |app| ingest_upload(app, &name, tmp)).await
}
