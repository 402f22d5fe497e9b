//! The README's pictures, rendered from a real tmux screen: the status line before a swap, and
//! the panes and status line right after one. `scripts/screens` regenerates them
//! (`UPDATE_SCREENS=1`: writes docs/screens/*.txt and the README blocks between the
//! `<!-- screen:NAME -->` markers); a normal run checks the screens still show what they claim.

use std::path::Path;
use std::time::Duration;

use crate::common::*;
use crate::world::*;

const SHIM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/claude-failover.tmux");

/// The client's screen, trailing blanks trimmed and session ids made stable.
fn picture(w: &World) -> String {
    let re = regex::Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").unwrap();
    let tmp = w.env.dir.path().to_string_lossy().to_string();
    let text = w.client_screen().replace(&tmp, "/tmp/demo");
    let text = re.replace_all(&text, "3899ab66-52a7-446f-bfe6-58aabc275696");
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
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
    let mut w = World::new("");
    w.tmux(&["set", "-g", "status-right", "#{claude_failover_status} "]);
    w.tmux(&["set", "-g", "status-left", "[#S] "]);
    w.tmux(&["set", "-g", "@claude-failover-bin", BIN]);
    let d = w.project("api");
    w.trust("main", &d);
    let p1 = w.first_pane(&d);
    let p2 = w.pane(&d);
    w.tmux(&["select-layout", "-t", "w", "even-horizontal"]);
    w.start_claude(&p1, "main");
    w.start_claude(&p2, "main");
    w.tmux(&["run-shell", SHIM]);
    wait_for("daemon", Duration::from_secs(10), || w.daemons() == 1);
    w.attach_client();
    wait_for("the segment", Duration::from_secs(10), || w.client_screen().contains("claude:main"));
    let before = picture(&w);
    assert!(before.lines().last().is_some_and(|l| l.contains("claude:main")), "{before}");
    save("status-line", &format!("{}\n", before.lines().last().unwrap_or_default()));
    w.type_line(&p1, "!fake limit");
    w.wait_daemon_event("swap", |e| e["event"] == "swap");
    // Both back on backup; "continue" answered in the left one only (the right one was idle).
    wait_for("the resumed panes and the segment", Duration::from_secs(15), || {
        let s = w.client_screen();
        s.contains("claude:backup ↩")
            && s.contains("ok: continue")
            && w.daemon_events().iter().filter(|e| e["event"] == "relaunched").count() == 2
    });
    let after = picture(&w);
    assert!(after.contains("claude:backup ↩"), "{after}");
    save("swap", &after);
}
