//! A JPEG copied marker by marker without its metadata: every APPn segment but the JFIF header, the ICC colour
//! profile and Adobe's colour-transform flag goes (EXIF and XMP are APP1, Photoshop/IPTC APP13, MPF APP2), so
//! do comments and anything after the end of the image (the extra pictures a phone appends, with their own
//! EXIF). The compressed scans are copied as they are: nothing is decoded or re-encoded.

use super::strip::StripError;

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const APP0: u8 = 0xE0;
const APP1: u8 = 0xE1;
const APP2: u8 = 0xE2;
const APP14: u8 = 0xEE;
const COM: u8 = 0xFE;

/// `data` without metadata; with an EXIF block holding only `orientation`, when given.
pub(super) fn strip(data: &[u8], orientation: Option<u16>) -> Result<Vec<u8>, StripError> {
    if data.get(..2) != Some(&[0xFF, SOI]) {
        return Err(StripError::NotAnImage);
    }
    let mut out = Vec::with_capacity(data.len());
    out.extend_from_slice(&[0xFF, SOI]);
    let (mut pos, mut scans) = (2, 0);
    loop {
        let marker = next_marker(data, &mut pos)?;
        match marker {
            EOI if scans == 0 => {
                return Err(StripError::Damaged("no image data before the end marker"))
            }
            EOI => break,
            // Markers without a length: restart intervals and TEM.
            0xD0..=0xD7 | 0x01 => out.extend_from_slice(&[0xFF, marker]),
            _ => {
                let end = segment_end(data, pos)?;
                if keeps(marker, &data[pos + 2..end]) {
                    out.extend_from_slice(&[0xFF, marker]);
                    out.extend_from_slice(&data[pos..end]);
                }
                pos = end;
                if marker == SOS {
                    scans += 1;
                    let scan_end = entropy_end(data, pos)?;
                    out.extend_from_slice(&data[pos..scan_end]);
                    pos = scan_end;
                }
            }
        }
    }
    out.extend_from_slice(&[0xFF, EOI]);
    if let Some(o) = orientation {
        // JFIF wants its header right after the start marker: the orientation goes after it.
        let at = if out.get(2..4) == Some(&[0xFF, APP0]) {
            4 + usize::from(u16::from_be_bytes([out[4], out[5]]))
        } else {
            2
        };
        out.splice(at..at, orientation_segment(o));
    }
    Ok(out)
}

/// Whether a segment stays: everything but metadata.
fn keeps(marker: u8, contents: &[u8]) -> bool {
    match marker {
        APP0 => contents.starts_with(b"JFIF\0") || contents.starts_with(b"JFXX\0"),
        APP2 => contents.starts_with(b"ICC_PROFILE\0"),
        APP14 => contents.starts_with(b"Adobe"),
        0xE0..=0xEF | COM => false,
        _ => true,
    }
}

/// An APP1 segment with an EXIF block holding only the orientation.
fn orientation_segment(orientation: u16) -> Vec<u8> {
    let tiff = super::orientation::orientation_tiff(orientation);
    let len = u16::try_from(2 + 6 + tiff.len()).expect("a 34-byte segment");
    let mut out = Vec::with_capacity(2 + usize::from(len));
    out.extend_from_slice(&[0xFF, APP1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(&tiff);
    out
}

/// Reads the marker at `pos` (after any fill bytes), leaving `pos` at its length field.
fn next_marker(data: &[u8], pos: &mut usize) -> Result<u8, StripError> {
    if data.get(*pos) != Some(&0xFF) {
        return Err(StripError::Damaged(
            "a segment does not start with a marker",
        ));
    }
    while data.get(*pos) == Some(&0xFF) {
        *pos += 1;
    }
    let marker = *data.get(*pos).ok_or(StripError::Truncated)?;
    *pos += 1;
    Ok(marker)
}

/// Where the segment whose length field is at `pos` ends.
fn segment_end(data: &[u8], pos: usize) -> Result<usize, StripError> {
    let len = data
        .get(pos..pos + 2)
        .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
        .ok_or(StripError::Truncated)?;
    if len < 2 {
        return Err(StripError::Damaged("a segment length below 2"));
    }
    let end = pos + len;
    if end > data.len() {
        return Err(StripError::Truncated);
    }
    Ok(end)
}

/// Where the compressed data starting at `pos` ends: at the first marker that is neither a stuffed `FF 00`
/// nor a restart marker.
fn entropy_end(data: &[u8], pos: usize) -> Result<usize, StripError> {
    let mut i = pos;
    while i + 1 < data.len() {
        if data[i] == 0xFF {
            match data[i + 1] {
                0x00 | 0xD0..=0xD7 => i += 2,
                0xFF => i += 1,
                _ => return Ok(i),
            }
        } else {
            i += 1;
        }
    }
    Err(StripError::Truncated)
}
