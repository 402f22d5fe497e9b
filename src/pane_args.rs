//! A pane's own claude arguments, carried across a relaunch (SPEC §5.7 "<the pane's own args>").
//!
//! A claude started as `claude --model sonnet --add-dir /x` must come back on the new account
//! with both, not with the global `claude_args` alone. The arguments are read from the claude
//! process's argv (`/proc/<pid>/cmdline`), split into options the way Claude Code's own parser
//! (commander) splits them, and what selects a session or runs once at start (`--resume`,
//! `--continue`, `--session-id`, `--fork-session`, a prompt, `-p`, `--worktree`, …) is dropped:
//! the relaunch chooses the session itself. Claude Code 2.1.332 does the same for its exit hint
//! (`claude --model sonnet --resume <id>`), with the same list of dropped options.
//!
//! The invariant a newcomer could break: these words end up in a line typed into a shell. Every
//! word is checked here (no control characters, bounded length) and quoted by the caller
//! ([`crate::tmux::shell_quote`]); an argv that cannot be split with certainty (an option we do
//! not know followed by a word that could be its value or a prompt) is refused as a whole rather
//! than guessed at, and the relaunch then uses the global `claude_args` and says so.

use std::fmt;

/// How many words an option takes after it (commander's option kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arity {
    /// A switch: `--verbose`.
    Flag,
    /// `<value>`: the next word, whatever it looks like.
    Required,
    /// `[value]`: the next word unless it looks like an option.
    Optional,
    /// `<values...>`: the next word, then every following word that does not look like an option.
    Variadic,
}

/// What a relaunch does with an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// Carried to the relaunched claude.
    Keep,
    /// Left out: it selects the session, or acts once at start, or only works with `--print`.
    Drop,
    /// Internal to a claude spawned by another claude (agent teams): such a process is not the
    /// user's to relaunch with these flags; its argv is not carried at all.
    Refuse,
}

struct Spec {
    long: &'static str,
    /// Another long spelling of the same option (`--allowed-tools` for `--allowedTools`).
    alias: Option<&'static str>,
    short: Option<char>,
    arity: Arity,
    fate: Fate,
}

const fn opt(long: &'static str, short: Option<char>, arity: Arity, fate: Fate) -> Spec {
    Spec { long, alias: None, short, arity, fate }
}

const fn aka(long: &'static str, alias: &'static str, arity: Arity, fate: Fate) -> Spec {
    Spec { long, alias: Some(alias), short: None, arity, fate }
}

use Arity::{Flag, Optional, Required, Variadic};
use Fate::{Drop, Keep, Refuse};

/// The options of Claude Code 2.1.332 (`claude --help`), plus the hidden ones its own resume
/// hint drops or refuses (read from its bundle). Long names without the leading `--`.
const OPTIONS: &[Spec] = &[
    // Carried.
    opt("add-dir", None, Variadic, Keep),
    opt("agent", None, Required, Keep),
    opt("agents", None, Required, Keep),
    opt("allow-dangerously-skip-permissions", None, Flag, Keep),
    aka("allowedTools", "allowed-tools", Variadic, Keep),
    opt("append-system-prompt", None, Required, Keep),
    opt("append-system-prompt-file", None, Required, Keep),
    opt("autocompact", None, Required, Keep),
    opt("ax-screen-reader", None, Flag, Keep),
    opt("bare", None, Flag, Keep),
    opt("betas", None, Variadic, Keep),
    opt("brief", None, Flag, Keep),
    opt("chrome", None, Flag, Keep),
    opt("dangerously-skip-permissions", None, Flag, Keep),
    opt("debug", Some('d'), Optional, Keep),
    opt("debug-file", None, Required, Keep),
    opt("disable-slash-commands", None, Flag, Keep),
    aka("disallowedTools", "disallowed-tools", Variadic, Keep),
    opt("effort", None, Required, Keep),
    opt("exclude-dynamic-system-prompt-sections", None, Flag, Keep),
    opt("fallback-model", None, Required, Keep),
    opt("ide", None, Flag, Keep),
    opt("mcp-config", None, Variadic, Keep),
    opt("model", None, Required, Keep),
    opt("no-chrome", None, Flag, Keep),
    opt("permission-mode", None, Required, Keep),
    opt("plugin-dir", None, Required, Keep),
    opt("plugin-url", None, Required, Keep),
    opt("prompt-suggestions", None, Optional, Keep),
    opt("remote-control", None, Optional, Keep),
    opt("remote-control-session-name-prefix", None, Required, Keep),
    opt("restricted", None, Flag, Keep),
    opt("safe-mode", None, Flag, Keep),
    opt("setting-sources", None, Required, Keep),
    opt("settings", None, Required, Keep),
    opt("strict-mcp-config", None, Flag, Keep),
    opt("system-prompt", None, Required, Keep),
    opt("system-prompt-file", None, Required, Keep),
    opt("system-prompt-snapshot", None, Required, Keep),
    opt("tools", None, Variadic, Keep),
    opt("verbose", None, Flag, Keep),
    // Session selection: the relaunch picks the session itself.
    opt("continue", Some('c'), Flag, Drop),
    opt("resume", Some('r'), Optional, Drop),
    opt("session-id", None, Required, Drop),
    opt("fork-session", None, Flag, Drop),
    opt("from-pr", None, Optional, Drop),
    opt("teleport", None, Optional, Drop),
    opt("cloud", None, Optional, Drop),
    opt("desktop", None, Flag, Drop),
    opt("environment", None, Required, Drop),
    opt("name", Some('n'), Required, Drop),
    // Acts once at start (a worktree, a background session, downloads) or ends the process.
    opt("worktree", Some('w'), Optional, Drop),
    opt("tmux", None, Optional, Drop),
    opt("background", None, Flag, Drop),
    opt("bg", None, Flag, Drop),
    opt("file", None, Variadic, Drop),
    opt("help", Some('h'), Flag, Drop),
    opt("version", Some('v'), Flag, Drop),
    // `--print` and what only works with it: a relaunched pane is interactive.
    opt("print", Some('p'), Flag, Drop),
    opt("output-format", None, Required, Drop),
    opt("input-format", None, Required, Drop),
    opt("json-schema", None, Required, Drop),
    opt("max-budget-usd", None, Required, Drop),
    opt("max-turns", None, Required, Drop),
    opt("no-session-persistence", None, Flag, Drop),
    opt("permission-prompts", None, Required, Drop),
    opt("include-partial-messages", None, Flag, Drop),
    opt("include-hook-events", None, Flag, Drop),
    opt("replay-user-messages", None, Flag, Drop),
    opt("forward-subagent-text", None, Flag, Drop),
    // Hidden options 2.1.332's own resume hint leaves out (their arity is a guess that cannot
    // matter: whatever follows a dropped option and is not an option is dropped as a prompt).
    opt("remote", None, Optional, Drop),
    opt("pool", None, Optional, Drop),
    opt("project", None, Optional, Drop),
    opt("ref", None, Optional, Drop),
    opt("on-branch", None, Optional, Drop),
    opt("correlation-id", None, Optional, Drop),
    opt("metadata", None, Optional, Drop),
    opt("forward-home-settings", None, Optional, Drop),
    opt("resume-session-at", None, Optional, Drop),
    opt("resume-drops-turn", None, Optional, Drop),
    opt("reply-on-resume", None, Optional, Drop),
    opt("rewind-files", None, Optional, Drop),
    opt("routine", None, Optional, Drop),
    opt("init", None, Flag, Drop),
    opt("init-only", None, Flag, Drop),
    opt("maintenance", None, Flag, Drop),
    opt("prefill", None, Optional, Drop),
    opt("prefill-b64", None, Optional, Drop),
    opt("deep-link-origin", None, Optional, Drop),
    opt("deep-link-repo", None, Optional, Drop),
    opt("deep-link-last-fetch", None, Optional, Drop),
    opt("deep-link-cwd-b64", None, Optional, Drop),
    opt("watch-artifact", None, Optional, Drop),
    opt("watch-artifact-no-autoreact", None, Optional, Drop),
    // A teammate of an agent team (spawned into a pane by another claude).
    opt("agent-id", None, Required, Refuse),
    opt("agent-name", None, Required, Refuse),
    opt("team-name", None, Required, Refuse),
    opt("agent-color", None, Required, Refuse),
    opt("agent-type", None, Required, Refuse),
    opt("parent-session-id", None, Required, Refuse),
    opt("lead-verify-key", None, Required, Refuse),
    opt("plan-mode-required", None, Flag, Refuse),
    opt("inherit-permission-mode", None, Flag, Refuse),
    opt("agents-view-if-allowed", None, Flag, Refuse),
    opt("attach-serve", None, Optional, Refuse),
    opt("session-began-as-copy", None, Flag, Refuse),
    opt("messaging-socket-path", None, Required, Refuse),
    opt("project-config-root", None, Required, Refuse),
    opt("hold-repository-while-parked", None, Flag, Refuse),
];

/// Longest word carried (a system prompt is text, but not a book).
const MAX_WORD: usize = 8192;
/// Longest carried argument list, all words together.
const MAX_TOTAL: usize = 32 * 1024;

fn by_long(name: &str) -> Option<&'static Spec> {
    OPTIONS.iter().find(|s| s.long == name || s.alias == Some(name))
}

fn by_short(c: char) -> Option<&'static Spec> {
    OPTIONS.iter().find(|s| s.short == Some(c))
}

/// Commander's test for "this word is an option": `-` and at least one more character.
fn looks_like_option(w: &str) -> bool {
    w.len() > 1 && w.starts_with('-')
}

/// Why a pane's argv is not carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One option with its values, as written (`--model sonnet`, `--add-dir=/x`, `-d`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Group {
    /// The canonical long name (`allowedTools` for `--allowed-tools`), or the option word itself
    /// for one we do not know (`--frobnicate`).
    key: String,
    words: Vec<String>,
    fate: Fate,
}

/// How an option we do not know is read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unknown {
    /// In a pane's argv: followed by a non-option word it is ambiguous (a value, or a prompt?),
    /// and the argv is refused.
    Strict,
    /// In the config's `claude_args`, which hold no prompt: the following non-option words are
    /// its values.
    Lenient,
}

/// The values of `spec` from `words[*i..]` (its option word already consumed), as commander takes
/// them; `None` when a required value is missing.
fn values(spec: &Spec, words: &[String], i: &mut usize) -> Option<Vec<String>> {
    let mut out = Vec::new();
    match spec.arity {
        Flag => {}
        Optional => {
            if let Some(v) = words.get(*i).filter(|v| !looks_like_option(v)) {
                out.push(v.clone());
                *i += 1;
            }
        }
        Required | Variadic => {
            // The first value is the next word, whatever it looks like.
            out.push(words.get(*i)?.clone());
            *i += 1;
            if spec.arity == Variadic {
                while let Some(v) = words.get(*i).filter(|v| !looks_like_option(v)) {
                    out.push(v.clone());
                    *i += 1;
                }
            }
        }
    }
    Some(out)
}

/// Split `words` (argv without the program) into option groups; positional words (a prompt,
/// everything after `--`) are dropped. `known` teaches the arity of options missing from the
/// table (the config's own `claude_args`, read leniently).
fn groups(words: &[String], unknown: Unknown, known: &[Group]) -> Result<Vec<Group>, Refused> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        i += 1;
        if w == "--" {
            break; // the rest is positional: a prompt
        }
        if !looks_like_option(w) {
            continue; // a prompt (or a subcommand): never carried
        }
        if let Some(long) = w.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, _)) => (n, true),
                None => (long, false),
            };
            // The word stays as written: `--model=x` is carried as one word.
            let mut g = vec![w.clone()];
            if let Some(spec) = by_long(name) {
                if spec.arity == Flag && inline {
                    return Err(Refused(format!("{w}: --{name} takes no value")));
                }
                // `--add-dir=/x` ends the option: commander collects more values only after
                // the spelled-out form.
                if !inline {
                    g.extend(values(spec, words, &mut i).ok_or_else(|| Refused(format!("--{name} has no value")))?);
                }
                out.push(Group { key: spec.long.to_string(), words: g, fate: spec.fate });
                continue;
            }
            // Not ours to know. `--x=v` is self-contained; a bare `--x` takes what the config
            // taught, else nothing when an option or the end follows.
            if !inline {
                let taught = known.iter().find(|k| k.key == *w).map(|k| k.words.len() - 1);
                match (taught, unknown) {
                    (Some(n), _) => {
                        let end = (i + n).min(words.len());
                        g.extend(words[i..end].iter().cloned());
                        i = end;
                    }
                    (None, Unknown::Lenient) => {
                        while let Some(v) = words.get(i).filter(|v| !looks_like_option(v)) {
                            g.push(v.clone());
                            i += 1;
                        }
                    }
                    (None, Unknown::Strict) => {
                        if words.get(i).is_some_and(|v| !looks_like_option(v)) {
                            // The word itself is not quoted: it may be a prompt.
                            return Err(Refused(format!(
                                "{w} is not an option this version of claude-failover knows, and the word after it may be its value or a prompt"
                            )));
                        }
                    }
                }
            }
            out.push(Group { key: w.split('=').next().unwrap_or(w).to_string(), words: g, fate: Keep });
            continue;
        }
        // Short options: `-c`, a cluster of switches (`-cd`), an attached value (`-rID`, `-dapi`).
        for (at, c) in w[1..].char_indices() {
            let Some(spec) = by_short(c) else {
                return Err(Refused(format!("{w}: -{c} is not an option this version of claude-failover knows")));
            };
            let rest = &w[1 + at + c.len_utf8()..];
            if spec.arity != Flag && !rest.is_empty() {
                out.push(Group { key: spec.long.to_string(), words: vec![format!("-{c}{rest}")], fate: spec.fate });
                break;
            }
            let mut g = vec![format!("-{c}")];
            if rest.is_empty() {
                g.extend(values(spec, words, &mut i).ok_or_else(|| Refused(format!("-{c} has no value")))?);
            }
            out.push(Group { key: spec.long.to_string(), words: g, fate: spec.fate });
        }
    }
    Ok(out)
}

/// Every word must be safe to quote into a shell line: no control character (a newline would
/// end the line typed into the pane), and bounded.
fn check_words(words: &[String]) -> Result<(), Refused> {
    let mut total = 0;
    for w in words {
        if let Some(c) = w.chars().find(|c| c.is_control()) {
            return Err(Refused(format!("an argument holds a control character ({:?})", c)));
        }
        if w.len() > MAX_WORD {
            return Err(Refused(format!("an argument is {} bytes long (at most {MAX_WORD})", w.len())));
        }
        total += w.len() + 1;
    }
    if total > MAX_TOTAL {
        return Err(Refused(format!("the arguments are {total} bytes long (at most {MAX_TOTAL})")));
    }
    Ok(())
}

/// The arguments of a claude whose argv (program excluded) is `words` that a relaunch carries:
/// every option except session selection and one-shot ones, in their order, values kept as
/// written. `config_args` (the global `claude_args`) teach the arity of options this table
/// lacks. `Err` says why nothing can be carried.
pub fn carried(words: &[String], config_args: &[String]) -> Result<Vec<String>, Refused> {
    let known = groups(config_args, Unknown::Lenient, &[]).unwrap_or_default();
    let gs = groups(words, Unknown::Strict, &known)?;
    if let Some(g) = gs.iter().find(|g| g.fate == Fate::Refuse) {
        return Err(Refused(format!(
            "--{} marks a claude started by another claude (an agent team's teammate)",
            g.key
        )));
    }
    let kept: Vec<String> = gs.into_iter().filter(|g| g.fate == Fate::Keep).flat_map(|g| g.words).collect();
    check_words(&kept)?;
    Ok(kept)
}

/// The arguments a relaunch starts claude with: the pane's own, then each option of the global
/// `claude_args` the pane does not already have (by option, not by word: a pane's `--model
/// sonnet` wins over a configured `--model opus`, and a `--dangerously-skip-permissions` on
/// both is given once). Config options are read leniently (they hold no prompt).
pub fn merged(pane: &[String], config_args: &[String]) -> Vec<String> {
    let Ok(config) = groups(config_args, Unknown::Lenient, &[]) else {
        // Only a short option we do not know gets here: keep the config as it is.
        let mut all = pane.to_vec();
        all.extend(config_args.iter().cloned());
        return all;
    };
    let known = config.clone();
    let have: Vec<String> = groups(pane, Unknown::Strict, &known)
        .or_else(|_| groups(pane, Unknown::Lenient, &known))
        .unwrap_or_default()
        .into_iter()
        .map(|g| g.key)
        .collect();
    let mut out = pane.to_vec();
    for g in config {
        if g.fate != Fate::Refuse && !have.contains(&g.key) {
            out.extend(g.words);
        }
    }
    out
}

/// What a pane's claude is started with: its `own` arguments merged with the config's (see
/// [`merged`]), or the config's alone when its own are not known.
pub fn launch(own: Option<&[String]>, config_args: &[String]) -> Vec<String> {
    match own {
        Some(own) => merged(own, config_args),
        None => config_args.to_vec(),
    }
}

/// The folders `args` give with `--add-dir` (each value, as written).
pub fn added_dirs(args: &[String]) -> Vec<String> {
    groups(args, Unknown::Lenient, &[])
        .unwrap_or_default()
        .into_iter()
        .filter(|g| g.key == "add-dir")
        .flat_map(|g| match g.words[0].split_once('=') {
            Some((_, v)) => vec![v.to_string()],
            None => g.words[1..].to_vec(),
        })
        .collect()
}

/// `args` without the `--add-dir` values `keep` refuses (an option left with no value goes
/// too), and the values left out.
pub fn keep_dirs(args: &[String], keep: impl Fn(&str) -> bool) -> (Vec<String>, Vec<String>) {
    let Ok(gs) = groups(args, Unknown::Lenient, &[]) else { return (args.to_vec(), Vec::new()) };
    let mut out = Vec::new();
    let mut dropped = Vec::new();
    for g in gs {
        if g.key != "add-dir" {
            out.extend(g.words);
            continue;
        }
        if let Some((_, v)) = g.words[0].split_once('=') {
            if keep(v) {
                out.extend(g.words);
            } else {
                dropped.push(v.to_string());
            }
            continue;
        }
        let (kept, gone): (Vec<String>, Vec<String>) = g.words[1..].iter().cloned().partition(|v| keep(v));
        dropped.extend(gone);
        if !kept.is_empty() {
            out.push(g.words[0].clone());
            out.extend(kept);
        }
    }
    (out, dropped)
}

/// Whether `args` turn permission checks off (then the target account must have accepted the
/// Bypass Permissions dialog, or claude stops at it).
pub fn skips_permissions(args: &[String]) -> bool {
    groups(args, Unknown::Lenient, &[])
        .map(|gs| gs.iter().any(|g| g.key == "dangerously-skip-permissions"))
        .unwrap_or_else(|_| args.iter().any(|a| a == "--dangerously-skip-permissions"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(words: &[&str]) -> Vec<String> {
        words.iter().map(|s| s.to_string()).collect()
    }

    fn carry(words: &[&str]) -> Result<Vec<String>, Refused> {
        carried(&v(words), &[])
    }

    #[test]
    fn session_selection_and_the_prompt_are_dropped() {
        let id = "0f8fad5b-d9cb-469f-a165-70867728950e";
        assert_eq!(carry(&["--model", "sonnet", "--resume", id]).unwrap(), v(&["--model", "sonnet"]));
        assert_eq!(carry(&["-r", id, "--verbose"]).unwrap(), v(&["--verbose"]));
        assert_eq!(carry(&["-r", "--verbose"]).unwrap(), v(&["--verbose"]), "-r without an id: the picker");
        assert_eq!(carry(&[&format!("-r{id}"), "--ide"]).unwrap(), v(&["--ide"]));
        assert_eq!(carry(&[&format!("--resume={id}"), "--ide"]).unwrap(), v(&["--ide"]));
        assert_eq!(carry(&["-c", "--model", "opus"]).unwrap(), v(&["--model", "opus"]));
        assert_eq!(carry(&["--continue", "--fork-session"]).unwrap(), Vec::<String>::new());
        assert_eq!(carry(&["--session-id", id, "--effort", "high"]).unwrap(), v(&["--effort", "high"]));
        assert_eq!(carry(&["fix the bug", "--model", "opus"]).unwrap(), v(&["--model", "opus"]));
        assert_eq!(carry(&["--model", "opus", "--", "--not-an-option"]).unwrap(), v(&["--model", "opus"]));
        assert_eq!(carry(&["-p", "hi", "--output-format", "json"]).unwrap(), Vec::<String>::new());
        assert_eq!(carry(&["-w", "feature", "--tmux", "--model", "x"]).unwrap(), v(&["--model", "x"]));
        assert_eq!(carry(&["-n", "my session", "--bg"]).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn values_are_taken_as_claudes_parser_takes_them() {
        // Variadic: every following non-option word.
        assert_eq!(
            carry(&["--add-dir", "/x", "/y z", "--model", "sonnet", "prompt"]).unwrap(),
            v(&["--add-dir", "/x", "/y z", "--model", "sonnet"])
        );
        // …so a prompt right after a variadic option is one of its values, as claude took it.
        assert_eq!(carry(&["--add-dir", "/x", "do it"]).unwrap(), v(&["--add-dir", "/x", "do it"]));
        // `=` ends a variadic option; the next word is a prompt.
        assert_eq!(carry(&["--add-dir=/x", "do it"]).unwrap(), v(&["--add-dir=/x"]));
        // A required value is the next word even when it starts with '-'.
        assert_eq!(
            carry(&["--append-system-prompt", "-be terse-"]).unwrap(),
            v(&["--append-system-prompt", "-be terse-"])
        );
        // An optional value only when it does not look like an option.
        assert_eq!(carry(&["-d", "--verbose"]).unwrap(), v(&["-d", "--verbose"]));
        assert_eq!(carry(&["-d", "api,hooks", "x"]).unwrap(), v(&["-d", "api,hooks"]));
        assert_eq!(carry(&["-dapi"]).unwrap(), v(&["-dapi"]));
        // Clusters of short switches.
        assert_eq!(carry(&["-cd"]).unwrap(), v(&["-d"]));
        // Aliases and the inline form.
        assert_eq!(
            carry(&["--allowed-tools", "Bash(git *)", "Edit", "--model=opus"]).unwrap(),
            v(&["--allowed-tools", "Bash(git *)", "Edit", "--model=opus"])
        );
        assert_eq!(
            carry(&["--mcp-config", "a.json", "{\"mcpServers\":{}}", "--strict-mcp-config"]).unwrap(),
            v(&["--mcp-config", "a.json", "{\"mcpServers\":{}}", "--strict-mcp-config"])
        );
        assert_eq!(carry(&["--tools", ""]).unwrap(), v(&["--tools", ""]), "an empty value is a value");
        assert_eq!(
            carry(&["--permission-mode", "plan", "--dangerously-skip-permissions"]).unwrap(),
            v(&["--permission-mode", "plan", "--dangerously-skip-permissions"])
        );
    }

    #[test]
    fn what_cannot_be_split_with_certainty_is_refused() {
        // An option we do not know, followed by a word: its value, or a prompt?
        let e = carry(&["--frobnicate", "x", "--model", "opus"]).unwrap_err();
        assert!(e.0.contains("--frobnicate"), "{e}");
        // …but alone, or in the self-contained form, it is kept.
        assert_eq!(carry(&["--frobnicate", "--model", "opus"]).unwrap(), v(&["--frobnicate", "--model", "opus"]));
        assert_eq!(carry(&["--frob=x"]).unwrap(), v(&["--frob=x"]));
        // The config teaches it: `claude_args = ["--frobnicate", "x"]`.
        assert_eq!(
            carried(&v(&["--frobnicate", "x", "prompt"]), &v(&["--frobnicate", "y"])).unwrap(),
            v(&["--frobnicate", "x"])
        );
        assert!(carry(&["-Z"]).is_err(), "an unknown short option");
        assert!(carry(&["--model"]).is_err(), "a missing required value");
        assert!(carry(&["--verbose=yes"]).is_err(), "a switch with a value");
        // A teammate spawned by another claude.
        assert!(carry(&["--agent-id", "a1", "--team-name", "t"]).unwrap_err().0.contains("agent team"));
    }

    #[test]
    fn words_that_could_break_the_typed_line_are_refused() {
        for bad in ["line\nbreak", "cr\r", "esc\x1b[31m", "tab\there", "nul-ish\u{7f}", "c1\u{9b}"] {
            let e = carry(&["--append-system-prompt", bad]).unwrap_err();
            assert!(e.0.contains("control character"), "{bad:?}: {e}");
        }
        assert!(carry(&["--append-system-prompt", &"x".repeat(MAX_WORD + 1)]).is_err());
        // Shell metacharacters are fine: the caller quotes every word.
        assert_eq!(
            carry(&["--append-system-prompt", "$(rm -rf ~); `x` 'q' \"d\" | & ;"]).unwrap(),
            v(&["--append-system-prompt", "$(rm -rf ~); `x` 'q' \"d\" | & ;"])
        );
        // A dropped word is not checked: a prompt with a newline does not cost the flags.
        assert_eq!(carry(&["--model", "x", "multi\nline prompt"]).unwrap(), v(&["--model", "x"]));
    }

    #[test]
    fn config_args_are_added_only_where_the_pane_lacks_them() {
        let cfg = v(&["--dangerously-skip-permissions", "--model", "opus", "--add-dir", "/shared"]);
        assert_eq!(
            merged(&v(&["--model", "sonnet", "--add-dir", "/x"]), &cfg),
            v(&["--model", "sonnet", "--add-dir", "/x", "--dangerously-skip-permissions"])
        );
        assert_eq!(
            merged(&v(&["--dangerously-skip-permissions", "--model=haiku"]), &cfg),
            v(&["--dangerously-skip-permissions", "--model=haiku", "--add-dir", "/shared"])
        );
        assert_eq!(merged(&[], &cfg), cfg);
        // The alias is the same option.
        assert_eq!(
            merged(&v(&["--allowed-tools", "Edit"]), &v(&["--allowedTools", "Bash"])),
            v(&["--allowed-tools", "Edit"])
        );
        // A config option we do not know, with its value.
        assert_eq!(merged(&v(&["--verbose"]), &v(&["--frob", "x"])), v(&["--verbose", "--frob", "x"]));
        assert_eq!(merged(&v(&["--frob", "y"]), &v(&["--frob", "x"])), v(&["--frob", "y"]));
        // Idempotent: a relaunched claude's argv (merged + --resume) carries to the same merge.
        let once = merged(&v(&["--model", "sonnet"]), &cfg);
        let mut argv = once.clone();
        argv.extend(v(&["--resume", "0f8fad5b-d9cb-469f-a165-70867728950e"]));
        assert_eq!(merged(&carried(&argv, &cfg).unwrap(), &cfg), once);
    }

    #[test]
    fn added_dirs_are_found_and_filtered_in_any_spelling() {
        let args = v(&["--add-dir", "/a", "/b", "--model", "x", "--add-dir=/c", "--verbose"]);
        assert_eq!(added_dirs(&args), v(&["/a", "/b", "/c"]));
        let (kept, dropped) = keep_dirs(&args, |d| d == "/b");
        assert_eq!(kept, v(&["--add-dir", "/b", "--model", "x", "--verbose"]));
        assert_eq!(dropped, v(&["/a", "/c"]));
        let (kept, dropped) = keep_dirs(&v(&["--add-dir", "/a", "--ide"]), |_| false);
        assert_eq!((kept, dropped), (v(&["--ide"]), v(&["/a"])));
        assert_eq!(keep_dirs(&args, |_| true), (args.clone(), vec![]));
    }

    #[test]
    fn bypass_is_seen_in_any_spelling_of_the_args() {
        assert!(skips_permissions(&v(&["--model", "x", "--dangerously-skip-permissions"])));
        assert!(!skips_permissions(&v(&["--allow-dangerously-skip-permissions"])));
        assert!(!skips_permissions(&v(&["--append-system-prompt", "--dangerously-skip-permissions"])));
    }
}
