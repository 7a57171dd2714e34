//! Multipart message uploads as Discord takes them: a `payload_json` part with the message and `files[n]`
//! parts, at most 10 files of at most 10 MiB each (Discord's default upload limit; a larger file is
//! answered 413, code 40005). The files are kept, bytes included, for tests to inspect.

use axum::extract::Multipart;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::validate::{self, Invalid};

/// Discord's default per-file upload limit.
pub(crate) const FILE_MAX_BYTES: usize = 10 * 1024 * 1024;
/// Bound on a whole request body the stand-in reads (Discord: 25 MiB per request, plus some slack for
/// a test that sends one file over the per-file limit).
pub(crate) const REQUEST_MAX_BYTES: usize = 32 * 1024 * 1024;

/// One uploaded file.
#[derive(Debug, Clone)]
pub(crate) struct Upload {
    /// `n` of its `files[n]` part.
    pub index: String,
    pub filename: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// The message payload and its files; an answer as Discord's when the upload is refused.
pub(crate) async fn read(mut form: Multipart) -> Result<(Value, Vec<Upload>), Response> {
    let mut payload = json!({});
    let mut uploads = Vec::new();
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(bad_form(&e.to_string())),
        };
        let name = field.name().unwrap_or_default().to_string();
        if name == "payload_json" {
            let text = field.text().await.map_err(|e| bad_form(&e.to_string()))?;
            payload = serde_json::from_str(&text).map_err(|e| bad_form(&e.to_string()))?;
            continue;
        }
        let Some(index) = name
            .strip_prefix("files[")
            .and_then(|rest| rest.strip_suffix(']'))
            .map(String::from)
        else {
            continue;
        };
        let filename = field.file_name().unwrap_or("file").to_string();
        let content_type = field
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_string();
        let data = field.bytes().await.map_err(|e| bad_form(&e.to_string()))?;
        if data.len() > FILE_MAX_BYTES {
            return Err(too_large());
        }
        uploads.push(Upload {
            index,
            filename,
            content_type,
            data: data.to_vec(),
        });
    }
    let mut found = Invalid::default();
    validate::files(uploads.len(), &mut found);
    if let Err(invalid) = found.into_result() {
        return Err((StatusCode::BAD_REQUEST, Json(invalid.body())).into_response());
    }
    Ok((payload, uploads))
}

/// The attachment objects for `uploads` of a message in `channel` (ids from `snowflake`), in upload
/// order; the filename is the one `payload_json`'s `attachments` gave the file's index, else its part's.
pub(crate) fn attachments(
    payload: &Value,
    uploads: &[Upload],
    channel: &str,
    mut snowflake: impl FnMut() -> String,
) -> Vec<(String, Value)> {
    uploads
        .iter()
        .map(|u| {
            let named = payload["attachments"].as_array().and_then(|list| {
                list.iter()
                    .find(|a| a["id"].to_string().trim_matches('"') == u.index)
            });
            let filename = named
                .and_then(|a| a["filename"].as_str())
                .unwrap_or(&u.filename)
                .to_string();
            let id = snowflake();
            let url = format!("https://cdn.discordapp.com/attachments/{channel}/{id}/{filename}");
            let object = json!({
                "id": id, "filename": filename, "size": u.data.len(), "content_type": u.content_type,
                "url": url, "proxy_url": url,
            });
            (id, object)
        })
        .collect()
}

fn bad_form(why: &str) -> Response {
    let body = json!({"code": 50035, "message": "Invalid Form Body", "errors": {"_errors": [{"code": "MULTIPART_INVALID", "message": why}]}});
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

fn too_large() -> Response {
    let body = json!({"code": 40005, "message": "Request entity too large"});
    (StatusCode::PAYLOAD_TOO_LARGE, Json(body)).into_response()
}
