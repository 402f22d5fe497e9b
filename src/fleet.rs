//! The real [`Fleet`]: Claude panes found through tmux and the process tree, relaunched in place
//! by typing into their shell (SPEC §5.7).
//!
//! Invariants a newcomer could break: only a validated session id (canonical lowercase UUID),
//! configured, quoted paths and the pane's own claude arguments (read from its process's argv,
//! each checked by [`crate::pane_args`] and quoted) ever reach the line typed into a shell —
//! nothing read from a pane's screen or a transcript is interpolated; text goes through
//! `send-keys -l` and Enter is a separate call (Claude's TUI takes text+Enter in one call as a
//! paste); and a pane whose claude already runs on the target account is left alone, so
//! relaunching twice after a crash is harmless.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::claude;
use crate::config::{Account, Config};
use crate::detect::Detector;
use crate::events::Sink;
use crate::links::{self, Pointer};
use crate::state::{PaneRecord, SavedPane, Store};
use crate::swap::{Fleet, Relaunched};
use crate::tmux::{PaneInfo, Tmux, shell_quote};
use crate::tui;
use crate::{pane_args, procs, relaunch};

/// Serialises our edits of an account's `.claude.json` (two swaps in one process).
static TRUST: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// How long each step of a relaunch may take before we fall back or give up.
#[derive(Debug, Clone)]
pub struct Timing {
    pub term_grace: Duration,
    pub keys_grace: Duration,
    pub ready: Duration,
    /// Claude's TUI treats text and Enter that arrive together as a paste.
    pub enter_gap: Duration,
    /// Enter again after this long while the prompt box still holds the text.
    pub enter_retry: Duration,
    /// How long a typed prompt may take to reach the transcript.
    pub taken: Duration,
    pub poll: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            term_grace: Duration::from_secs(3),
            keys_grace: Duration::from_secs(3),
            ready: Duration::from_secs(20),
            enter_gap: Duration::from_millis(150),
            enter_retry: Duration::from_millis(250),
            taken: Duration::from_secs(10),
            poll: Duration::from_millis(20),
        }
    }
}

pub struct TmuxFleet<'a> {
    pub cfg: &'a Config,
    pub tmux: &'a dyn Tmux,
    pub store: &'a Store,
    pub timing: Timing,
}

/// Poll `cond` every `step` until it holds or `deadline` passes. Only used while a relaunch is
/// actively in progress (never as an idle loop).
fn wait_until(deadline: Duration, step: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + deadline;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(step);
    }
}

fn command_name(cfg: &Config) -> String {
    Path::new(&cfg.claude_command)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| cfg.claude_command.clone())
}

/// How a relaunched claude starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start<'a> {
    /// `--resume <id>` (an id that fails [`claude::is_session_id`] falls back to `--continue`).
    Resume(&'a str),
    /// `--continue`: the newest session of the cwd.
    Continue,
    /// A new session: nothing to resume (a claude that never took a prompt, the pool).
    Fresh,
}

/// The line typed into a pane's shell to bring its conversation back on `to`, claude started
/// with `args` (each quoted; see [`launch_args`]).
pub fn relaunch_line(cfg: &Config, cwd: &Path, to: &Account, args: &[String], start: Start) -> String {
    let mut parts = vec![
        "cd".to_string(),
        shell_quote(&cwd.to_string_lossy()),
        "&&".into(),
        format!("CLAUDE_CONFIG_DIR={}", shell_quote(&to.home.to_string_lossy())),
        shell_quote(&cfg.claude_command),
    ];
    parts.extend(args.iter().map(|a| shell_quote(a)));
    match start {
        Start::Resume(id) if claude::is_session_id(id) => {
            parts.push("--resume".into());
            parts.push(id.to_string());
        }
        Start::Resume(_) | Start::Continue => parts.push("--continue".into()),
        Start::Fresh => {}
    }
    parts.join(" ")
}

/// Why session `sid` counts as interrupted when its transcript (under `home`) ends with a turn
/// that failed on the limit or a lost login.
fn failed_turn(detector: &Detector, home: &Path, cwd: &Path, sid: &str) -> Option<String> {
    claude::find_transcript(home, cwd, sid)
        .and_then(|t| relaunch::last_turn_failed(&t, detector, jiff::Timestamp::now()))
        .map(|m| format!("its last turn failed: {m}"))
}

/// `dir` (an `--add-dir` value) as Claude resolves it: against the pane's cwd, symlinks resolved.
fn resolve_dir(cwd: &Path, dir: &str) -> PathBuf {
    let p = cwd.join(dir);
    std::fs::canonicalize(&p).unwrap_or(p)
}

/// `dir` or the nearest folder above it that one of these `.claude.json` files trusts.
fn trusted_root(files: &[PathBuf], dir: &Path) -> Option<PathBuf> {
    dir.ancestors().find(|a| files.iter().any(|f| claude::is_trusted_in(f, a))).map(Path::to_path_buf)
}

/// What a pane's claude is relaunched with: its own arguments, then each config `claude_args`
/// option it lacks; only the config's when its own are not known.
pub fn launch_args(cfg: &Config, pane: &SavedPane) -> Vec<String> {
    pane_args::launch(pane.args.as_deref(), &cfg.claude_args)
}

impl TmuxFleet<'_> {
    /// The config dir a claude process uses: its `CLAUDE_CONFIG_DIR`, or `claude_dir`.
    fn config_dir_of(&self, p: &procs::ClaudeProc) -> PathBuf {
        p.config_dir.clone().unwrap_or_else(|| self.cfg.claude_dir.clone())
    }

    fn in_pool(&self, session: &str) -> bool {
        self.cfg.pool.as_ref().is_some_and(|p| p.names(p.max).any(|n| n == session))
    }

    /// The claude running in a pane: found in the process tree by its name, else (a claude
    /// started through a wrapper or under another name) through the registry entry that names
    /// this pane (2.1.332's `"tmux"` field), when that process is current and runs under this
    /// pane's shell (pane ids repeat across tmux servers).
    fn claude_in(&self, pane_pid: u32, pane: &str) -> Option<procs::ClaudeProc> {
        if let Some(p) = procs::find_claude(pane_pid, &command_name(self.cfg)) {
            return Some(p);
        }
        let homes = self.cfg.accounts.iter().map(|a| a.home.clone()).chain([self.cfg.claude_dir.clone()]);
        let entry = homes.flat_map(|h| claude::live_sessions(&h)).find(|l| l.pane() == Some(pane) && l.is_current())?;
        let under = entry.pid == pane_pid || procs::descendants(pane_pid).contains(&entry.pid);
        under.then(|| procs::process(entry.pid)).flatten()
    }

    pub fn saved_pane(&self, pane: &PaneInfo) -> Option<SavedPane> {
        let proc_ = self.claude_in(pane.pid, &pane.id)?;
        // A plain `claude` (no CLAUDE_CONFIG_DIR, or `~/.claude` itself) runs on the account
        // `~/.claude` named when it started, which is where it wrote its own registry entry; the
        // link may point elsewhere since. Only an entry of this very process counts (a stale one
        // is left behind by a claude that exited after a flip).
        let plain = proc_.config_dir.as_ref().is_none_or(|d| *d == self.cfg.claude_dir);
        let (account, live) = if plain {
            let own = self.cfg.accounts.iter().find_map(|a| {
                claude::read_live_session(&a.home, proc_.pid).filter(|l| l.is_current()).map(|l| (a.name.clone(), l))
            });
            match own {
                Some((a, l)) => (Some(a), Some(l)),
                None => match links::read_pointer(self.cfg) {
                    Pointer::Account(a) => (Some(a), claude::read_live_session(&self.cfg.claude_dir, proc_.pid)),
                    _ => (None, None),
                },
            }
        } else {
            let dir = self.config_dir_of(&proc_);
            (self.cfg.account_by_home(&dir).map(|a| a.name.clone()), claude::read_live_session(&dir, proc_.pid))
        };
        let st = self.store.load().ok();
        let rec = st.as_ref().and_then(|s| s.panes.get(&pane.id));
        let recorded = rec.and_then(|p| p.session_id.clone());
        let cwd =
            proc_.cwd.clone().or_else(|| live.as_ref().map(|l| l.cwd.clone())).unwrap_or_else(|| PathBuf::from("/"));
        let interrupted = live.as_ref().and_then(|l| relaunch::busy(l.status.as_deref())).or_else(|| {
            rec.is_some_and(|r| r.limit_on_screen.is_some()).then(|| relaunch::LIMIT_ON_SCREEN.to_string())
        });
        let session_id = live.map(|l| l.session_id).or(recorded).filter(|s| claude::is_session_id(s));
        let (args, args_problem) = self.own_args(&proc_, rec);
        Some(SavedPane {
            pane: pane.id.clone(),
            cwd,
            account,
            session_id,
            claude_pid: Some(proc_.pid),
            plain,
            args,
            args_problem,
            interrupted,
            switch_model: None,
        })
    }

    /// The registry entry of a saved pane's claude, where its config dir keeps it.
    fn live_entry(&self, saved: &SavedPane) -> Option<claude::LiveSession> {
        let pid = saved.claude_pid?;
        let home = saved.account.as_deref().and_then(|a| self.cfg.account(a)).map(|a| a.home.clone());
        home.and_then(|h| claude::read_live_session(&h, pid))
            .or_else(|| claude::read_live_session(&self.cfg.claude_dir, pid))
    }

    /// What a saved pane's registry entry lacks that the facts say it has (`crate::drift`), with
    /// the release it names.
    pub fn registry_drift(&self, saved: &SavedPane) -> Option<(Option<String>, String)> {
        let l = self.live_entry(saved)?;
        let what = crate::drift::of_registry_entry(l.version.as_deref(), l.status.is_some(), l.proc_start.is_some())?;
        Some((l.version, what))
    }

    /// The Claude Code release a saved pane's claude runs: its registry entry's `version`, else
    /// what its program says to `--version` (asked once per program file).
    pub fn release_of(&self, saved: &SavedPane) -> Option<String> {
        if let Some(v) = self.live_entry(saved).and_then(|l| l.version) {
            return Some(v);
        }
        let exe = std::fs::read_link(format!("/proc/{}/exe", saved.claude_pid?)).ok()?;
        static ASKED: std::sync::Mutex<Vec<(PathBuf, Option<String>)>> = std::sync::Mutex::new(Vec::new());
        let mut asked = ASKED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, v)) = asked.iter().find(|(p, _)| *p == exe) {
            return v.clone();
        }
        // A script's interpreter (python3, node) is not claude: its --version says nothing of it.
        let name = exe.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let v = (!["python3", "python", "node", "bash", "sh"].iter().any(|i| name.starts_with(i)))
            .then(|| {
                let mut c = std::process::Command::new(&exe);
                c.arg("--version");
                crate::exec::run(&mut c, None, Duration::from_secs(5)).ok()
            })
            .flatten()
            .filter(|o| o.status.success())
            .and_then(|o| o.stdout.split_whitespace().next().map(str::to_string))
            .filter(|v| v.chars().next().is_some_and(|c| c.is_ascii_digit()));
        asked.push((exe, v.clone()));
        v
    }

    /// The arguments a claude process carries to its relaunch (see [`pane_args::carried`]), or
    /// why none: then the ones its pane was last relaunched with, if any.
    fn own_args(&self, p: &procs::ClaudeProc, rec: Option<&PaneRecord>) -> (Option<Vec<String>>, Option<String>) {
        let parsed = match procs::program_args(&p.argv) {
            Some(words) => pane_args::carried(words, &self.cfg.claude_args).map_err(|e| e.0),
            None => Err(format!("the command line of pid {} does not show where claude's arguments begin", p.pid)),
        };
        match parsed {
            Ok(args) => (Some(args), None),
            Err(why) => match rec.and_then(|r| r.args.clone()) {
                Some(args) => (Some(args), Some(format!("{why}; using the arguments of its last relaunch"))),
                None => (None, Some(why)),
            },
        }
    }

    /// Mark each pane whose transcript's last turn failed on the limit (or a lost login) as
    /// interrupted, unless its registry already said busy.
    fn mark_failed_turns(&self, panes: &mut [SavedPane]) {
        let Ok(detector) = Detector::new(&self.cfg.extra_patterns) else { return };
        for p in panes.iter_mut().filter(|p| p.interrupted.is_none()) {
            let Some(sid) = &p.session_id else { continue };
            let home = p
                .account
                .as_deref()
                .and_then(|a| self.cfg.account(a))
                .map_or_else(|| self.cfg.claude_dir.clone(), |a| a.home.clone());
            p.interrupted = failed_turn(&detector, &home, &p.cwd, sid);
        }
    }

    fn pane_pid(&self, pane: &str) -> Option<u32> {
        self.tmux.list_panes().ok()?.into_iter().find(|p| p.id == pane).map(|p| p.pid)
    }

    /// Stop the claude running in the pane: SIGTERM (clean: it saves and prints its resume
    /// hint), then Escape + Ctrl-C Ctrl-C for one that ignores signals.
    fn stop_claude(&self, pane: &str, pid: u32) -> Result<()> {
        let t = &self.timing;
        procs::terminate(pid).with_context(|| format!("cannot signal claude (pid {pid}) in {pane}"))?;
        if wait_until(t.term_grace, t.poll, || !procs::is_alive(pid)) {
            return Ok(());
        }
        self.tmux.send_keys(pane, &["Escape"])?;
        self.tmux.send_keys(pane, &["C-c"])?;
        std::thread::sleep(Duration::from_millis(100));
        self.tmux.send_keys(pane, &["C-c"])?;
        if wait_until(t.keys_grace, t.poll, || !procs::is_alive(pid)) {
            return Ok(());
        }
        bail!("claude (pid {pid}) in {pane} did not exit after SIGTERM and Ctrl-C Ctrl-C")
    }

    /// Type `text` once and Enter, then make sure claude took it: its transcript gets the user
    /// line (or, with no transcript to read, the prompt box empties). While the box still holds
    /// the text, Enter is sent again (keys that reach the TUI before it owns the terminal keep
    /// their text but lose the Enter); the text itself is never typed twice.
    fn submit_prompt(&self, pane: &str, text: &str, transcript: Option<&Path>) -> Result<()> {
        let t = &self.timing;
        let offset = transcript.and_then(|p| std::fs::metadata(p).ok()).map_or(0, |m| m.len());
        // Ctrl-U first: a prompt half-typed by a run that crashed before its Enter is cleared,
        // not doubled.
        self.tmux.send_keys(pane, &["C-u"])?;
        self.tmux.send_literal(pane, text)?;
        std::thread::sleep(t.enter_gap);
        self.tmux.send_keys(pane, &["C-m"])?;
        let mut last_enter = Instant::now();
        let mut enters = 1;
        let mut seen_in_box = false;
        let mut captured = Instant::now();
        let taken = wait_until(t.taken, t.poll, || {
            if transcript.is_some_and(|p| claude::prompt_taken_since(p, offset, text)) {
                return true;
            }
            // The transcript is the proof and costs a small read; the screen (a tmux process)
            // is only looked at as often as an Enter could be retried.
            if transcript.is_some() && captured.elapsed() < t.enter_retry / 4 {
                return false;
            }
            captured = Instant::now();
            let screen = self.tmux.capture(pane, 0).unwrap_or_default();
            match tui::prompt_box(&screen) {
                Some(b) if b == text.trim() => {
                    seen_in_box = true;
                    if last_enter.elapsed() >= t.enter_retry {
                        let _ = self.tmux.send_keys(pane, &["C-m"]);
                        last_enter = Instant::now();
                        enters += 1;
                    }
                    false
                }
                // Without a transcript to read, an emptied box after the text was seen in it.
                Some(b) => transcript.is_none() && seen_in_box && b.is_empty(),
                None => false,
            }
        });
        if taken {
            return Ok(());
        }
        bail!(
            "typed {text:?} into {pane} but claude did not take it after {enters} Enter(s) in {} s",
            t.taken.as_secs()
        )
    }

    /// Once the relaunched claude takes input on `to`, type the resume prompt (when `prompt`)
    /// and confirm it. A relaunch is only done when claude is up: a pane stopped at a dialog is
    /// a failure even with no prompt to type.
    fn prompt_when_ready(&self, pane: &str, to: &Account, prompt: bool) -> Result<bool> {
        let ready = self.wait_ready(pane, &to.home)?;
        if !prompt {
            return Ok(false);
        }
        let transcript = claude::find_transcript(&to.home, &ready.cwd, &ready.session_id);
        self.submit_prompt(pane, &self.cfg.swap.resume_prompt, transcript.as_deref())?;
        Ok(true)
    }

    /// A pane saved as idle whose transcript, read again now that its claude has stopped, ends
    /// with a turn that failed on the account (and that `resume_prompt_when` would prompt for):
    /// why. The real CLI shows the error a moment before it writes it to the transcript, and the
    /// swap may have saved the pane in between (its registry already back to idle); with no
    /// session id known then (an id from the exit hint), it could not be read at all. A stopped
    /// claude adds no turn of its own, so this decides what the pane was doing before the stop.
    fn failed_since_saved(
        &self,
        pane: &SavedPane,
        to: &Account,
        session: Option<&str>,
        prompt: bool,
    ) -> Option<String> {
        if prompt || pane.interrupted.is_some() {
            return None;
        }
        let detector = Detector::new(&self.cfg.extra_patterns).ok()?;
        failed_turn(&detector, &to.home, &pane.cwd, session?).filter(|why| self.cfg.swap.prompts(Some(why)))
    }

    /// The arguments `pane`'s claude starts with on `to`, and what of them is left out: an
    /// `--add-dir` folder `to` does not trust (nor any folder above it). Claude 2.1.332 asks
    /// about such a folder at start ("Adding a new directory", "No, exit" preselected), and a
    /// "Yes, add it" holds for one process only: a folder the old account trusted lastingly was
    /// carried by [`Fleet::prepare`]; one allowed for that session only cannot be.
    fn args_on(&self, pane: &SavedPane, to: &Account) -> (Vec<String>, Vec<String>) {
        let target = [claude::claude_json_path(&to.home)];
        let (args, dropped) = pane_args::keep_dirs(&launch_args(self.cfg, pane), |d| {
            trusted_root(&target, &resolve_dir(&pane.cwd, d)).is_some()
        });
        let notes = dropped
            .into_iter()
            .map(|d| {
                format!(
                    "--add-dir {d} left out: {} has never trusted that folder (it was allowed for that claude's session only), and claude would stop at its \"Adding a new directory\" dialog; add it again with /add-dir",
                    to.name
                )
            })
            .collect();
        (args, notes)
    }

    /// Wait until the claude in `pane` has registered its session under `home` and its prompt box
    /// is on screen. A dialog, a resume that found nothing, or a claude that never came up is an
    /// error naming what the pane shows; a dialog is never answered (each preselects "No, exit").
    fn wait_ready(&self, pane: &str, home: &Path) -> Result<claude::LiveSession> {
        let mut found = None;
        let mut blocked = None;
        let mut unknown: Option<(String, Option<String>)> = None;
        let mut last_screen = String::new();
        let mut captured: Option<Instant> = None;
        // The pane's shell stays the same process: its pid is asked of tmux once, not per poll.
        let shell = self.pane_pid(pane);
        wait_until(self.timing.ready, Duration::from_millis(25), || {
            let live = shell
                .and_then(|pp| procs::find_claude(pp, &command_name(self.cfg)))
                .and_then(|p| claude::read_live_session(home, p.pid));
            // Until claude registers, only a dialog can show (the trust dialog comes before the
            // registry entry): the screen is looked at every 200 ms, not every poll, so ten
            // panes starting at once do not keep tmux busy while they need the CPU.
            if live.is_none() && captured.is_some_and(|t| t.elapsed() < Duration::from_millis(200)) {
                return false;
            }
            captured = Some(Instant::now());
            let screen = self.tmux.capture(pane, 0).unwrap_or_default();
            if let Some(b) = tui::blocker(&screen) {
                blocked = Some(b);
                return true;
            }
            // A registered claude behind a dialog none of the known ones: it will not go away.
            if live.is_some()
                && let Some(title) = tui::unknown_dialog(&screen)
            {
                unknown = Some((title, live.as_ref().and_then(|l| l.version.clone())));
                return true;
            }
            let up = live.is_some() && tui::prompt_box(&screen).is_some();
            last_screen = screen;
            if up {
                found = live;
            }
            up
        });
        if let Some(b) = blocked {
            // Leave the pane at its shell, not half-started behind a dialog whose preselected
            // answer exits: the user resumes it by hand (the event names the reason).
            if let Some(p) = self.pane_pid(pane).and_then(|pp| self.claude_in(pp, pane)) {
                let _ = self.stop_claude(pane, p.pid);
                bail!("{} in {pane}; claude was stopped there (start it by hand to answer)", b.describe());
            }
            bail!("{} in {pane}", b.describe());
        }
        if let Some((title, release)) = unknown {
            // Said where the user looks (`crate::drift`), and the pane left at its shell.
            let what = format!("a relaunch stopped at a dialog claude-failover does not know (\"{title}\")");
            if let Some(dir) = self.store.path().parent() {
                let _ =
                    crate::drift::record(dir, release.as_deref().unwrap_or("unknown"), &what, jiff::Timestamp::now());
            }
            if let Some(p) = self.pane_pid(pane).and_then(|pp| self.claude_in(pp, pane)) {
                let _ = self.stop_claude(pane, p.pid);
            }
            bail!(
                "claude stopped at a dialog claude-failover does not know (\"{title}\") in {pane}; claude was stopped there (start it by hand to answer)"
            );
        }
        found.with_context(|| {
            let tail: Vec<&str> = last_screen.lines().filter(|l| !l.trim().is_empty()).collect();
            let tail = tail[tail.len().saturating_sub(3)..].join(" | ");
            format!(
                "claude did not come up in {pane} within {} s (the pane shows: {tail})",
                self.timing.ready.as_secs()
            )
        })
    }

    /// Start claude in a fresh session's shell (named sessions, the pool).
    fn start_in(&self, target: &str, cwd: &Path, to: &Account, resume: bool) -> Result<()> {
        let start = if resume { Start::Continue } else { Start::Fresh };
        let line = relaunch_line(self.cfg, cwd, to, &self.cfg.claude_args, start);
        self.tmux.send_literal(target, &line)?;
        self.tmux.send_keys(target, &["C-m"])
    }

    fn first_pane_of(&self, session: &str) -> Option<String> {
        self.tmux.list_panes().ok()?.into_iter().find(|p| p.session == session).map(|p| p.id)
    }
}

impl Fleet for TmuxFleet<'_> {
    fn discover(&self) -> Result<Vec<SavedPane>> {
        let panes = self.tmux.list_panes()?;
        let mut saved: Vec<SavedPane> =
            panes.iter().filter(|p| !p.dead && !self.in_pool(&p.session)).filter_map(|p| self.saved_pane(p)).collect();
        self.mark_failed_turns(&mut saved);
        Ok(saved)
    }

    fn point_new_panes(&self, home: &Path) -> Result<()> {
        if self.tmux.list_panes()?.is_empty() {
            return Ok(()); // no server: nothing to point
        }
        self.tmux.set_global_env("CLAUDE_CONFIG_DIR", &home.to_string_lossy())
    }

    fn prepare(&self, panes: &[SavedPane], to: &Account) -> Vec<String> {
        let _one_at_a_time = TRUST.lock().unwrap_or_else(|e| e.into_inner());
        let mut problems = Vec::new();
        // Named sessions are the ones that run unattended: (re)deploy the safety guard into
        // their projects before they are relaunched. A failure is logged; the relaunch goes on.
        if let Ok(bin) = std::env::current_exe() {
            for s in &self.cfg.sessions {
                if let Err(e) = crate::hooks::install(&s.project.join(".claude/settings.json"), &bin) {
                    problems.push(format!("could not deploy the safety guard into {}: {e:#}", s.project.display()));
                }
            }
        }
        for pane in panes {
            let bypass = pane_args::skips_permissions(&launch_args(self.cfg, pane));
            // Consent follows the conversation: without it the new account would stop at a
            // dialog whose preselected answer exits (trust shows even with
            // --dangerously-skip-permissions). Trust is wherever this pane's claude kept it: its
            // account's `.claude.json`, or `$HOME/.claude.json` for a plain `claude`.
            let old_dir = pane
                .account
                .as_deref()
                .and_then(|a| self.cfg.account(a))
                .map(|a| a.home.clone())
                .unwrap_or_else(|| self.cfg.claude_dir.clone());
            let mut sources = vec![claude::claude_json_path(&old_dir)];
            if pane.plain {
                sources.extend(claude::home_claude_json());
            }
            if sources.iter().any(|f| claude::is_trusted_in(f, &pane.cwd))
                && !claude::is_trusted(&to.home, &pane.cwd)
                && let Err(e) = claude::set_trusted(&to.home, &pane.cwd)
            {
                problems.push(format!("cannot carry the folder trust of {} to {}: {e:#}", pane.cwd.display(), to.name));
            }
            // The same for each --add-dir folder (a trusted folder covers everything below it).
            let target = [claude::claude_json_path(&to.home)];
            for d in pane_args::added_dirs(&launch_args(self.cfg, pane)) {
                let dir = resolve_dir(&pane.cwd, &d);
                if trusted_root(&target, &dir).is_some() {
                    continue;
                }
                if let Some(root) = trusted_root(&sources, &dir)
                    && let Err(e) = claude::set_trusted(&to.home, &root)
                {
                    problems.push(format!("cannot carry the folder trust of {} to {}: {e:#}", root.display(), to.name));
                }
            }
            // The Bypass Permissions acceptance is per config dir: carried only from an account
            // where the user gave it.
            if bypass
                && claude::bypass_accepted(&old_dir)
                && !claude::bypass_accepted(&to.home)
                && let Err(e) = claude::set_bypass_accepted(&to.home)
            {
                problems.push(format!("cannot carry the Bypass Permissions acceptance to {}: {e:#}", to.name));
            }
        }
        problems
    }

    fn relaunch(&self, pane: &SavedPane, to: &Account) -> Result<Relaunched> {
        // Decided from what the pane was doing before its claude was stopped (saved with it).
        let prompt = self.cfg.swap.prompts(pane.interrupted.as_deref());
        let pane_pid = self.pane_pid(&pane.pane).with_context(|| format!("pane {} is gone", pane.pane))?;
        if let Some(p) = self.claude_in(pane_pid, &pane.pane) {
            let on_model =
                pane.switch_model.as_deref().is_none_or(|m| crate::models::model_flag(&p.argv).as_deref() == Some(m));
            if self.config_dir_of(&p) == to.home && on_model {
                // Already moved by a relaunch that a crash interrupted before it was recorded:
                // the resume prompt may not have been typed yet. Its transcript tells: a session
                // whose last typed prompt is ours has it already (never type it twice).
                let late = self.failed_since_saved(pane, to, pane.session_id.as_deref(), prompt);
                let prompt = prompt || late.is_some();
                let text = &self.cfg.swap.resume_prompt;
                let typed = prompt
                    && claude::read_live_session(&to.home, p.pid)
                        .and_then(|l| claude::find_transcript(&to.home, &l.cwd, &l.session_id))
                        .and_then(|t| claude::last_typed_prompt(&t))
                        .is_some_and(|last| last.trim() == text.trim());
                if typed {
                    return Ok(Relaunched { prompted: true, interrupted: late, ..Relaunched::default() });
                }
                let prompted = self.prompt_when_ready(&pane.pane, to, prompt)?;
                return Ok(Relaunched { prompted, interrupted: late, ..Relaunched::default() });
            }
            self.stop_claude(&pane.pane, p.pid)?;
        }
        // No id from the registry or a hook: claude prints `claude --resume <id>` as it exits.
        let hinted = match &pane.session_id {
            Some(_) => None,
            None => self.tmux.capture(&pane.pane, 50).ok().and_then(|screen| claude::parse_resume_hint(&screen)),
        };
        let session = pane.session_id.as_deref().or(hinted.as_deref());
        let late = self.failed_since_saved(pane, to, session, prompt);
        let prompt = prompt || late.is_some();
        // A claude that never took a prompt has no transcript: `--resume` would find no
        // conversation, and `--continue` would pick another pane's. It starts afresh, with
        // nothing to continue.
        let unsaid = session.is_some_and(|id| claude::find_transcript(&to.home, &pane.cwd, id).is_none());
        let start = match session {
            _ if unsaid => Start::Fresh,
            Some(id) => Start::Resume(id),
            None => Start::Continue,
        };
        let (args, left_out) = self.args_on(pane, to);
        let line = relaunch_line(self.cfg, &pane.cwd, to, &args, start);
        // C-u clears anything half-typed at the prompt; then the line; Enter separately.
        self.tmux.send_keys(&pane.pane, &["C-u"])?;
        self.tmux.send_literal(&pane.pane, &line)?;
        self.tmux.send_keys(&pane.pane, &["C-m"])?;
        let prompted = self.prompt_when_ready(&pane.pane, to, prompt && !unsaid)?;
        Ok(Relaunched { prompted, args: Some(args), left_out, interrupted: late })
    }

    fn nudge(&self, pane: &SavedPane) -> Result<()> {
        // An idle pane waits for its user: nothing was cut short there.
        if !self.cfg.swap.prompts(pane.interrupted.as_deref()) {
            return Ok(());
        }
        let screen = self.tmux.capture(&pane.pane, 0)?;
        if crate::detect::auto_continue_armed(&screen) {
            // Claude's own wait resends by itself 30-90 s after the reset; a second prompt from
            // us would be a second continuation (and older builds cancel their wait on a key).
            return Ok(());
        }
        if let Some(b) = tui::blocker(&screen) {
            bail!("{} in {}", b.describe(), pane.pane);
        }
        let home = pane.account.as_deref().and_then(|a| self.cfg.account(a)).map(|a| a.home.clone());
        let transcript = match (&home, &pane.session_id) {
            (Some(h), Some(sid)) => claude::find_transcript(h, &pane.cwd, sid),
            _ => None,
        };
        self.submit_prompt(&pane.pane, &self.cfg.swap.resume_prompt, transcript.as_deref())
    }

    fn notify(&self, events: &dyn Sink, message: &str) {
        crate::notify::send(self.cfg, self.tmux, events, message);
    }

    fn focused(&self) -> Vec<String> {
        self.tmux.focused_panes()
    }

    fn progress(&self, from: &str, to: &str, back: usize, of: usize) {
        let options = self.tmux.plugin_option_map();
        if options.get("version").is_none_or(|v| v.is_empty()) {
            return; // no plugin, no segment to keep current
        }
        let style = crate::status::TmuxStyle::from_options(&options);
        let _ = self
            .tmux
            .set_user_option("@claude-failover-status", &crate::status::render_swapping(from, to, back, of, &style));
        // Which are still coming back, as they come (the swap's own message closes the count).
        if self.cfg.notify.tmux && back > 0 && back < of {
            let _ = self
                .tmux
                .display_message(&format!("claude-failover: {from} → {to}: {back} of {of} back, {} coming", of - back));
        }
    }

    fn maintain_sessions(&self, to: &Account) -> Vec<String> {
        let mut problems = Vec::new();
        for s in &self.cfg.sessions {
            match self.tmux.has_session(&s.name) {
                Ok(true) => {}
                _ => {
                    let home = to.home.to_string_lossy();
                    let r = self
                        .tmux
                        .new_session(&s.name, &s.project, &[("CLAUDE_CONFIG_DIR", &home)])
                        .and_then(|()| self.first_pane_of(&s.name).context("new session has no pane"))
                        .and_then(|p| self.start_in(&p, &s.project, to, true));
                    if let Err(e) = r {
                        problems.push(format!("could not recreate session {}: {e:#}", s.name));
                    }
                }
            }
        }
        if let Some(pool) = &self.cfg.pool {
            for name in pool.names(pool.max) {
                if self.tmux.has_session(&name).unwrap_or(false)
                    && let Err(e) = self.tmux.kill_session(&name)
                {
                    problems.push(format!("could not stop pool session {name}: {e:#}"));
                }
            }
            let home = to.home.to_string_lossy();
            let cwd = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/"));
            for name in pool.names(pool.min) {
                let r = self
                    .tmux
                    .new_session(&name, &cwd, &[("CLAUDE_CONFIG_DIR", &home)])
                    .and_then(|()| self.first_pane_of(&name).context("new session has no pane"))
                    .and_then(|p| self.start_in(&p, &cwd, to, false));
                if let Err(e) = r {
                    problems.push(format!("could not start pool session {name}: {e:#}"));
                }
            }
        }
        problems
    }
}
