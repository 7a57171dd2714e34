//! Measures `strip::visible_reply` against `mail/email_replies` under the eval root (see its SOURCE.txt):
//! A. mailgun/talon standard_replies (real MIME from 13 clients): expected "Hello" unless `<name>_reply_text`
//!    exists; talon keeps signatures, so a second figure ignores a trailing "Sent from…" line in the expected text.
//! B. the exact visible-text assertions of github/email_reply_parser's and willdurand/EmailReplyParser's own tests
//!    (transcribed below from their test files — willdurand's at the commit matching these fixtures, where most
//!    cases assert the first fragment equals one common paragraph; 14 date-header variants expand one fixture).
//! C. agreement with zapier's Python port output (a reference implementation, not ground truth).
//!
//! Run: `cargo run -p connect311-mail --example eval_strip [-- -v]`; the eval root is `shared/eval` beside the
//! workspace, or `$CONNECT311_EVAL_DIR` (see `tests/e2e/support/eval_dir.rs`).

use std::path::{Path, PathBuf};

use mail::inbound::{parse, Limits};
use mail::strip::visible_reply;

#[path = "../../tests/e2e/support/eval_dir.rs"]
mod eval_dir;

enum Check {
    Exact(&'static str),
    /// Starts with the first text and contains none of the others (quoted/signature text that must go).
    PrefixWithout(&'static str, &'static [&'static str]),
    ContainsWithout(&'static str, &'static [&'static str]),
}

fn norm(s: &str) -> String {
    s.replace("\r\n", "\n")
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

fn read(path: &Path) -> String {
    String::from_utf8_lossy(
        &std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .into_owned()
}

fn main() {
    let verbose = std::env::args().any(|a| a == "-v");
    let root = &eval_dir::eval_path("mail/email_replies");
    assert!(root.exists(), "{} missing", root.display());
    let (a_exact, a_mod_sig, a_total) = set_a(root, verbose);
    println!("A talon standard_replies: {a_exact}/{a_total} exact, {a_mod_sig}/{a_total} ignoring a kept mobile signature");
    let (b_ok, b_total) = set_b(root, verbose);
    println!("B upstream test assertions (github + willdurand): {b_ok}/{b_total}");
    let (c_ok, c_ws, c_total) = set_c(root, verbose);
    println!("C agreement with zapier email_reply_parser output: {c_ok}/{c_total} exact, {c_ws}/{c_total} ignoring whitespace layout");
}

fn set_a(root: &Path, verbose: bool) -> (usize, usize, usize) {
    let dir = root.join("mailgun_talon/tests/fixtures/standard_replies");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort();
    let (mut exact, mut mod_sig) = (0, 0);
    for f in &files {
        let stem = f.file_stem().unwrap().to_string_lossy().to_string();
        let expected_path = dir.join(format!("{stem}_reply_text"));
        let expected = if expected_path.exists() {
            norm(&read(&expected_path))
        } else {
            "Hello".to_string()
        };
        let inbound = parse(&std::fs::read(f).unwrap(), &Limits::default()).expect("parses");
        let got = norm(&visible_reply(&inbound.text));
        let without_sig = norm(&visible_reply(&expected));
        if got == expected {
            exact += 1;
        }
        if got == expected || got == without_sig {
            mod_sig += 1;
        } else if verbose {
            println!("--- A {stem}: expected {expected:?}\n    got {got:?}");
        }
    }
    (exact, mod_sig, files.len())
}

fn set_b(root: &Path, verbose: bool) -> (usize, usize) {
    let gh = root.join("github_email_reply_parser/test/emails");
    let wd = root.join("willdurand_EmailReplyParser/tests/Fixtures");
    let lorem = "Fusce bibendum, quam hendrerit sagittis tempor, dui turpis tempus erat, pharetra sodales ante sem sit amet metus.\nNulla malesuada, orci non vulputate lobortis, massa felis pharetra ex, convallis consectetur ex libero eget ante.\nNam vel turpis posuere, rhoncus ligula in, venenatis orci. Duis interdum venenatis ex a rutrum.\nDuis ut libero eu lectus consequat consequat ut vel lorem. Vestibulum convallis lectus urna,\net mollis ligula rutrum quis. Fusce sed odio id arcu varius aliquet nec nec nibh.";
    let riak = "Hi folks\n\nWhat is the best way to clear a Riak bucket of all key, values after\nrunning a test?\nI am currently using the Java HTTP API.";
    let another = "Here is another email";
    let mut cases: Vec<(PathBuf, Option<String>, Check)> = vec![
        (gh.join("email_1_1.txt"), None, Check::Exact(riak)),
        (gh.join("email_1_3.txt"), None, Check::PrefixWithout("Oh thanks.\n\nHaving", &["On ", "-Abhishek", "___"])),
        (gh.join("email_1_4.txt"), None, Check::PrefixWithout("Awesome", &["Loader"])),
        (gh.join("email_1_6.txt"), None, Check::PrefixWithout("I get", &["Was this"])),
        (gh.join("email_1_7.txt"), None, Check::PrefixWithout(":+1:", &["Steps 0-2"])),
        (gh.join("email_2_1.txt"), None, Check::Exact("Outlook with a reply")),
        (gh.join("email_2_2.txt"), None, Check::Exact("Outlook with a reply directly above line")),
        (gh.join("email_iPhone.txt"), None, Check::Exact(another)),
        (gh.join("email_BlackBerry.txt"), None, Check::Exact(another)),
        (gh.join("email_multi_word_sent_from_my_mobile_device.txt"), None, Check::Exact(another)),
        (gh.join("email_sent_from_my_not_signature.txt"), None, Check::Exact("Here is another email\n\nSent from my desk, is much easier then my mobile phone.")),
        (gh.join("email_bullets.txt"), None, Check::Exact("test 2 this should list second\n\nand have spaces\n\nand retain this formatting\n\n\n   - how about bullets\n   - and another")),
        (gh.join("email_one_is_not_on.txt"), None, Check::PrefixWithout("", &["On Oct 1, 2012"])),
        (gh.join("correct_sig.txt"), None, Check::Exact("this is an email with a correct -- signature.")),
        (wd.join("email_1.txt"), None, Check::Exact(riak)),
        (wd.join("email_3.txt"), None, Check::PrefixWithout("Oh thanks.\n\nHaving", &["On ", "-Abhishek"])),
        (wd.join("email_4.txt"), None, Check::PrefixWithout("Awesome", &["Loader"])),
        (wd.join("email_6.txt"), None, Check::PrefixWithout("I get", &["Was this"])),
        (wd.join("email_10.txt"), None, Check::Exact(lorem)),
        (wd.join("email_11.txt"), None, Check::Exact(lorem)),
        (wd.join("email_12.txt"), None, Check::Exact(lorem)),
        (wd.join("email_13.txt"), None, Check::Exact(lorem)),
        (wd.join("email_14.txt"), None, Check::Exact(lorem)),
        (wd.join("email_7.txt"), None, Check::Exact(lorem)),
        (wd.join("email_8.txt"), None, Check::Exact(lorem)),
        (wd.join("email_9.txt"), None, Check::Exact(lorem)),
        (wd.join("email_15.txt"), None, Check::Exact(lorem)),
        (wd.join("email_16.txt"), None, Check::Exact(lorem)),
        (wd.join("email_17.txt"), None, Check::Exact(lorem)),
        (wd.join("email_18.txt"), None, Check::Exact(lorem)),
        (wd.join("email_22.txt"), None, Check::Exact(lorem)),
        (wd.join("email_23.txt"), None, Check::Exact(lorem)),
        (wd.join("email_23_1.txt"), None, Check::Exact("Fusce bibendum, quam hendrerit sagittis tempor, dui turpis tempus erat, pharetra sodales ante sem sit amet metus.\nNulla malesuada, orci non vulputate lobortis, massa felis pharetra ex, convallis consectetur ex libero eget ante.\nNam vel turpis posuere, rhoncus ligula in, venenatis orci. Duis interdum venenatis ex a rutrum.\n\nSomething wrote:\nDuis ut libero eu lectus consequat consequat ut vel lorem. Vestibulum convallis lectus urna,\net mollis ligula rutrum quis. Fusce sed odio id arcu varius aliquet nec nec nibh.")),
        (wd.join("email_norwegian_gmail.txt"), None, Check::Exact(lorem)),
        (wd.join("email_zimbra_free_fr.txt"), None, Check::ContainsWithout("Michael Scott", &["Toby Flenderson"])),
        (wd.join("email_zimbra_free_en.txt"), None, Check::ContainsWithout("Michael Scott", &["Toby Flenderson"])),
        (wd.join("correct_sig.txt"), None, Check::Exact("this is an email with a correct -- signature.")),
        (wd.join("email_one_is_not_on.txt"), None, Check::PrefixWithout("", &["On Oct 1, 2012"])),
    ];
    for date in [
        "On Tue, 2011-03-01 at 18:02 +0530, Abhishek Kona wrote:",
        "2014-03-20 8:48 GMT+01:00 Rémi Dolan <do_not_reply@dolan.com>:",
        "2014-03-09 20:48 GMT+01:00 Rémi Dolan <do_not_reply@dolan.com>:",
        "Le 19 mars 2014 10:37, Cédric Lombardot <cedric.lombardot@gmail.com> a écrit :",
        "El 19/03/2014 11:34, Juan Pérez <juan.perez@mailcatch.com> escribió:",
        "W dniu 7 stycznia 2015 15:24 użytkownik Paweł Brzoski <pbrzoski91@gmail.com> napisał:",
        "Le 19/03/2014 11:34, Georges du chemin a écrit :",
        "W dniu 2015-01-07 14:23, pbrzoski91@gmail.com pisze: ",
        "Den 08/06/2015 kl. 21.21 skrev Test user <test@example.com>:",
        "Am 25.06.2015 um 10:55 schrieb Test user:",
        "Test user <test@example.com> schrieb:",
        "在 2016年11月8日，下午2:23，Test user <test@example.com> 写道：",
        "2016. 11. 8. 오후 12:39 Test user <test@example.com> 작성:",
        "2016/11/08 14:26、Test user <test@example.com> のメッセージ:",
    ] {
        cases.push((
            wd.join("email_with_date_headers.txt"),
            Some(date.to_string()),
            Check::Exact("Thank you very much."),
        ));
    }
    let mut ok = 0;
    for (path, date, check) in &cases {
        let mut body = read(path);
        if let Some(d) = date {
            body = body.replace("[DATE]", d);
        }
        let got = norm(&visible_reply(&body));
        let pass = match check {
            Check::Exact(want) => got == norm(want),
            Check::PrefixWithout(prefix, banned) => {
                got.starts_with(prefix)
                    && !got.is_empty()
                    && banned.iter().all(|b| !got.contains(b))
            }
            Check::ContainsWithout(needle, banned) => {
                got.contains(needle) && banned.iter().all(|b| !got.contains(b))
            }
        };
        if pass {
            ok += 1;
        } else if verbose {
            let name = path.file_name().unwrap().to_string_lossy();
            println!("--- B {name} {}:\n{got}\n", date.as_deref().unwrap_or(""));
        }
    }
    (ok, cases.len())
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn set_c(root: &Path, verbose: bool) -> (usize, usize, usize) {
    let json: serde_json::Value = serde_json::from_str(&read(
        &root.join("reference_output_zapier_python_port.json"),
    ))
    .unwrap();
    let map = json.as_object().expect("object");
    let (mut ok, mut ws) = (0, 0);
    for (rel, expected) in map {
        let got = norm(&visible_reply(&read(&root.join(rel))));
        let want = norm(expected.as_str().unwrap_or(""));
        if got == want {
            ok += 1;
        }
        if squash(&got) == squash(&want) {
            ws += 1;
        } else if verbose {
            println!("--- C {rel}:\n  want {want:?}\n  got  {got:?}");
        }
    }
    (ok, ws, map.len())
}
