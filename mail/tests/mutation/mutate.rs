//! Deterministic mutations of a raw message: small corruptions (bit flips, noise, truncation, header lines
//! duplicated or removed, splices) and structural attacks (huge values, HTML bombs, a huge line, broken
//! transfer encodings and boundaries, deep nesting, many parts, an oversize attachment, header tricks).

/// SplitMix64: small, seedable, good enough to pick mutations.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Each kind with its weight: the heavy ones (megabytes of input) are rarer.
pub const KINDS: &[(&str, u32)] = &[
    ("bit flips", 12),
    ("byte noise", 10),
    ("truncation", 8),
    ("duplicated header line", 8),
    ("removed header line", 6),
    ("splice from another message", 6),
    ("huge header value", 5),
    ("header tricks", 6),
    ("html bomb", 4),
    ("huge single line", 2),
    ("broken transfer encoding", 6),
    ("broken boundary", 6),
    ("nested message/rfc822", 3),
    ("deep multipart", 3),
    ("many parts", 2),
    ("oversize attachment", 1),
];

/// A mutation of `raw` (`other` is another corpus message to splice from) and the name of its kind.
pub fn mutate(raw: &[u8], other: &[u8], rng: &mut Rng) -> (&'static str, Vec<u8>) {
    let total: u32 = KINDS.iter().map(|(_, w)| w).sum();
    let mut roll = rng.below(total as usize) as u32;
    let kind = KINDS
        .iter()
        .find(|(_, w)| {
            let hit = roll < *w;
            roll = roll.saturating_sub(*w);
            hit
        })
        .map_or("bit flips", |(k, _)| k);
    let out = match kind {
        "bit flips" => bit_flips(raw, rng),
        "byte noise" => byte_noise(raw, rng),
        "truncation" => raw[..rng.below(raw.len() + 1)].to_vec(),
        "duplicated header line" => duplicated_header(raw, rng),
        "removed header line" => removed_header(raw, rng),
        "splice from another message" => splice(raw, other, rng),
        "huge header value" => huge_header(raw, rng),
        "header tricks" => header_tricks(raw, rng),
        "html bomb" => with_body(raw, "text/html; charset=utf-8", None, &html_bomb(rng)),
        "huge single line" => huge_line(raw, rng),
        "broken transfer encoding" => broken_encoding(raw, rng),
        "broken boundary" => broken_boundary(raw, rng),
        "nested message/rfc822" => nested_messages(raw, rng),
        "deep multipart" => deep_multipart(raw, rng),
        "many parts" => many_parts(raw, rng),
        _ => oversize_attachment(raw, rng),
    };
    (kind, out)
}

/// The header block (without the blank line) and the body.
fn split(raw: &[u8]) -> (&[u8], &[u8]) {
    let crlf = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4));
    let lf = raw.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2));
    match (crlf, lf) {
        (Some(a), Some(b)) if b.0 < a.0 => (&raw[..b.0], &raw[b.0 + b.1..]),
        (Some((i, n)), _) | (None, Some((i, n))) => (&raw[..i], &raw[i + n..]),
        (None, None) => (raw, b""),
    }
}

fn header_lines(raw: &[u8]) -> Vec<&[u8]> {
    split(raw).0.split(|b| *b == b'\n').collect()
}

fn join(headers: &[&[u8]], body: &[u8]) -> Vec<u8> {
    let mut out = headers.join(&b'\n');
    out.extend_from_slice(b"\n\n");
    out.extend_from_slice(body);
    out
}

fn bit_flips(raw: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = raw.to_vec();
    for _ in 0..=rng.below(32) {
        if !out.is_empty() {
            let i = rng.below(out.len());
            out[i] ^= 1 << rng.below(8);
        }
    }
    out
}

fn byte_noise(raw: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = raw.to_vec();
    let palette = [
        0u8, b'\r', b'\n', b'=', b'-', b'<', b'>', b':', b'"', 0xFF, 0xC3, 0x1B,
    ];
    for _ in 0..=rng.below(16) {
        if !out.is_empty() {
            let i = rng.below(out.len());
            out[i] = if rng.below(2) == 0 {
                *rng.pick(&palette)
            } else {
                rng.next() as u8
            };
        }
    }
    out
}

fn duplicated_header(raw: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut lines = header_lines(raw);
    let i = rng.below(lines.len());
    let times = *rng.pick(&[2, 10, 1000, 20_000]);
    let line = lines[i];
    lines.splice(i..i, std::iter::repeat_n(line, times));
    join(&lines, split(raw).1)
}

fn removed_header(raw: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut lines = header_lines(raw);
    lines.remove(rng.below(lines.len()));
    join(&lines, split(raw).1)
}

fn splice(raw: &[u8], other: &[u8], rng: &mut Rng) -> Vec<u8> {
    let at = rng.below(raw.len() + 1);
    let from = rng.below(other.len() + 1);
    let to = from + rng.below(other.len() - from + 1);
    [&raw[..at], &other[from..to], &raw[at..]].concat()
}

fn huge_header(raw: &[u8], rng: &mut Rng) -> Vec<u8> {
    let n = *rng.pick(&[10_000, 100_000, 900_000]);
    let line = match rng.below(6) {
        0 => format!("Subject: {}", "s".repeat(n)),
        1 => format!("From: \"{}\" <big@example.test>", "N".repeat(n)),
        2 => format!(
            "References: {}",
            (0..n / 20)
                .map(|i| format!("<r{i}@x.test>"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        3 => format!("X-Loop: {}", "a@b.test ".repeat(n / 9)),
        4 => format!("Message-ID: <{}@x.test>", "m".repeat(n)),
        _ => format!("X-Folded: a{}", "\r\n b".repeat(n / 4)),
    };
    let (headers, body) = split(raw);
    [line.as_bytes(), b"\n", headers, b"\n\n", body].concat()
}

fn header_tricks(raw: &[u8], rng: &mut Rng) -> Vec<u8> {
    let line = *rng.pick(&[
        "From: noreply@example.test",
        "From: =?utf-8?Q?Evil=0D=0ABcc:_victim@x.test?= <evil@example.test>",
        "Subject: =?utf-8?Q?Invoice_=E2=80=AEfdp.exe?=",
        "Subject: a\u{0}b\u{1b}[31mc\u{202e}d",
        "Message-ID: <a b@c> <d@e>",
        "In-Reply-To: <x<y@z> <<<>>>",
        "From: a@x.test, b@y.test, c@z.test",
        "From: 311@c\u{456}ty.test",
        "Content-Type: multipart/mixed; boundary=\"\"",
        "Content-Transfer-Encoding: base64",
        "Return-Path: <>",
    ]);
    let (headers, body) = split(raw);
    [line.as_bytes(), b"\n", headers, b"\n\n", body].concat()
}

/// `raw`'s headers without their MIME fields, then the given type, encoding and body.
fn with_body(raw: &[u8], content_type: &str, encoding: Option<&str>, body: &[u8]) -> Vec<u8> {
    let mut lines: Vec<&[u8]> = header_lines(raw)
        .into_iter()
        .filter(|l| {
            let l = String::from_utf8_lossy(l).to_ascii_lowercase();
            !l.starts_with("content-type") && !l.starts_with("content-transfer-encoding")
        })
        .collect();
    let ct = format!("Content-Type: {content_type}");
    let cte = encoding.map(|e| format!("Content-Transfer-Encoding: {e}"));
    lines.push(ct.as_bytes());
    if let Some(cte) = &cte {
        lines.push(cte.as_bytes());
    }
    join(&lines, body)
}

fn html_bomb(rng: &mut Rng) -> Vec<u8> {
    let n = *rng.pick(&[2_000, 20_000, 60_000]);
    let html = match rng.below(8) {
        0 => format!("{}deep", "<div>".repeat(n)),
        1 => "<tr><td rowspan=65534 colspan=1000>x</td><td colspan=9999999>y</td></tr>"
            .repeat(n / 20),
        2 => format!("<table>{}</table>", "<tr><td>a<td>b".repeat(n / 4)),
        3 => format!(
            "{}{}",
            "<blockquote>".repeat(n / 10),
            "line<br>".repeat(n / 4)
        ),
        4 => format!(
            "<p {}>t</p>",
            (0..n)
                .map(|i| format!("a{i}"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        5 => "<b><i><u><s class=x>t</b>".repeat(n / 8),
        6 => "x<br>".repeat(n),
        _ => format!("{}x", "<table><tr><td>".repeat(n / 20)),
    };
    html.into_bytes()
}

fn huge_line(raw: &[u8], rng: &mut Rng) -> Vec<u8> {
    let n = *rng.pick(&[300_000, 1_000_000, 3_000_000]);
    with_body(
        raw,
        "text/plain; charset=utf-8",
        None,
        "x".repeat(n).as_bytes(),
    )
}

fn broken_encoding(raw: &[u8], rng: &mut Rng) -> Vec<u8> {
    let text = String::from_utf8_lossy(raw);
    match rng.below(3) {
        0 => text
            .replace("base64", "quoted-printable-was-base64")
            .replace("quoted-printable", "base64")
            .into_bytes(),
        1 => with_body(
            raw,
            "text/plain; charset=utf-8",
            Some("base64"),
            b"SGVsbG8=!!*&^%$\nW9=rbGQ===\n\0\xff",
        ),
        _ => with_body(
            raw,
            "text/html; charset=utf-8",
            Some("quoted-printable"),
            b"=3Cdiv=3E=\r\n=ZZ=4=\n=E2=80=AE==3D=\r=C3<p>x",
        ),
    }
}

fn broken_boundary(raw: &[u8], rng: &mut Rng) -> Vec<u8> {
    let text = String::from_utf8_lossy(raw).into_owned();
    let boundary = text
        .find("boundary=")
        .map(|i| &text[i + 9..])
        .map(|s| s.trim_start_matches('"'))
        .and_then(|s| s.split(['"', ';', '\r', '\n']).next())
        .filter(|b| !b.is_empty())
        .unwrap_or("XYZ")
        .to_string();
    match rng.below(4) {
        0 => text
            .replacen(&format!("--{boundary}"), "--wrong", usize::MAX)
            .into_bytes(),
        1 => text.replace(&format!("--{boundary}--"), "").into_bytes(),
        2 => text
            .replace(&format!("boundary=\"{boundary}\""), "boundary=\"\"")
            .into_bytes(),
        _ => with_body(
            raw,
            &format!("multipart/mixed; boundary=\"{boundary}\""),
            None,
            format!("--{boundary}\r\n\r\nno end").as_bytes(),
        ),
    }
}

fn nested_messages(raw: &[u8], rng: &mut Rng) -> Vec<u8> {
    let depth = *rng.pick(&[1, 5, 50, 500]);
    let mut msg = raw.to_vec();
    for i in 0..depth {
        let head = format!(
            "From: wrap{i}@example.test\r\nSubject: Fwd\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"w{i}\"\r\n\r\n--w{i}\r\n\
             Content-Type: message/rfc822\r\n\r\n"
        );
        msg = [
            head.as_bytes(),
            &msg,
            format!("\r\n--w{i}--\r\n").as_bytes(),
        ]
        .concat();
    }
    msg
}

fn deep_multipart(raw: &[u8], rng: &mut Rng) -> Vec<u8> {
    let depth = *rng.pick(&[10, 100, 1000, 5000]);
    let mut body = String::new();
    for i in 0..depth {
        body.push_str(&format!(
            "--d{i}\r\nContent-Type: multipart/mixed; boundary=\"d{}\"\r\n\r\n",
            i + 1
        ));
    }
    body.push_str(&format!(
        "--d{depth}\r\nContent-Type: text/plain\r\n\r\ninner\r\n"
    ));
    for i in (0..=depth).rev() {
        body.push_str(&format!("--d{i}--\r\n"));
    }
    with_body(
        raw,
        "multipart/mixed; boundary=\"d0\"",
        None,
        body.as_bytes(),
    )
}

fn many_parts(raw: &[u8], rng: &mut Rng) -> Vec<u8> {
    let n = *rng.pick(&[1000, 5000]);
    let mut body = String::new();
    for i in 0..n {
        body.push_str(&format!(
            "--m\r\nContent-Type: application/octet-stream\r\n\
             Content-Disposition: attachment; filename=\"f{i}.bin\"\r\n\r\npart {i}\r\n"
        ));
    }
    body.push_str("--m--\r\n");
    with_body(
        raw,
        "multipart/mixed; boundary=\"m\"",
        None,
        body.as_bytes(),
    )
}

fn oversize_attachment(raw: &[u8], rng: &mut Rng) -> Vec<u8> {
    let lines = (6 + rng.below(3)) * 1024 * 1024 / 57;
    let mut body = String::from(
        "--o\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--o\r\nContent-Type: image/jpeg\r\n\
         Content-Disposition: attachment; filename=\"big.jpg\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
    );
    let line = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\r\n";
    body.push_str(&line.repeat(lines));
    body.push_str("--o--\r\n");
    with_body(
        raw,
        "multipart/mixed; boundary=\"o\"",
        None,
        body.as_bytes(),
    )
}
