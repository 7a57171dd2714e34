//! Photos reach the people who fix things: a resident's phone photo, emailed through the real Postfix and
//! Dovecot, is posted with the department's Discord card (stand-in) without its metadata (`discord`); its GPS
//! position places a request whose text names no place (`placing`); the store keeps photos stripped on both
//! SQLite and PostgreSQL (`store`); Open311 publishes them through signed, expiring links (`media`).

mod discord;
mod media;
mod placing;
mod store;

use mail::photo::fixture::{phone_jpeg, PLAIN_JPEG};

/// Where the fixture photos were taken: a corner of Riverton's grid.
pub const AT: (f64, f64) = (41.501_234, -88.002_345);

/// A phone photo of a pothole taken at [`AT`], with all the metadata a phone writes.
pub fn phone_photo() -> Vec<u8> {
    phone_jpeg(PLAIN_JPEG, Some(AT), 1)
}

/// A resident's mail with a text part and `files` (name, type, bytes) attached in base64.
pub fn mail_with_files(
    from: &str,
    to: &str,
    subject: &str,
    message_id: &str,
    body: &str,
    files: &[(&str, &str, &[u8])],
) -> Vec<u8> {
    let mut m = format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\n\
         Date: Thu, 26 Nov 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"PHOTOS\"\r\n\r\n\
         --PHOTOS\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    );
    for (name, mime, data) in files {
        m.push_str(&format!(
            "--PHOTOS\r\nContent-Type: {mime}; name=\"{name}\"\r\n\
             Content-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        ));
        for line in base64(data).as_bytes().chunks(76) {
            m.push_str(std::str::from_utf8(line).unwrap());
            m.push_str("\r\n");
        }
    }
    m.push_str("--PHOTOS--\r\n");
    m.into_bytes()
}

fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
