//! Public links to residents' photos: `GET /media/{attachment}/{expiry}/{signature}` serves one photo with its
//! metadata removed while the link is unexpired and its signature checks — an HMAC-SHA256 with the service's
//! `mail.reply_secret` under a purpose label of its own, compared in constant time. Open311 publishes such
//! links as `media_url`; any page of the service may mint them with [`signed_media_url`].

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::desk::Desk;
use crate::store::{Attachment, AttachmentId};

/// Keeps these signatures apart from every other use of the same secret (reply addresses).
const PURPOSE: &[u8] = b"connect311/media-link/v1\0";
/// Bytes of the HMAC a link carries (128 bits).
const SIGNATURE_BYTES: usize = 16;
/// How long a link minted now stays good, at least.
pub const LINK_LIFETIME_MS: i64 = 7 * DAY_MS;
const DAY_MS: i64 = 86_400_000;
/// The longest a browser or proxy may keep a photo before asking again.
const MAX_CACHE_SECONDS: i64 = 86_400;

/// The route, to be merged into the service's router.
pub fn routes() -> Router<Desk> {
    Router::new().route("/media/{attachment}/{expiry}/{signature}", get(serve))
}

/// A link to photo `attachment` under `base` (the service's public address, as [`public_base`] gives it), good
/// for at least [`LINK_LIFETIME_MS`] from `now` (epoch ms). The expiry is rounded up to a whole day, so the
/// link stays the same all day long and clients' caches keep working.
pub fn signed_media_url(desk: &Desk, base: &str, attachment: AttachmentId, now: i64) -> String {
    let expiry = (now.saturating_add(LINK_LIFETIME_MS) / DAY_MS + 1) * DAY_MS / 1000;
    let signature = hex::encode(signature(desk.reply_secret(), attachment, expiry));
    format!(
        "{}/media/{attachment}/{expiry}/{signature}",
        base.trim_end_matches('/')
    )
}

/// The service's public address: the origin of `[http.open311] public_url` when set (the reverse proxy
/// publishes the whole service there), else `http://` and the request's `Host`.
pub fn public_base(desk: &Desk, headers: &HeaderMap) -> String {
    let configured = desk
        .settings()
        .http
        .as_ref()
        .and_then(|h| h.open311.public_url.clone());
    if let Some(url) = configured {
        let (scheme, rest) = url.split_once("://").unwrap_or(("https", url.as_str()));
        let host = rest.split('/').next().unwrap_or(rest);
        return format!("{scheme}://{host}");
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_graphic()))
        .unwrap_or("localhost");
    format!("http://{host}")
}

fn mac(secret: &[u8], attachment: AttachmentId, expiry: i64) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(PURPOSE);
    mac.update(format!("{attachment}:{expiry}").as_bytes());
    mac
}

fn signature(secret: &[u8], attachment: AttachmentId, expiry: i64) -> Vec<u8> {
    mac(secret, attachment, expiry).finalize().into_bytes()[..SIGNATURE_BYTES].to_vec()
}

/// Whether `given` (hex) is the link's signature; constant-time in the signature's bytes.
fn signed(secret: &[u8], attachment: AttachmentId, expiry: i64, given: &str) -> bool {
    match hex::decode(given) {
        Ok(bytes) if bytes.len() == SIGNATURE_BYTES => mac(secret, attachment, expiry)
            .verify_truncated_left(&bytes)
            .is_ok(),
        _ => false,
    }
}

/// Why a link serves nothing. Every refusal but expiry is a plain 404, saying nothing of what exists.
enum Refusal {
    NotFound,
    Expired,
    Unavailable,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (status, text) = match self {
            Refusal::NotFound => (StatusCode::NOT_FOUND, "no such photo\n"),
            Refusal::Expired => (
                StatusCode::GONE,
                "this photo link has expired; the request's page has a fresh one\n",
            ),
            Refusal::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "the photo cannot be read now; try again later\n",
            ),
        };
        let mut r = (status, text).into_response();
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        r
    }
}

async fn serve(
    State(desk): State<Desk>,
    Path((attachment, expiry, given)): Path<(String, String, String)>,
) -> Response {
    match checked(&desk, &attachment, &expiry, &given).await {
        Ok((photo, expiry)) => photo_response(photo, expiry, desk.now()),
        Err(refusal) => refusal.into_response(),
    }
}

/// The photo a link names, once its signature and expiry check (the signature first: an unsigned link learns
/// nothing, not even whether it expired).
async fn checked(
    desk: &Desk,
    attachment: &str,
    expiry: &str,
    given: &str,
) -> Result<(Attachment, i64), Refusal> {
    let id: AttachmentId = attachment.parse().map_err(|_| Refusal::NotFound)?;
    let expiry: i64 = expiry.parse().map_err(|_| Refusal::NotFound)?;
    if !signed(desk.reply_secret(), id, expiry, given) {
        return Err(Refusal::NotFound);
    }
    if expiry.saturating_mul(1000) <= desk.now() {
        return Err(Refusal::Expired);
    }
    match desk.store().image(id).await {
        Ok(Some(photo)) => Ok((photo, expiry)),
        Ok(None) => Err(Refusal::NotFound),
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), attachment = %id, "reading a photo failed");
            Err(Refusal::Unavailable)
        }
    }
}

/// The photo, served so that no browser takes it for anything but an image of its own type.
fn photo_response(photo: Attachment, expiry: i64, now: i64) -> Response {
    let max_age = (expiry - now / 1000).clamp(0, MAX_CACHE_SECONDS);
    let name = inline_name(&photo.filename);
    let headers = [
        (header::CONTENT_TYPE, photo.content_type().to_string()),
        (header::CACHE_CONTROL, format!("public, max-age={max_age}")),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        (
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{name}\""),
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox".to_string(),
        ),
    ];
    (headers, photo.data).into_response()
}

/// The resident's filename as a header may carry it: ASCII letters, digits, `.`, `-`, `_`.
fn inline_name(filename: &str) -> String {
    let base = filename.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = base
        .chars()
        .take(100)
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.trim_matches(['.', '_']).is_empty() {
        "photo".to_string()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: i64) -> AttachmentId {
        AttachmentId::new(n).unwrap()
    }

    #[test]
    fn a_signature_is_bound_to_its_photo_its_expiry_and_its_secret() {
        let sig = hex::encode(signature(b"secret-one", id(7), 1_900_000_000));
        assert_eq!(sig.len(), 32);
        assert!(signed(b"secret-one", id(7), 1_900_000_000, &sig));
        assert!(
            !signed(b"secret-one", id(8), 1_900_000_000, &sig),
            "another photo"
        );
        assert!(
            !signed(b"secret-one", id(7), 1_900_000_001, &sig),
            "another expiry"
        );
        assert!(
            !signed(b"secret-two", id(7), 1_900_000_000, &sig),
            "another secret"
        );
        assert!(
            !signed(b"secret-one", id(7), 1_900_000_000, &sig[..30]),
            "a shortened signature"
        );
        assert!(
            !signed(b"secret-one", id(7), 1_900_000_000, ""),
            "no signature"
        );
        assert!(
            !signed(b"secret-one", id(7), 1_900_000_000, "zz"),
            "not hex"
        );
    }

    #[test]
    fn reply_addresses_and_media_links_never_share_a_signature() {
        // The same secret signs reply addresses; the purpose label keeps the two apart.
        let plain = Hmac::<Sha256>::new_from_slice(b"k")
            .unwrap()
            .chain_update(b"7:1900000000")
            .finalize()
            .into_bytes();
        assert_ne!(
            &plain[..SIGNATURE_BYTES],
            signature(b"k", id(7), 1_900_000_000).as_slice()
        );
    }

    #[test]
    fn header_names_are_safe() {
        assert_eq!(
            inline_name("IMG 4512 (bache).jpeg"),
            "IMG_4512__bache_.jpeg"
        );
        assert_eq!(inline_name("..\\..\\x\"\r\n.png"), "x___.png");
        assert_eq!(inline_name("ñ"), "photo");
    }
}
