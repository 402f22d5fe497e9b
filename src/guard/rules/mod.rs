//! The built-in rules, one file per family, each an `impl Walker` block so a rule can resolve
//! paths in the walker's environment and recurse into nested scripts. The walker's `simple`
//! decides which rule sees which command.

mod accounts;
mod credentials;
mod devices;
mod git;
mod input;
mod interpreters;
mod pipes;
pub(super) mod recursive;
mod remote;
mod runners;
mod scripts;
mod volumes;

use crate::guard::argv::operands;
use crate::guard::syntax::Word;

/// The operands of `name` that it removes, replaces or writes into, for the rules that guard
/// places rather than commands (account homes, keys). `metadata`: count `touch`, `mkdir`,
/// `chmod`/`chown` too, which change a place without destroying what is in it.
pub(super) fn written_operands(name: &str, args: &[Word], metadata: bool) -> Vec<Word> {
    let ops = operands(args);
    let in_place = args.iter().any(|w| {
        let t = w.text.as_str();
        t == "--in-place"
            || t.starts_with("--in-place=")
            || (t.starts_with('-') && !t.starts_with("--") && t.contains('i'))
    });
    let targets: Vec<&Word> = match name {
        "mv" | "rm" | "unlink" | "shred" | "truncate" | "tee" => ops,
        "rmdir" | "touch" | "mkdir" | "chmod" | "chown" | "chgrp" if metadata => ops,
        "cp" | "install" | "ln" | "rsync" | "scp" => {
            let t_opt = args.iter().enumerate().find_map(|(i, w)| {
                if w.text == "-t" || w.text == "--target-directory" { args.get(i + 1) } else { None }
            });
            match t_opt {
                Some(t) => vec![t],
                None if ops.len() >= 2 => ops.last().copied().into_iter().collect(),
                None => Vec::new(),
            }
        }
        "sed" | "perl" if in_place => ops,
        "dd" => {
            return args
                .iter()
                .filter_map(|w| w.text.strip_prefix("of="))
                .map(|v| Word { lead_tilde: v.starts_with('~'), lead_dollar: v.starts_with('$'), ..Word::lit(v) })
                .collect();
        }
        _ => Vec::new(),
    };
    targets
        .into_iter()
        // A remote `host:path` is another machine's.
        .filter(|w| !(matches!(name, "scp" | "rsync") && w.text.contains(':') && !w.text.starts_with('/')))
        .cloned()
        .collect()
}
