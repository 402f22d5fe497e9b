//! The README's pictures, rendered from a real tmux screen: the status line before a swap, and
//! the panes and status line right after one. `scripts/screens` regenerates them
//! (`UPDATE_SCREENS=1`: writes docs/screens/*.txt and the README blocks between the
//! `<!-- screen:NAME -->` markers); a normal run checks the screens still show what they claim.

use std::path::Path;
use std::time::Duration;

use crate::common::*;
use crate::world::*;

const SHIM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/claude-failover.tmux");

/// The client's screen as a person would see it on their machine: the test's temp home shown as
/// `/home/you`, session ids made stable, trailing blanks trimmed. The pane is wide enough that
/// no line holding a path wraps, so the renaming never splits one.
fn picture(w: &World) -> String {
    let re = regex::Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").unwrap();
    let home = w.env.home.to_string_lossy().to_string();
    let text = w.client_screen().replace(&home, "/home/you");
    let text = re.replace_all(&text, "3899ab66-52a7-446f-bfe6-58aabc275696");
    // A box's side stays where the box's corner is, as the path's real length would have drawn it.
    let mut width = 0;
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            let l = l.trim_end();
            if l.starts_with('╭') {
                width = l.chars().count();
            }
            let n = l.chars().count();
            if l.starts_with('│') && l.ends_with('│') && n < width {
                let inner: String = l.chars().take(n - 1).collect();
                format!("{inner}{}│", " ".repeat(width - n))
            } else {
                l.to_string()
            }
        })
        .collect();
    let end = lines.iter().rposition(|l| !l.is_empty()).map_or(0, |i| i + 1);
    lines[..end].join("\n") + "\n"
}

fn save(name: &str, text: &str) {
    if std::env::var_os("UPDATE_SCREENS").is_none() {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(root.join("docs/screens")).unwrap();
    std::fs::write(root.join(format!("docs/screens/{name}.txt")), text).unwrap();
    let readme = root.join("README.md");
    let r = std::fs::read_to_string(&readme).unwrap();
    let (start, end) = (format!("<!-- screen:{name} -->\n"), format!("<!-- /screen:{name} -->"));
    if let (Some(a), Some(b)) = (r.find(&start), r.find(&end)) {
        let new = format!("{}{start}```\n{text}```\n{}", &r[..a], &r[b..]);
        std::fs::write(&readme, new).unwrap();
    }
}

#[test]
fn the_readme_pictures_come_from_a_real_screen() {
    // A user's world: `claude` on PATH, two logged-in accounts, one project, a window named for
    // what runs in it.
    let mut e = Env::new();
    e.claude_on_path();
    e.write_config(&World::config_for("claude", ""));
    e.ok(&["link"]);
    for a in ["main", "backup"] {
        log_in(&e.path(&format!(".claude-{a}")));
    }
    let mut w = World::around(e);
    w.tmux(&["set", "-g", "status-right", "#{claude_failover_status} "]);
    w.tmux(&["set", "-g", "status-left", "[#S] "]);
    w.tmux(&["set", "-g", "automatic-rename", "off"]);
    w.tmux(&["rename-window", "-t", "w", "claude"]);
    w.tmux(&["set", "-g", "@claude-failover-bin", BIN]);
    let d = w.project("api");
    w.trust("main", &d);
    // A plain `claude` reads its trust from ~/.claude.json.
    let global = serde_json::json!({"hasCompletedOnboarding": true, "projects": {d.to_str().unwrap(): {"hasTrustDialogAccepted": true}}});
    std::fs::write(w.env.path(".claude.json"), global.to_string()).unwrap();
    let p = w.first_pane(&d);
    w.type_line(&p, "PS1='$ '; clear");
    w.type_line(&p, "claude");
    w.wait_event("claude ready", |e| e["event"] == "ready");
    w.type_line(&p, "add a health check endpoint");
    w.wait_event("answered", |e| e["event"] == "reply");
    w.tmux(&["run-shell", SHIM]);
    wait_for("daemon", Duration::from_secs(10), || w.daemons() == 1);
    w.wait_daemon_event("attached", |e| e["event"] == "attached");
    w.attach_client_sized(160, 20);
    w.tmux(&["rename-session", "-t", "w", "api"]);
    wait_for("the segment", Duration::from_secs(10), || w.client_screen().contains("claude:main"));
    let before = picture(&w);
    assert!(before.lines().last().is_some_and(|l| l.contains("claude:main")), "{before}");
    save("status-line", &format!("{}\n", before.lines().last().unwrap_or_default()));
    w.type_line(&p, "!fake limit");
    w.wait_daemon_event("swap", |e| e["event"] == "swap");
    wait_for("the resumed pane and the segment", Duration::from_secs(15), || {
        let s = w.client_screen();
        s.contains("claude:backup ↩") && s.contains("ok: continue")
    });
    let after = picture(&w);
    assert!(after.contains("claude:backup ↩"), "{after}");
    for never in ["/tmp/", "fake-claude", "python3", "cf-it-"] {
        assert!(!after.contains(never), "the picture shows {never:?}:\n{after}");
    }
    save("swap", &after);
}
