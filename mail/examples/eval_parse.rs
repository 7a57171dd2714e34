//! Lists which files of the shared raw_emails corpus `inbound::parse` rejects, and why, so a rejection of a real
//! email is noticed. Run: `cargo run -p connect311-mail --example eval_parse`; the corpus is `mail/raw_emails`
//! under the eval root: `shared/eval` beside the workspace, or `$CONNECT311_EVAL_DIR`.

#[path = "../../tests/e2e/support/eval_dir.rs"]
mod eval_dir;

fn main() {
    let root = eval_dir::eval_path("mail/raw_emails");
    let mut stack = vec![root];
    let mut files = Vec::new();
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("eval corpus present") {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_none_or(|x| x != "json") {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut rejected = 0;
    for f in &files {
        let raw = std::fs::read(f).expect("readable");
        if let Err(e) = mail::inbound::parse(&raw, &mail::Limits::default()) {
            rejected += 1;
            let head: String =
                String::from_utf8_lossy(&raw[..raw.len().min(60)]).replace(['\r', '\n'], "⏎");
            println!("{e}: {} — {head:?}", f.display());
        }
    }
    println!("{} files, {rejected} rejected", files.len());
}
