//! Measures bounce recognition (`Inbound::dsn`) on the flufl.bounce corpus (117 real bounces from many MTAs) and
//! the DSNs of the mikel/mail set, reporting how many yield a status code, an original Message-ID and a recipient.
//!
//! Run: `cargo run -p connect311-mail --example eval_bounce [-- -v]`; the corpus is `mail/raw_emails` under the
//! eval root: `shared/eval` beside the workspace, or `$CONNECT311_EVAL_DIR` (see `tests/e2e/support/eval_dir.rs`).

use std::path::{Path, PathBuf};

use mail::inbound::{parse, Limits};

#[path = "../../tests/e2e/support/eval_dir.rs"]
mod eval_dir;

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "txt" || x == "eml"))
        .collect();
    out.sort();
    out
}

fn measure(name: &str, files: &[PathBuf], verbose: bool) {
    let (mut parsed, mut bounce, mut report, mut status, mut orig, mut rcpt, mut perm) =
        (0, 0, 0, 0, 0, 0, 0);
    for f in files {
        let Ok(inb) = parse(&std::fs::read(f).unwrap(), &Limits::default()) else {
            if verbose {
                println!("unparseable: {}", f.display());
            }
            continue;
        };
        parsed += 1;
        let Some(b) = inb.dsn else {
            if verbose {
                println!(
                    "not recognised: {} (subject {:?})",
                    f.display(),
                    inb.subject
                );
            }
            continue;
        };
        bounce += 1;
        report += usize::from(b.report);
        status += usize::from(b.status.is_some());
        orig += usize::from(b.original_message_id.is_some());
        rcpt += usize::from(b.recipient.is_some());
        perm += usize::from(b.permanent);
        if verbose {
            println!(
                "{}: report={} status={:?} orig={:?} rcpt={:?} permanent={}",
                f.file_name().unwrap().to_string_lossy(),
                b.report,
                b.status,
                b.original_message_id,
                b.recipient,
                b.permanent
            );
        }
    }
    println!(
        "{name}: {} files, {parsed} parsed, {bounce} recognised as bounces ({report} structured DSN), \
         status {status}, original Message-ID {orig}, recipient {rcpt}, permanent {perm}",
        files.len()
    );
}

fn main() {
    let verbose = std::env::args().any(|a| a == "-v");
    let root = &eval_dir::eval_path("mail/raw_emails");
    measure(
        "flufl.bounce",
        &files(&root.join("flufl_bounce/tests/data")),
        verbose,
    );
    measure(
        "mikel/mail multipart_report_emails",
        &files(&root.join("mikel_mail/spec/fixtures/emails/multipart_report_emails")),
        verbose,
    );
}
