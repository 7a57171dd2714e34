//! The one EXIF fact a stripped photo keeps: which way up it is. Phones store the sensor's pixels and say in
//! EXIF how to turn them; without it a portrait photo shows on its side.

use exif::{In, Tag};

/// The EXIF orientation (2–8) of `data`, when it is not the default (1, upright) and reads cleanly.
pub(super) fn orientation(data: &[u8]) -> Option<u16> {
    let exif = exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(data))
        .ok()?;
    let value = exif
        .get_field(Tag::Orientation, In::PRIMARY)?
        .value
        .get_uint(0)?;
    u16::try_from(value).ok().filter(|o| (2..=8).contains(o))
}

/// A TIFF structure (big-endian) with one IFD holding only the orientation tag: the whole EXIF of a stripped
/// photo, 26 bytes.
pub(super) fn orientation_tiff(orientation: u16) -> Vec<u8> {
    let mut t = Vec::with_capacity(26);
    t.extend_from_slice(b"MM\0*");
    t.extend_from_slice(&8u32.to_be_bytes()); // the first IFD follows the header
    t.extend_from_slice(&1u16.to_be_bytes()); // one entry
    t.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    t.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    t.extend_from_slice(&1u32.to_be_bytes()); // one value, kept in the entry
    t.extend_from_slice(&orientation.to_be_bytes());
    t.extend_from_slice(&[0, 0]);
    t.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    t
}
