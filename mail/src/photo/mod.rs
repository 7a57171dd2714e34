//! Residents' photos: which attachments are images staff can be shown (by their bytes, not the name or type the
//! sender claimed), a copy with the metadata removed (EXIF, GPS, XMP, comments), and the GPS position a phone
//! wrote into one. Pure functions over bytes, bounded by the input, that never panic on hostile input.

#[cfg(any(test, feature = "testkit"))]
pub mod fixture;
mod gif;
mod gps;
mod jpeg;
mod orientation;
mod strip;
#[cfg(test)]
mod tests;

pub use gps::{gps_position, GpsPosition};
pub use strip::{strip_metadata, StripError};

/// An image format a chat client or a browser shows inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Jpeg,
    Png,
    Gif,
    WebP,
    /// HEIC/HEIF (iPhone): its GPS is read, but it is not shown (no metadata removal for it, and most
    /// browsers cannot display it).
    Heic,
}

impl ImageFormat {
    /// The format of `data`, from its first bytes.
    pub fn sniff(data: &[u8]) -> Option<ImageFormat> {
        if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageFormat::Jpeg)
        } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageFormat::Png)
        } else if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
            Some(ImageFormat::Gif)
        } else if data.len() > 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
            Some(ImageFormat::WebP)
        } else if is_heif(data) {
            Some(ImageFormat::Heic)
        } else {
            None
        }
    }

    /// The `Content-Type` to serve it with.
    pub fn mime(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Png => "image/png",
            ImageFormat::Gif => "image/gif",
            ImageFormat::WebP => "image/webp",
            ImageFormat::Heic => "image/heic",
        }
    }

    /// Its stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpeg",
            ImageFormat::Png => "png",
            ImageFormat::Gif => "gif",
            ImageFormat::WebP => "webp",
            ImageFormat::Heic => "heic",
        }
    }

    /// The format a stored name names.
    pub fn parse(name: &str) -> Option<ImageFormat> {
        [
            ImageFormat::Jpeg,
            ImageFormat::Png,
            ImageFormat::Gif,
            ImageFormat::WebP,
            ImageFormat::Heic,
        ]
        .into_iter()
        .find(|f| f.as_str() == name)
    }

    /// Whether its metadata can be removed, so that it may be shown outside the request's record.
    pub fn can_strip(self) -> bool {
        self != ImageFormat::Heic
    }
}

/// An ISO-BMFF `ftyp` box naming a HEIF brand.
fn is_heif(data: &[u8]) -> bool {
    const BRANDS: [&[u8; 4]; 6] = [b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1"];
    data.len() >= 12 && &data[4..8] == b"ftyp" && BRANDS.iter().any(|b| &data[8..12] == *b)
}

/// A photo ready to leave the request's record: its format and its bytes without metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanImage {
    pub format: ImageFormat,
    pub data: Vec<u8>,
}

/// `data` as an image that can be shown: sniffed, and stripped of its metadata. `None` for anything else (a
/// PDF, a HEIC, a damaged image), which staff then see by name only.
pub fn clean_image(data: &[u8]) -> Option<CleanImage> {
    let format = ImageFormat::sniff(data).filter(|f| f.can_strip())?;
    let data = strip_metadata(data).ok()?;
    Some(CleanImage { format, data })
}
