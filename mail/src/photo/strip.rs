//! Metadata removal without re-encoding, per format: JPEG and GIF by our own block walkers (`jpeg`, `gif`), PNG
//! and WebP through `img-parts`. A PNG keeps only the chunks that draw the picture; a WebP loses its EXIF and
//! XMP chunks. The orientation alone survives, so a phone's portrait photo stays upright.

use img_parts::png::Png;
use img_parts::webp::{WebP, CHUNK_XMP};
use img_parts::{Bytes, ImageEXIF};

use super::ImageFormat;

/// Why a photo could not be cleaned (it is then not shown, only named).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StripError {
    #[error("not an image format whose metadata can be removed")]
    NotAnImage,
    #[error("the image is cut short")]
    Truncated,
    #[error("the image is damaged: {0}")]
    Damaged(&'static str),
}

/// PNG chunks that draw the picture (colour, transparency, animation, pixel size); every other chunk — text,
/// `eXIf`, XMP in `iTXt`, times, private chunks — goes.
const PNG_KEPT: [&[u8; 4]; 18] = [
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB",
    b"cICP", b"mDCV", b"cLLI", b"bKGD", b"pHYs", b"acTL", b"fcTL", b"fdAT",
];

/// `data` without its metadata, in the same format and with the same pixels.
pub fn strip_metadata(data: &[u8]) -> Result<Vec<u8>, StripError> {
    let format = ImageFormat::sniff(data).ok_or(StripError::NotAnImage)?;
    let orientation = match format {
        ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP => {
            super::orientation::orientation(data)
        }
        ImageFormat::Gif | ImageFormat::Heic => None,
    };
    match format {
        ImageFormat::Jpeg => super::jpeg::strip(data, orientation),
        ImageFormat::Gif => super::gif::strip(data),
        ImageFormat::Png => png(data, orientation),
        ImageFormat::WebP => webp(data, orientation),
        ImageFormat::Heic => Err(StripError::NotAnImage),
    }
}

fn png(data: &[u8], orientation: Option<u16>) -> Result<Vec<u8>, StripError> {
    let mut png = Png::from_bytes(Bytes::copy_from_slice(data)).map_err(parts_error)?;
    let chunks = png.chunks();
    let framed = chunks.first().map(|c| c.kind()) == Some(*b"IHDR")
        && chunks.last().map(|c| c.kind()) == Some(*b"IEND");
    if !framed {
        return Err(StripError::Damaged(
            "a PNG must start with IHDR and end with IEND",
        ));
    }
    png.chunks_mut()
        .retain(|c| PNG_KEPT.iter().any(|k| **k == c.kind()));
    png.set_exif(orientation.map(|o| super::orientation::orientation_tiff(o).into()));
    Ok(png.encoder().bytes().to_vec())
}

fn webp(data: &[u8], orientation: Option<u16>) -> Result<Vec<u8>, StripError> {
    let mut webp = WebP::from_bytes(Bytes::copy_from_slice(data)).map_err(parts_error)?;
    webp.remove_chunks_by_id(CHUNK_XMP);
    // Setting the EXIF also brings the VP8X flags in line with the chunks left.
    webp.set_exif(orientation.map(|o| super::orientation::orientation_tiff(o).into()));
    Ok(webp.encoder().bytes().to_vec())
}

fn parts_error(e: img_parts::Error) -> StripError {
    match e {
        img_parts::Error::Truncated => StripError::Truncated,
        img_parts::Error::WrongSignature => StripError::NotAnImage,
        img_parts::Error::BadCRC => StripError::Damaged("a chunk fails its checksum"),
    }
}
