//! A GIF copied block by block without its metadata: comment extensions and application extensions (XMP, ICC,
//! anything private) go, except the looping extension an animation needs; nothing after the trailer is kept.

use super::strip::StripError;

const TRAILER: u8 = 0x3B;
const IMAGE: u8 = 0x2C;
const EXTENSION: u8 = 0x21;
const GRAPHIC_CONTROL: u8 = 0xF9;
const PLAIN_TEXT: u8 = 0x01;
const APPLICATION: u8 = 0xFF;

/// `data` (a GIF87a/89a) without metadata.
pub(super) fn strip(data: &[u8]) -> Result<Vec<u8>, StripError> {
    if !(data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a")) {
        return Err(StripError::NotAnImage);
    }
    let packed = *data.get(10).ok_or(StripError::Truncated)?;
    let mut pos = 13 + color_table(packed);
    let mut out = Vec::with_capacity(data.len());
    out.extend_from_slice(data.get(..pos).ok_or(StripError::Truncated)?);
    let mut images = 0;
    loop {
        match *data.get(pos).ok_or(StripError::Truncated)? {
            TRAILER if images == 0 => return Err(StripError::Damaged("a GIF without an image")),
            TRAILER => {
                out.push(TRAILER);
                return Ok(out);
            }
            IMAGE => {
                let packed = *data.get(pos + 9).ok_or(StripError::Truncated)?;
                // Descriptor, local colour table, LZW code size, then the data's sub-blocks.
                let data_start = pos + 10 + color_table(packed) + 1;
                let end = sub_blocks_end(data, data_start)?;
                out.extend_from_slice(&data[pos..end]);
                images += 1;
                pos = end;
            }
            EXTENSION => {
                let label = *data.get(pos + 1).ok_or(StripError::Truncated)?;
                let end = sub_blocks_end(data, pos + 2)?;
                if keeps(label, &data[pos + 2..end]) {
                    out.extend_from_slice(&data[pos..end]);
                }
                pos = end;
            }
            _ => return Err(StripError::Damaged("an unknown GIF block")),
        }
    }
}

/// Whether an extension stays: frame timing, plain text, and the looping of an animation.
fn keeps(label: u8, blocks: &[u8]) -> bool {
    match label {
        GRAPHIC_CONTROL | PLAIN_TEXT => true,
        APPLICATION => {
            let id = blocks.get(1..12);
            blocks.first() == Some(&11)
                && (id == Some(b"NETSCAPE2.0".as_slice()) || id == Some(b"ANIMEXTS1.0".as_slice()))
        }
        _ => false,
    }
}

/// The size of the colour table a packed field announces (none when its top bit is clear).
fn color_table(packed: u8) -> usize {
    if packed & 0x80 == 0 {
        0
    } else {
        3 << ((packed & 0x07) + 1)
    }
}

/// Where the sub-blocks starting at `pos` end, their zero-length terminator included.
fn sub_blocks_end(data: &[u8], mut pos: usize) -> Result<usize, StripError> {
    loop {
        let len = usize::from(*data.get(pos).ok_or(StripError::Truncated)?);
        pos += 1;
        if len == 0 {
            return Ok(pos);
        }
        pos += len;
        if pos > data.len() {
            return Err(StripError::Truncated);
        }
    }
}
