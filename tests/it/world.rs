//! A private tmux server with Claude panes run by the scripted stand-in, plus a daemon: the
//! world the end-to-end tests act on. Everything lives in the test's temp dir; the server is
//! killed and the daemon stopped on drop.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

use crate::common::*;

pub const FAKE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fake-claude/claude");

/// A dir with `python3` pointing at the real interpreter, first on PATH: the stand-in then
/// starts in ~30 ms instead of going through version-manager shims.
fn python_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = Command::new("python3").args(["-c", "import sys; print(sys.executable)"]).output().expect("python3");
        let exe = String::from_utf8_lossy(&exe.stdout).trim().to_string();
        // One dir per interpreter, shared by every test process (nextest runs one per test):
        // a link made aside and renamed into place, so concurrent processes never see it half made.
        let key: String = exe.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
        let dir = std::env::temp_dir().join(format!("cf-python-{key}"));
        std::fs::create_dir_all(&dir).unwrap();
        let link = dir.join("python3");
        if std::fs::read_link(&link).ok().as_deref() != Some(Path::new(&exe)) {
            let tmp = dir.join(format!(".python3.{}", std::process::id()));
            let _ = std::fs::remove_file(&tmp);
            std::os::unix::fs::symlink(&exe, &tmp).unwrap();
            std::fs::rename(&tmp, &link).unwrap();
        }
        dir
    })
}

pub struct World {
    pub env: Env,
    pub socket: PathBuf,
    pub log: PathBuf,
    daemon: Option<Child>,
    /// An outer tmux server whose pane is a real client attached to this world's server.
    outer: Option<PathBuf>,
}

impl World {
    /// Two accounts, main (primary) and backup, linked; a tmux server with one window.
    pub fn new(extra_config: &str) -> World {
        World::running(FAKE, extra_config, &[])
    }

    /// Like [`World::new`], with `claude_command` launched in panes (the stand-in or the real CLI).
    /// `vars` go into the environment of the tmux server, its panes and the daemon.
    pub fn running(claude_command: &str, extra_config: &str, vars: &[(&str, &str)]) -> World {
        let mut env = Env::new();
        for (k, v) in vars {
            env.set(k, v);
        }
        // A UTF-8 locale, as every user of the status line has: tmux turns the segment's symbols
        // into `_` without one.
        env.set("LC_ALL", "C.UTF-8");
        let path = format!("{}:{}", python_dir().display(), std::env::var("PATH").unwrap_or_default());
        env.set("PATH", &path);
        env.write_config(&World::config_for(claude_command, extra_config));
        env.ok(&["link"]);
        // Both accounts are logged in, as a user's are (a swap skips an account with no login).
        for a in ["main", "backup"] {
            let creds = env.path(&format!(".claude-{a}/.credentials.json"));
            let token = format!(
                r#"{{"claudeAiOauth":{{"accessToken":"sk-ant-oat01-{a}","refreshToken":"sk-ant-ort01-{a}","expiresAt":4102444800000}}}}"#
            );
            std::fs::write(&creds, token).unwrap();
            std::fs::set_permissions(&creds, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
        }
        World::start_server(env)
    }

    /// A project trusted on main and the first pane running claude on main in it:
    /// (project dir, pane, session id).
    pub fn claude_in(&self, name: &str) -> (PathBuf, String, String) {
        let d = self.project(name);
        self.trust("main", &d);
        let p = self.first_pane(&d);
        let sid = self.start_claude(&p, "main");
        (d, p, sid)
    }

    /// A project trusted on main, a pane in it running claude on main, and a daemon watching it:
    /// (project dir, pane, session id).
    pub fn watched_claude(&mut self, name: &str) -> (PathBuf, String, String) {
        let (d, p, sid) = self.claude_in(name);
        self.start_daemon();
        self.wait_daemon_event("attached", |e| e["event"] == "attached" && e["pane"] == p.as_str());
        (d, p, sid)
    }

    /// The world's config with `extra` top-level lines (or tables) before the accounts.
    pub fn config(extra: &str) -> String {
        World::config_for(FAKE, extra)
    }

    pub fn config_for(claude_command: &str, extra: &str) -> String {
        format!(
            "claude_command = {claude_command:?}\n{extra}\n[[accounts]]\nname = \"main\"\nhome = \"~/.claude-main\"\n[[accounts]]\nname = \"backup\"\nhome = \"~/.claude-backup\"\n"
        )
    }

    /// Replace the config file as an editor saves it: a new file renamed over the old one.
    pub fn save_config(&self, text: &str) {
        let p = self.env.config_path();
        let tmp = p.with_extension("toml.swp");
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, &p).unwrap();
    }

    pub fn tmux(&self, args: &[&str]) -> String {
        let mut c = Command::new("tmux");
        c.arg("-S").arg(&self.socket).args(args).env_clear();
        for (k, v) in &self.env.vars {
            c.env(k, v);
        }
        let o = c.output().expect("tmux");
        assert!(o.status.success(), "tmux {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// The CLI, talking to this world's server.
    pub fn cli(&self, args: &[&str]) -> Run {
        let mut a = vec!["--socket", self.socket.to_str().unwrap()];
        a.extend_from_slice(args);
        self.env.run(&a)
    }

    pub fn home(&self, account: &str) -> PathBuf {
        self.env.path(&format!(".claude-{account}"))
    }

    pub fn project(&self, name: &str) -> PathBuf {
        let p = self.env.path(&format!("src/{name}"));
        std::fs::create_dir_all(&p).unwrap();
        std::fs::canonicalize(p).unwrap()
    }

    /// Mark `dir` trusted in `account`'s .claude.json (as a user who accepted the dialog once).
    pub fn trust(&self, account: &str, dir: &Path) {
        let p = self.home(account).join(".claude.json");
        let mut v: Value =
            std::fs::read(&p).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or(serde_json::json!({}));
        v["projects"][dir.to_str().unwrap()] = serde_json::json!({"hasTrustDialogAccepted": true});
        std::fs::write(p, serde_json::to_vec(&v).unwrap()).unwrap();
    }

    /// A new pane in `dir`; returns its id.
    pub fn pane(&self, dir: &Path) -> String {
        self.tmux(&["split-window", "-d", "-t", "w", "-P", "-F", "#{pane_id}", "-c", dir.to_str().unwrap()])
            .trim()
            .to_string()
    }

    /// A new window in `dir` (in the background); returns its pane. A window each keeps every
    /// claude's prompt box on screen, which a relaunch waits for.
    pub fn window(&self, dir: &Path) -> String {
        self.tmux(&["new-window", "-d", "-t", "w", "-P", "-F", "#{pane_id}", "-c", dir.to_str().unwrap()])
            .trim()
            .to_string()
    }

    /// The first pane (created with the session), moved to `dir`.
    pub fn first_pane(&self, dir: &Path) -> String {
        let id = self.tmux(&["list-panes", "-t", "w", "-F", "#{pane_id}"]).lines().next().unwrap().to_string();
        self.type_line(&id, &format!("cd '{}'", dir.display()));
        id
    }

    /// `n` Claude panes on main in `dir` (windows of 8, tiled), all started at once, each with one
    /// prompt answered so its transcript exists.
    pub fn claude_panes(&self, n: usize, dir: &Path) -> Vec<String> {
        let d = dir.to_str().unwrap();
        let mut panes = vec![self.first_pane(dir)];
        for i in 1..n {
            if i % 8 == 0 {
                self.tmux(&["new-window", "-d", "-t", "w", "-c", d]);
            }
            panes.push(
                self.tmux(&["split-window", "-d", "-t", "w:$", "-P", "-F", "#{pane_id}", "-c", d]).trim().to_string(),
            );
            self.tmux(&["select-layout", "-t", "w:$", "tiled"]);
        }
        let ready = |what: &str, n: usize| {
            wait_for(what, Duration::from_secs(60), || {
                self.fake_events().iter().filter(|e| e["event"] == what).count() >= n
            })
        };
        self.type_lines(&panes, &format!("CLAUDE_CONFIG_DIR='{}' '{FAKE}'", self.home("main").display()));
        ready("ready", n);
        self.type_lines(&panes, "hello");
        ready("reply", n);
        panes
    }

    /// The same line into many panes, with one pause before all the Enters.
    pub fn type_lines(&self, panes: &[String], text: &str) {
        for p in panes {
            self.tmux(&["send-keys", "-t", p, "-l", "--", text]);
        }
        std::thread::sleep(Duration::from_millis(120));
        for p in panes {
            self.tmux(&["send-keys", "-t", p, "C-m"]);
        }
    }

    pub fn type_line(&self, pane: &str, text: &str) {
        self.tmux(&["send-keys", "-t", pane, "-l", "--", text]);
        std::thread::sleep(Duration::from_millis(120)); // the TUI takes text+Enter together as a paste
        self.tmux(&["send-keys", "-t", pane, "C-m"]);
    }

    /// Start claude on `account` in `pane` and give it one prompt, so its transcript exists.
    pub fn start_claude(&self, pane: &str, account: &str) -> String {
        let home = self.home(account);
        self.type_line(pane, &format!("CLAUDE_CONFIG_DIR='{}' '{FAKE}'", home.display()));
        let sid = self.wait_event("claude ready in pane", |e| {
            e["event"] == "ready" && self.pane_of_pid(e["pid"].as_u64()) == Some(pane.to_string())
        })["session_id"]
            .as_str()
            .unwrap()
            .to_string();
        self.type_line(pane, "hello");
        self.wait_event("first prompt answered", |e| e["event"] == "reply" && e["session_id"] == sid.as_str());
        sid
    }

    /// Which pane a pid runs in (walks /proc up to a pane's shell).
    pub fn pane_of_pid(&self, pid: Option<u64>) -> Option<String> {
        let mut pid = pid? as u32;
        let panes = self.tmux(&["list-panes", "-a", "-F", "#{pane_id} #{pane_pid}"]);
        for _ in 0..8 {
            if let Some(l) = panes.lines().find(|l| l.split(' ').nth(1) == Some(&pid.to_string())) {
                return l.split(' ').next().map(String::from);
            }
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            pid = stat.rsplit(')').next()?.split_whitespace().nth(1)?.parse().ok()?;
        }
        None
    }

    pub fn fake_events(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    pub fn wait_event(&self, what: &str, f: impl Fn(&Value) -> bool) -> Value {
        let mut found = None;
        wait_for(what, Duration::from_secs(20), || {
            found = self.fake_events().into_iter().find(|e| f(e));
            found.is_some()
        });
        found.unwrap()
    }

    pub fn daemon_events(&self) -> Vec<Value> {
        std::fs::read_to_string(self.env.state_dir().join("events.jsonl"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    pub fn wait_daemon_event(&self, what: &str, f: impl Fn(&Value) -> bool) -> Value {
        let end = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(e) = self.daemon_events().into_iter().find(|e| f(e)) {
                return e;
            }
            if std::time::Instant::now() > end {
                panic!(
                    "timed out waiting for daemon event: {what}\n--- daemon log:\n{}\n--- claude log:\n{}",
                    self.daemon_log(),
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Start a daemon and wait for *its* `daemon_started` (an earlier daemon's does not count).
    /// It finishes an interrupted swap first, so this can take the recovery's worst case.
    pub fn start_daemon(&mut self) {
        let started = |w: &World| w.daemon_events().iter().filter(|e| e["event"] == "daemon_started").count();
        let before = started(self);
        self.start_daemon_unchecked();
        let end = std::time::Instant::now() + Duration::from_secs(60);
        while started(self) == before {
            if std::time::Instant::now() > end || self.daemon_exited() {
                panic!("the daemon did not start\n{}", self.diagnose());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Start a daemon without waiting for it (it may be meant to die on a fault point).
    pub fn start_daemon_unchecked(&mut self) {
        // The watcher itself: tests of the daemon kill it as a crash would, with nothing to
        // restart it (`start_supervised` runs it as tmux does).
        let mut c = self.env.command(&["--socket", self.socket.to_str().unwrap(), "daemon", "--worker"]);
        c.stdout(Stdio::null())
            .stderr(Stdio::from(std::fs::File::create(self.env.dir.path().join("daemon.log")).unwrap()));
        self.daemon = Some(c.spawn().expect("daemon"));
    }

    /// Everything that tells why a daemon is stuck: its threads' stacks, the locks held, the
    /// panes and what they show, the logs.
    pub fn diagnose(&self) -> String {
        let mut out = String::new();
        let sock = self.socket.to_string_lossy().to_string();
        for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(cmd) = std::fs::read(e.path().join("cmdline")) else { continue };
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            if !(cmd.contains("claude-failover") && cmd.contains(&sock)) {
                continue;
            }
            let pid = e.file_name().to_string_lossy().to_string();
            out += &format!("--- process {pid}: {cmd}\n");
            let fds: Vec<String> = std::fs::read_dir(e.path().join("fd"))
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|f| std::fs::read_link(f.path()).ok().map(|l| l.display().to_string()))
                .collect();
            out += &format!("fds: {fds:?}\n");
            if let Ok(g) = Command::new("gdb")
                .args(["-batch", "-p", &pid, "-ex", "thread apply all bt"])
                .stdin(Stdio::null())
                .output()
            {
                out += &String::from_utf8_lossy(&g.stdout);
            }
        }
        out += &format!("--- /proc/locks\n{}", std::fs::read_to_string("/proc/locks").unwrap_or_default());
        out += &format!(
            "--- panes\n{}",
            self.tmux(&["list-panes", "-a", "-F", "#{pane_id} #{pane_pid} #{pane_current_command} #{pane_pipe}"])
        );
        for p in self.tmux(&["list-panes", "-a", "-F", "#{pane_id}"]).lines() {
            out += &format!("--- screen {p}\n{}", self.screen(p));
        }
        out += &format!("--- state\n{}\n", self.state());
        for server in std::fs::read_dir(self.env.state_dir().join("servers")).into_iter().flatten().flatten() {
            out += &format!(
                "--- progress\n{}\n",
                std::fs::read_to_string(server.path().join("progress.json")).unwrap_or_default()
            );
            for log in std::fs::read_dir(server.path().join("panes")).into_iter().flatten().flatten() {
                let len = log.metadata().map(|m| m.len()).unwrap_or(0);
                out += &format!("{}: {len} bytes\n", log.path().display());
            }
        }
        out += &format!(
            "--- events\n{}",
            std::fs::read_to_string(self.env.state_dir().join("events.jsonl")).unwrap_or_default()
        );
        out += &format!("--- daemon log\n{}", self.daemon_log());
        out
    }

    /// SIGKILL the daemon, as a crash would.
    pub fn kill_daemon(&mut self) {
        if let Some(mut d) = self.daemon.take() {
            let _ = d.kill();
            let _ = d.wait();
        }
    }

    pub fn state(&self) -> serde_json::Value {
        std::fs::read(self.env.state_dir().join("state.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    pub fn daemon_log(&self) -> String {
        std::fs::read_to_string(self.env.dir.path().join("daemon.log")).unwrap_or_default()
    }

    pub fn daemon_pid(&self) -> Option<u32> {
        self.daemon.as_ref().map(Child::id)
    }

    pub fn daemon_exited(&mut self) -> bool {
        self.daemon.as_mut().is_some_and(|c| c.try_wait().ok().flatten().is_some())
    }

    pub fn screen(&self, pane: &str) -> String {
        self.tmux(&["capture-pane", "-p", "-t", pane])
    }
}

impl World {
    /// Attach a real client (in an outer tmux server's pane) so key bindings and messages work.
    pub fn attach_client(&mut self) {
        self.attach_client_sized(150, 40);
    }

    /// [`World::attach_client`] with a terminal of `cols` x `rows`.
    pub fn attach_client_sized(&mut self, cols: u16, rows: u16) {
        let outer = self.env.dir.path().join("tmux").join("outer");
        let attach = format!("tmux -u -S '{}' attach -t w", self.socket.display());
        let (x, y) = (cols.to_string(), rows.to_string());
        let mut c = Command::new("tmux");
        c.arg("-S").arg(&outer).args(["-f", "/dev/null", "new-session", "-d", "-x", &x, "-y", &y, &attach]).env_clear();
        for (k, v) in &self.env.vars {
            c.env(k, v);
        }
        c.env("TERM", "xterm-256color");
        assert!(c.status().unwrap().success());
        self.outer = Some(outer);
        wait_for("client attached", Duration::from_secs(10), || !self.tmux(&["list-clients"]).trim().is_empty());
    }

    /// Keys typed at the attached client (tmux key names, e.g. "C-b", "F", "s").
    pub fn press(&self, keys: &[&str]) {
        let outer = self.outer.as_ref().expect("attach_client first");
        for k in keys {
            let o = Command::new("tmux").arg("-S").arg(outer).args(["send-keys", "-t", "0", k]).output().unwrap();
            assert!(o.status.success());
        }
    }

    /// What the user sees: the client's screen, status line included.
    pub fn client_screen(&self) -> String {
        let outer = self.outer.as_ref().expect("attach_client first");
        String::from_utf8_lossy(
            &Command::new("tmux").arg("-S").arg(outer).args(["capture-pane", "-p", "-t", "0"]).output().unwrap().stdout,
        )
        .into_owned()
    }

    /// Start the daemon as the plugin does: a supervisor that runs the watcher and restarts it.
    pub fn start_supervised(&mut self) {
        let started = |w: &World| w.daemon_events().iter().filter(|e| e["event"] == "daemon_started").count();
        let before = started(self);
        let mut c = self.env.command(&["--socket", self.socket.to_str().unwrap(), "daemon"]);
        c.stdout(Stdio::null())
            .stderr(Stdio::from(std::fs::File::create(self.env.dir.path().join("daemon.log")).unwrap()));
        self.daemon = Some(c.spawn().expect("daemon"));
        wait_for("the supervised daemon started", Duration::from_secs(30), || started(self) > before);
    }

    /// The pid of the watcher (`daemon --worker`) of this world's server, supervised or not.
    pub fn worker_pid(&self) -> Option<u32> {
        let sock = self.socket.to_string_lossy().to_string();
        std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let c = String::from_utf8_lossy(&std::fs::read(e.path().join("cmdline")).ok()?).replace('\0', " ");
            (c.contains("claude-failover") && c.contains(&sock) && c.trim_end().ends_with("daemon --worker"))
                .then_some(pid)
        })
    }

    /// Watchers (`claude-failover … daemon --worker`) for this world's server.
    pub fn daemons(&self) -> usize {
        let sock = self.socket.to_string_lossy().to_string();
        std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
            .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
            .filter(|c| {
                c.contains("claude-failover") && c.contains(&sock) && c.trim_end().ends_with(" daemon --worker")
            })
            .count()
    }
}

impl World {
    /// The private tmux server every world runs in: one 160x40 window with a plain bash in HOME,
    /// the stand-in's log and a short prompt set for every pane.
    fn start_server(env: Env) -> World {
        let socket = env.dir.path().join("tmux").join("sock");
        let log = env.dir.path().join("fake-claude.jsonl");
        let w = World { env, socket, log, daemon: None, outer: None };
        w.boot();
        w
    }

    /// A tmux server restarted (the machine rebooted, the server killed): the old one killed with
    /// every pane, and a new one on the same socket as the world first started it, before any
    /// plugin or restore runs.
    pub fn restart_server(&mut self) {
        let _ = self.tmux_status(&["kill-server"]);
        wait_for("the old server gone", Duration::from_secs(10), || !self.tmux_status(&["has-session"]));
        self.boot();
    }

    fn tmux_status(&self, args: &[&str]) -> bool {
        let mut c = Command::new("tmux");
        c.arg("-S").arg(&self.socket).args(args).env_clear().stdout(Stdio::null()).stderr(Stdio::null());
        for (k, v) in &self.env.vars {
            c.env(k, v);
        }
        c.status().is_ok_and(|s| s.success())
    }

    fn boot(&self) {
        let w = self;
        let log_env = format!("FAKE_CLAUDE_LOG={}", w.log.display());
        let home = w.env.home.to_str().unwrap().to_string();
        w.tmux(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "w",
            "-x",
            "160",
            "-y",
            "40",
            "-e",
            &log_env,
            "-e",
            "PS1=$ ",
            "-c",
            &home,
            "bash --norc --noprofile",
        ]);
        w.tmux(&["set", "-g", "default-command", "bash --norc --noprofile"]);
        w.tmux(&["set", "-g", "remain-on-exit", "off"]);
        w.tmux(&["set-environment", "-g", "FAKE_CLAUDE_LOG", w.log.to_str().unwrap()]);
        w.tmux(&["set-environment", "-g", "PS1", "$ "]);
    }

    /// A tmux server (one window, in HOME) around an `env` the test set up itself: its config,
    /// homes and logins as they are (nothing written, linked or logged in here). `env`'s PATH, if
    /// set (e.g. [`Env::claude_on_path`]), is kept, with the fast `python3` in front.
    pub fn around(mut env: Env) -> World {
        env.set("LC_ALL", "C.UTF-8");
        let base = env
            .vars
            .iter()
            .find(|(k, _)| k == "PATH")
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| std::env::var("PATH").unwrap_or_default());
        env.set("PATH", &format!("{}:{base}", python_dir().display()));
        World::start_server(env)
    }
}

impl Drop for World {
    fn drop(&mut self) {
        if let Some(outer) = &self.outer {
            let _ = Command::new("tmux").arg("-S").arg(outer).arg("kill-server").output();
        }
        // The panes' processes (claude writes its last lines as it dies) outlive kill-server by a
        // moment; removing the temp dir under them would fail or see it come back.
        let panes: Vec<u32> = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["list-panes", "-a", "-F", "#{pane_pid}"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).lines().filter_map(|l| l.trim().parse().ok()).collect())
            .unwrap_or_default();
        let procs = descendants(&panes);
        let _ = Command::new("tmux").arg("-S").arg(&self.socket).arg("kill-server").output();
        if let Some(mut d) = self.daemon.take() {
            let _ = d.kill();
            let _ = d.wait();
        }
        let end = std::time::Instant::now() + Duration::from_secs(3);
        while procs.iter().any(|p| std::path::Path::new(&format!("/proc/{p}")).exists())
            && std::time::Instant::now() < end
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        while std::fs::remove_dir_all(self.env.dir.path()).is_err()
            && self.env.dir.path().exists()
            && std::time::Instant::now() < end
        {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// `roots` and every process below them.
fn descendants(roots: &[u32]) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            let ppid = stat.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, ppid))
        })
        .collect();
    let mut out = roots.to_vec();
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        out.extend(parents.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    out
}
