use img_parts::png::{Png, PngChunk};
use img_parts::webp::{WebP, CHUNK_XMP};
use img_parts::{Bytes, ImageEXIF};

use super::fixture::{exif_block, phone_jpeg, PLAIN_JPEG, PLAIN_WEBP, PROGRESSIVE_JPEG, SECRET};
use super::*;

const CHICAGO: (f64, f64) = (41.878_114, -87.629_798);

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// No trace of the fixture's metadata: the phone's name, EXIF GPS, XMP.
fn assert_clean(data: &[u8]) {
    assert!(
        !contains(data, SECRET.as_bytes()),
        "the phone's name is gone"
    );
    assert!(
        !contains(data, b"xmpmeta") && !contains(data, b"ns.adobe.com/xap"),
        "XMP is gone"
    );
    assert_eq!(gps_position(data), None, "no GPS position is left");
}

fn jpeg_pixels(data: &[u8]) -> Vec<u8> {
    let mut d = jpeg_decoder::Decoder::new(data);
    d.decode().expect("the JPEG decodes")
}

#[test]
fn a_phones_gps_position_is_read_in_every_hemisphere() {
    for (lat, lon) in [CHICAGO, (-33.868_82, 151.209_29), (19.432_608, -99.133_208)] {
        let photo = phone_jpeg(PLAIN_JPEG, Some((lat, lon)), 1);
        let p = gps_position(&photo).expect("a position");
        assert!(
            (p.lat - lat).abs() < 1e-5 && (p.lon - lon).abs() < 1e-5,
            "{p:?} vs {lat},{lon}"
        );
    }
}

#[test]
fn no_fix_no_position() {
    assert_eq!(gps_position(&phone_jpeg(PLAIN_JPEG, None, 1)), None);
    assert_eq!(
        gps_position(&phone_jpeg(PLAIN_JPEG, Some((0.0, 0.0)), 1)),
        None,
        "0,0 is no fix"
    );
    assert_eq!(gps_position(PLAIN_JPEG), None);
    assert_eq!(gps_position(b"%PDF-1.4 not a photo"), None);
}

#[test]
fn a_stripped_jpeg_is_the_same_picture_without_any_metadata() {
    for base in [PLAIN_JPEG, PROGRESSIVE_JPEG] {
        let photo = phone_jpeg(base, Some(CHICAGO), 1);
        assert!(gps_position(&photo).is_some() && contains(&photo, SECRET.as_bytes()));
        let clean = strip_metadata(&photo).unwrap();
        assert_clean(&clean);
        assert_eq!(
            clean, base,
            "exactly the original picture: scans copied, nothing re-encoded"
        );
        assert_eq!(jpeg_pixels(&clean), jpeg_pixels(base));
    }
}

#[test]
fn a_sideways_phone_photo_keeps_only_its_orientation() {
    let photo = phone_jpeg(PLAIN_JPEG, Some(CHICAGO), 6);
    let clean = strip_metadata(&photo).unwrap();
    assert_clean(&clean);
    assert_eq!(
        orientation::orientation(&clean),
        Some(6),
        "still shown upright"
    );
    let exif = exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(&clean))
        .unwrap();
    assert_eq!(exif.fields().count(), 1, "the orientation and nothing else");
    assert_eq!(jpeg_pixels(&clean), jpeg_pixels(PLAIN_JPEG));
    assert_eq!(
        &clean[2..4],
        [0xFF, 0xE0],
        "JFIF's header still comes first"
    );
}

/// A 4×3 RGB PNG made by the `png` encoder, with a text chunk, an EXIF chunk with GPS and an XMP `iTXt`.
fn phone_png() -> (Vec<u8>, Vec<u8>) {
    let pixels: Vec<u8> = (0..4 * 3 * 3).map(|i| (i * 7) as u8).collect();
    let mut plain = Vec::new();
    {
        let mut e = png::Encoder::new(&mut plain, 4, 3);
        e.set_color(png::ColorType::Rgb);
        e.set_depth(png::BitDepth::Eight);
        e.write_header().unwrap().write_image_data(&pixels).unwrap();
    }
    let mut p = Png::from_bytes(Bytes::copy_from_slice(&plain)).unwrap();
    p.set_exif(Some(exif_block(Some(CHICAGO), 1).into()));
    let chunks = p.chunks_mut();
    let text = format!("Author\0{SECRET}");
    chunks.insert(1, PngChunk::new(*b"tEXt", Bytes::from(text.into_bytes())));
    let xmp = b"XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta/>".to_vec();
    chunks.insert(2, PngChunk::new(*b"iTXt", Bytes::from(xmp)));
    (p.encoder().bytes().to_vec(), pixels)
}

fn png_pixels(data: &[u8]) -> Vec<u8> {
    let mut r = png::Decoder::new(data).read_info().expect("the PNG reads");
    let mut buf = vec![0; r.output_buffer_size()];
    let info = r.next_frame(&mut buf).expect("the PNG decodes");
    buf.truncate(info.buffer_size());
    buf
}

#[test]
fn a_stripped_png_keeps_its_pixels_and_loses_text_exif_and_xmp() {
    let (photo, pixels) = phone_png();
    assert!(gps_position(&photo).is_some());
    let clean = strip_metadata(&photo).unwrap();
    assert_clean(&clean);
    assert!(!contains(&clean, b"eXIf") && !contains(&clean, b"tEXt"));
    assert_eq!(png_pixels(&clean), pixels);
}

#[test]
fn a_stripped_webp_loses_exif_and_xmp() {
    let mut w = WebP::from_bytes(Bytes::from_static(PLAIN_WEBP)).unwrap();
    w.set_exif(Some(exif_block(Some(CHICAGO), 1).into()));
    let xmp = format!("<x:xmpmeta>{SECRET}</x:xmpmeta>");
    w.chunks_mut().push(img_parts::riff::RiffChunk::new(
        CHUNK_XMP,
        img_parts::riff::RiffContent::Data(Bytes::from(xmp.into_bytes())),
    ));
    let photo = w.encoder().bytes().to_vec();
    assert!(gps_position(&photo).is_some());
    let clean = strip_metadata(&photo).unwrap();
    assert_clean(&clean);
    let back = WebP::from_bytes(Bytes::from(clean)).expect("still a WebP");
    assert!(back.exif().is_none() && !back.has_chunk(CHUNK_XMP));
    assert!(
        back.dimensions() == Some((16, 12)),
        "{:?}",
        back.dimensions()
    );
}

/// A 2×2 GIF89a: header, global colour table, then `extra` blocks, one image, the trailer, and `trailing`.
fn gif(extra: &[&[u8]], trailing: &[u8]) -> Vec<u8> {
    let mut g = b"GIF89a\x02\x00\x02\x00\x80\x00\x00".to_vec();
    g.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
    for e in extra {
        g.extend_from_slice(e);
    }
    g.extend_from_slice(&[0x2C, 0, 0, 0, 0, 2, 0, 2, 0, 0]);
    g.extend_from_slice(&[0x02, 0x02, 0x84, 0x51, 0x00]);
    g.push(0x3B);
    g.extend_from_slice(trailing);
    g
}

#[test]
fn a_stripped_gif_keeps_its_animation_loop_and_loses_comments_and_xmp() {
    let looping: &[u8] = b"\x21\xFF\x0BNETSCAPE2.0\x03\x01\x00\x00\x00";
    let timing: &[u8] = &[0x21, 0xF9, 0x04, 0x00, 0x0A, 0x00, 0x00, 0x00];
    let mut comment = vec![0x21, 0xFE, SECRET.len() as u8];
    comment.extend_from_slice(SECRET.as_bytes());
    comment.push(0);
    let mut xmp = b"\x21\xFF\x0BXMP DataXMP".to_vec();
    xmp.push(SECRET.len() as u8);
    xmp.extend_from_slice(SECRET.as_bytes());
    xmp.push(0);
    let photo = gif(&[looping, &comment, &xmp, timing], SECRET.as_bytes());
    let clean = strip_metadata(&photo).unwrap();
    assert_eq!(clean, gif(&[looping, timing], b""));
    assert_eq!(clean_image(&photo).unwrap().format, ImageFormat::Gif);
}

#[test]
fn formats_are_known_by_their_bytes_not_their_names() {
    assert_eq!(ImageFormat::sniff(PLAIN_JPEG), Some(ImageFormat::Jpeg));
    assert_eq!(ImageFormat::sniff(PLAIN_WEBP), Some(ImageFormat::WebP));
    assert_eq!(ImageFormat::sniff(&phone_png().0), Some(ImageFormat::Png));
    assert_eq!(
        ImageFormat::sniff(b"\0\0\0\x18ftypheic\0\0\0\0"),
        Some(ImageFormat::Heic)
    );
    assert_eq!(ImageFormat::sniff(b"<svg onload=alert(1)>"), None);
    assert!(
        clean_image(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic").is_none(),
        "HEIC is named, not shown"
    );
    assert!(clean_image(b"%PDF-1.4").is_none());
}

/// A small deterministic generator for the mutation test.
fn lcg(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    *seed >> 33
}

#[test]
fn truncated_and_mangled_photos_never_panic_and_never_leak() {
    let photo = phone_jpeg(PLAIN_JPEG, Some(CHICAGO), 6);
    for len in 0..photo.len() {
        let cut = &photo[..len];
        let _ = gps_position(cut);
        if let Ok(clean) = strip_metadata(cut) {
            assert!(!contains(&clean, SECRET.as_bytes()), "cut at {len}");
        }
    }
    let exif = exif_block(Some(CHICAGO), 6);
    let mut seed = 311;
    for round in 0..3000 {
        let mut bad = photo.clone();
        let mut block = exif.clone();
        for _ in 0..1 + round % 8 {
            let at = lcg(&mut seed) as usize % bad.len();
            bad[at] = lcg(&mut seed) as u8;
            let at = lcg(&mut seed) as usize % block.len();
            block[at] = lcg(&mut seed) as u8;
        }
        let _ = gps_position(&bad);
        let _ = strip_metadata(&bad);
        let _ = clean_image(&bad);
        let mut raw = b"Exif\0\0".to_vec();
        raw.extend(&block);
        let wrapped = [
            &PLAIN_JPEG[..2],
            &fixture::segment(0xE1, &raw),
            &PLAIN_JPEG[2..],
        ]
        .concat();
        let _ = gps_position(&wrapped);
        let _ = strip_metadata(&wrapped);
        let _ = exif::Reader::new().read_raw(block);
    }
}
