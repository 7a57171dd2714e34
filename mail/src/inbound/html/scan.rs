//! Byte-level bounds before the HTML tokenizer: cut the input at a tag boundary past a size cap, and cut tags with
//! absurd attribute counts (html5ever checks each new attribute against all earlier ones: quadratic per tag).

use std::borrow::Cow;

/// Attributes kept per tag; real mail has a handful, Outlook's worst a dozen or two.
pub(super) const MAX_ATTRS: usize = 64;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    Data,
    /// After `<!--`: until `-->`.
    Comment,
    /// `<!…>`, `<?…>`: until `>`.
    Bogus,
    /// Inside a start or end tag, outside any attribute value; `word` while inside a name.
    Tag {
        word: bool,
    },
    /// After `=`: an attribute value may open with a quote.
    BeforeValue,
    Quoted(u8),
}

/// The first `max_bytes` of `html` or fewer (the cut never falls inside a tag or a UTF-8 sequence), with the
/// attributes of any tag past the [`MAX_ATTRS`]th dropped. Borrowed when nothing had to change.
pub(super) fn bound(html: &str, max_bytes: usize) -> Cow<'_, str> {
    let head = &html[..floor_char_boundary(html, cut_point(html.as_bytes(), max_bytes))];
    match drop_excess_attributes(head.as_bytes()) {
        None => Cow::Borrowed(head),
        Some(kept) => Cow::Owned(String::from_utf8_lossy(&kept).into_owned()),
    }
}

/// Where to cut `bytes` to at most `max` bytes: at `max` in text or a comment (the tokenizer ends a comment at the
/// end of input), before the tag that straddles it otherwise.
fn cut_point(bytes: &[u8], max: usize) -> usize {
    if bytes.len() <= max {
        return bytes.len();
    }
    let (mut state, mut attrs, mut tag_start) = (State::Data, 0, 0);
    for i in 0..max {
        let next = step(state, bytes, i, &mut attrs);
        if state == State::Data && next != State::Data {
            tag_start = i;
        }
        state = next;
    }
    match state {
        State::Data | State::Comment | State::Bogus => max,
        _ => tag_start,
    }
}

/// `bytes` without the attributes past the [`MAX_ATTRS`]th of each tag (`None` when there were none).
fn drop_excess_attributes(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut kept: Option<Vec<u8>> = None;
    let (mut state, mut attrs, mut copied, mut i) = (State::Data, 0, 0, 0);
    while i < bytes.len() {
        let next = step(state, bytes, i, &mut attrs);
        if state == State::Data && next != State::Data {
            attrs = 0;
        }
        let dropping = attrs > MAX_ATTRS && next != State::Data;
        if dropping {
            let k = kept.get_or_insert_with(Vec::new);
            k.extend_from_slice(&bytes[copied..i]);
            copied = i + 1;
            if bytes[i..].starts_with(b"</") {
                // Inside a script or style block the "tag" was text, and this may be the end tag that closes it:
                // end the cut tag here and read on.
                k.push(b'>');
                (state, copied) = (State::Data, i);
                continue;
            }
        }
        state = next;
        i += 1;
    }
    kept.map(|mut k| {
        k.extend_from_slice(&bytes[copied..]);
        k
    })
}

/// The state after byte `i`; counts attribute names into `attrs`.
fn step(state: State, bytes: &[u8], i: usize, attrs: &mut usize) -> State {
    let b = bytes[i];
    match state {
        State::Data if b != b'<' => State::Data,
        State::Data => match bytes.get(i + 1) {
            _ if bytes[i..].starts_with(b"<!--") => State::Comment,
            Some(b'!' | b'?') => State::Bogus,
            Some(c) if c.is_ascii_alphabetic() || *c == b'/' => State::Tag { word: true },
            _ => State::Data,
        },
        State::Comment if b == b'>' && i >= 2 && &bytes[i - 2..i] == b"--" => State::Data,
        State::Comment => State::Comment,
        State::Bogus if b == b'>' => State::Data,
        State::Bogus => State::Bogus,
        State::Tag { .. } | State::BeforeValue if b == b'>' => State::Data,
        State::Tag { .. } if b == b'=' => State::BeforeValue,
        State::Tag { .. } if b.is_ascii_whitespace() || b == b'/' => State::Tag { word: false },
        State::Tag { word: false } => {
            *attrs += 1;
            State::Tag { word: true }
        }
        State::Tag { word: true } => state,
        State::BeforeValue if b.is_ascii_whitespace() => state,
        State::BeforeValue if b == b'"' || b == b'\'' => State::Quoted(b),
        State::BeforeValue => State::Tag { word: true },
        // `x="1"y="2"` is two attributes to html5ever: the next name counts even without a space.
        State::Quoted(q) if b == q => State::Tag { word: false },
        State::Quoted(_) => state,
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
