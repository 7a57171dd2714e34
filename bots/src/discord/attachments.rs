//! Files on a Discord post: names made safe for `attachment://` references, and the multipart body
//! Discord takes (`payload_json` with an `attachments` array naming each `files[n]` part).

use reqwest::multipart::{Form, Part};
use serenity::all::CreateMessage;

use super::rest::Body;
use crate::chat::{ChatFile, SendError};

/// Discord's limit on a filename is generous; a card's files keep readable names within this.
const NAME_MAX: usize = 100;

/// The name a file is posted under: letters, digits, `.`, `-` and `_` only (a resident's filename may
/// hold anything), never empty.
pub(crate) fn safe_name(filename: &str) -> String {
    let base = filename.rsplit(['/', '\\']).next().unwrap_or_default();
    let safe: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(NAME_MAX)
        .collect();
    if safe.trim_matches(['.', '_']).is_empty() {
        "file".to_string()
    } else {
        safe
    }
}

/// The posted name of the first image among `files`, to show in the card.
pub(crate) fn first_image<'a>(files: &[ChatFile], names: &'a [String]) -> Option<&'a str> {
    files
        .iter()
        .zip(names)
        .find(|(f, _)| f.content_type.starts_with("image/"))
        .map(|(_, name)| name.as_str())
}

/// The request body of `message`: JSON without files, else multipart with each file as `files[n]`.
pub(crate) fn body(
    message: &CreateMessage,
    files: &[ChatFile],
    names: &[String],
) -> Result<Body, SendError> {
    let mut payload = serde_json::to_value(message).map_err(|e| SendError::Permanent(e.into()))?;
    if files.is_empty() {
        return Ok(Body::Json(payload));
    }
    payload["attachments"] = names
        .iter()
        .enumerate()
        .map(|(i, name)| serde_json::json!({"id": i, "filename": name}))
        .collect();
    let mut form = Form::new().text("payload_json", payload.to_string());
    for (i, (file, name)) in files.iter().zip(names).enumerate() {
        let part = Part::bytes(file.data.clone())
            .file_name(name.clone())
            .mime_str(&file.content_type)
            .or_else(|_| {
                Part::bytes(file.data.clone())
                    .file_name(name.clone())
                    .mime_str("application/octet-stream")
            })
            .map_err(|e| SendError::Permanent(e.into()))?;
        form = form.part(format!("files[{i}]"), part);
    }
    Ok(Body::Multipart(form))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_and_never_empty() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(
            safe_name("C:\\Users\\ana\\foto del bache.jpg"),
            "foto_del_bache.jpg"
        );
        assert_eq!(safe_name("..."), "file");
        assert_eq!(safe_name("ñandú.png"), "_and_.png");
    }
}
