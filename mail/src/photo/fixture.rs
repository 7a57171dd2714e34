//! Phone photos made in code for tests: a tiny real JPEG (16×12 pixels, made for this project) given the
//! metadata a phone writes — EXIF with the camera, the time, the orientation and a GPS position, an XMP packet
//! repeating the position, a comment, and a second picture after the end of the image, as phones append.

use exif::experimental::Writer;
use exif::{Field, In, Rational, Tag, Value};

/// The 16×12 baseline JPEG every fixture starts from (no metadata of its own).
pub const PLAIN_JPEG: &[u8] = include_bytes!("../../tests/photos/pothole.jpg");
/// The same picture, progressive (several scans with tables between them).
pub const PROGRESSIVE_JPEG: &[u8] = include_bytes!("../../tests/photos/pothole-progressive.jpg");
/// A 16×12 lossless WebP without metadata.
pub const PLAIN_WEBP: &[u8] = include_bytes!("../../tests/photos/pothole.webp");

/// Text every metadata block of a fixture carries, so a test can look for any trace of it.
pub const SECRET: &str = "Ana's iPhone";

/// An EXIF block (TIFF bytes) with a camera, time, `orientation` and, when given, a GPS position.
pub fn exif_block(gps: Option<(f64, f64)>, orientation: u16) -> Vec<u8> {
    let mut fields = vec![
        ascii(Tag::Make, "Apple"),
        ascii(Tag::Model, SECRET),
        ascii(Tag::DateTimeOriginal, "2026:11:30 08:15:00"),
        Field {
            tag: Tag::Orientation,
            ifd_num: In::PRIMARY,
            value: Value::Short(vec![orientation]),
        },
    ];
    if let Some((lat, lon)) = gps {
        fields.push(ascii(
            Tag::GPSLatitudeRef,
            if lat < 0.0 { "S" } else { "N" },
        ));
        fields.push(dms(Tag::GPSLatitude, lat));
        fields.push(ascii(
            Tag::GPSLongitudeRef,
            if lon < 0.0 { "W" } else { "E" },
        ));
        fields.push(dms(Tag::GPSLongitude, lon));
    }
    let mut writer = Writer::new();
    for f in &fields {
        writer.push_field(f);
    }
    let mut out = std::io::Cursor::new(Vec::new());
    writer.write(&mut out, false).expect("an EXIF block writes");
    out.into_inner()
}

/// [`PLAIN_JPEG`] (or `base`) as a phone writes it: EXIF (with `gps`), XMP, a comment, a trailing picture.
pub fn phone_jpeg(base: &[u8], gps: Option<(f64, f64)>, orientation: u16) -> Vec<u8> {
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend(exif_block(gps, orientation));
    let xmp = format!(
        "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><rdf:Description exif:GPSLatitude=\"{:?}\" tiff:Model=\"{SECRET}\"/></x:xmpmeta>",
        gps.map(|g| g.0)
    );
    let mut out = base[..2].to_vec();
    // After JFIF's header, as phones and editors put them.
    let header_end = 4 + usize::from(u16::from_be_bytes([base[4], base[5]]));
    out.extend_from_slice(&base[2..header_end]);
    out.extend(segment(0xE1, &exif));
    out.extend(segment(0xE1, xmp.as_bytes()));
    out.extend(segment(0xED, format!("Photoshop 3.0\0{SECRET}").as_bytes()));
    out.extend(segment(0xFE, format!("taken by {SECRET}").as_bytes()));
    out.extend_from_slice(&base[header_end..]);
    // A second picture after the end marker, with its own EXIF (phones append depth maps and previews).
    out.extend_from_slice(&[0xFF, 0xD8]);
    out.extend(segment(0xE1, &exif));
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

/// A JPEG segment: marker, length, contents.
pub fn segment(marker: u8, contents: &[u8]) -> Vec<u8> {
    let len = u16::try_from(contents.len() + 2).expect("a segment under 64 KiB");
    let mut out = vec![0xFF, marker];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(contents);
    out
}

fn ascii(tag: Tag, text: &str) -> Field {
    Field {
        tag,
        ifd_num: In::PRIMARY,
        value: Value::Ascii(vec![text.as_bytes().to_vec()]),
    }
}

/// Degrees as EXIF writes them: whole degrees, whole minutes, seconds in hundredths.
fn dms(tag: Tag, degrees: f64) -> Field {
    let d = degrees.abs();
    let whole = d.trunc();
    let minutes = ((d - whole) * 60.0).trunc();
    let seconds = ((d - whole) * 60.0 - minutes) * 60.0;
    let r = |num: f64, denom: u32| Rational {
        num: num.round() as u32,
        denom,
    };
    Field {
        tag,
        ifd_num: In::PRIMARY,
        value: Value::Rational(vec![r(whole, 1), r(minutes, 1), r(seconds * 100.0, 100)]),
    }
}
