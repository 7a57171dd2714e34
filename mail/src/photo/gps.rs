//! Where a photo was taken, as the phone wrote it in EXIF (GPSLatitude/GPSLongitude with their N/S and E/W
//! references; JPEG, PNG, WebP, HEIC). Positions a phone writes without a fix (0°, 0°; a void status) and
//! impossible ones are not positions.

use exif::{Exif, In, Tag, Value};

/// A point in degrees (WGS 84), as EXIF gives it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GpsPosition {
    pub lat: f64,
    pub lon: f64,
}

/// The GPS position in `data`'s EXIF, when it has a plausible one. Never panics, whatever the bytes.
pub fn gps_position(data: &[u8]) -> Option<GpsPosition> {
    let exif = exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(data))
        .ok()?;
    if ascii(&exif, Tag::GPSStatus).is_some_and(|s| s.eq_ignore_ascii_case("V")) {
        return None;
    }
    let lat = degrees(&exif, Tag::GPSLatitude)? * sign(&exif, Tag::GPSLatitudeRef, "N", "S")?;
    let lon = degrees(&exif, Tag::GPSLongitude)? * sign(&exif, Tag::GPSLongitudeRef, "E", "W")?;
    let plausible = lat.is_finite()
        && lon.is_finite()
        && lat.abs() <= 90.0
        && lon.abs() <= 180.0
        && (lat, lon) != (0.0, 0.0);
    plausible.then_some(GpsPosition { lat, lon })
}

/// Degrees, minutes and seconds (three rationals; fewer are read as given) as degrees.
fn degrees(exif: &Exif, tag: Tag) -> Option<f64> {
    let Value::Rational(parts) = &exif.get_field(tag, In::PRIMARY)?.value else {
        return None;
    };
    if parts.is_empty() || parts.len() > 3 || parts.iter().any(|r| r.denom == 0) {
        return None;
    }
    let scale = [1.0, 60.0, 3600.0];
    Some(parts.iter().zip(scale).map(|(r, s)| r.to_f64() / s).sum())
}

/// +1 or -1 from a reference letter; `None` for anything but the two letters.
fn sign(exif: &Exif, tag: Tag, plus: &str, minus: &str) -> Option<f64> {
    let r = ascii(exif, tag)?;
    if r.eq_ignore_ascii_case(plus) {
        Some(1.0)
    } else if r.eq_ignore_ascii_case(minus) {
        Some(-1.0)
    } else {
        None
    }
}

fn ascii(exif: &Exif, tag: Tag) -> Option<String> {
    let Value::Ascii(values) = &exif.get_field(tag, In::PRIMARY)?.value else {
        return None;
    };
    let first = values.first()?;
    Some(String::from_utf8_lossy(first).trim().to_string())
}
