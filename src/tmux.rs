//! The only place that runs `tmux`.
//!
//! Every call is argv (never a shell line built from data), has a deadline, and fails with the
//! command and tmux's own words in the error. The [`Tmux`] trait is what the swap engine and the
//! daemon talk to, so they can be tested against a fake. Invariant: text that came from a pane or
//! a file is only ever passed as one argv element (e.g. `send-keys -l -- <text>`), never spliced
//! into a tmux command string that tmux would parse again.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Result, bail};

use crate::exec;

/// One pane as tmux lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaneInfo {
    /// `%12`
    pub id: String,
    /// The pane's first process (usually the shell).
    pub pid: u32,
    pub session: String,
    pub window: String,
    pub dead: bool,
    /// Its output is piped somewhere (`pipe-pane`), by us or by anyone.
    pub piped: bool,
}

pub trait Tmux: Send + Sync {
    /// Every pane of the server; an empty list when no server runs.
    fn list_panes(&self) -> Result<Vec<PaneInfo>>;
    fn set_global_env(&self, name: &str, value: &str) -> Result<()>;
    /// Type `text` literally (no key-name lookup, no paste semantics).
    fn send_literal(&self, pane: &str, text: &str) -> Result<()>;
    /// Send key names (`C-m`, `Escape`, `C-c`).
    fn send_keys(&self, pane: &str, keys: &[&str]) -> Result<()>;
    /// The visible screen of a pane (plus `history` lines above it), escape-free.
    fn capture(&self, pane: &str, history: u32) -> Result<String>;
    fn has_session(&self, name: &str) -> Result<bool>;
    /// A detached session running the user's shell in `cwd`, with extra environment.
    fn new_session(&self, name: &str, cwd: &Path, env: &[(&str, &str)]) -> Result<()>;
    fn kill_session(&self, name: &str) -> Result<()>;
    /// A message on every attached client.
    fn display_message(&self, text: &str) -> Result<()>;
    fn set_user_option(&self, name: &str, value: &str) -> Result<()>;
    /// Start (`Some(shell command)`) or stop (`None`) piping a pane's output. Either replaces
    /// the pane's current pipe: callers check [`PaneInfo::piped`] first.
    fn pipe_pane(&self, pane: &str, command: Option<&str>) -> Result<()>;
    /// The pane each attached client looks at (the active pane of its window).
    fn focused_panes(&self) -> Vec<String> {
        Vec::new()
    }
    /// Every `@claude-failover-*` option, without the prefix.
    fn plugin_option_map(&self) -> std::collections::HashMap<String, String> {
        std::collections::HashMap::new()
    }
}

/// The real thing: the `tmux` binary, optionally on an explicit socket.
#[derive(Debug, Clone)]
pub struct TmuxCli {
    pub socket: Option<PathBuf>,
    pub timeout: Duration,
}

impl Default for TmuxCli {
    fn default() -> Self {
        TmuxCli { socket: None, timeout: Duration::from_secs(5) }
    }
}

/// True when tmux said there is no server to talk to (not an error for listing).
fn no_server(stderr: &str) -> bool {
    stderr.contains("no server running")
        || stderr.contains("error connecting to")
        || stderr.contains("No such file or directory")
}

/// `%` followed by digits: the only pane target we ever pass.
pub fn valid_pane_id(p: &str) -> bool {
    p.len() > 1 && p.starts_with('%') && p[1..].bytes().all(|b| b.is_ascii_digit())
}

impl TmuxCli {
    pub fn new(socket: Option<PathBuf>) -> Self {
        TmuxCli { socket, ..Default::default() }
    }

    /// Run `tmux <args>`; non-zero exit is an error carrying tmux's message.
    pub fn run(&self, args: &[&str]) -> Result<String> {
        self.run_stdin(args, None)
    }

    pub fn run_stdin(&self, args: &[&str], stdin: Option<&[u8]>) -> Result<String> {
        let mut cmd = self.command();
        cmd.args(args);
        let out = exec::run(&mut cmd, stdin, self.timeout)?;
        if !out.status.success() {
            bail!("tmux {} failed: {}", args.first().unwrap_or(&""), out.stderr.trim());
        }
        Ok(out.stdout)
    }

    /// Like `run`, but "no server running" is `Ok(None)`.
    fn run_if_server(&self, args: &[&str]) -> Result<Option<String>> {
        let mut cmd = self.command();
        cmd.args(args);
        let out = exec::run(&mut cmd, None, self.timeout)?;
        if out.status.success() {
            Ok(Some(out.stdout))
        } else if no_server(&out.stderr) {
            Ok(None)
        } else {
            bail!("tmux {} failed: {}", args.first().unwrap_or(&""), out.stderr.trim())
        }
    }

    /// `tmux -u [-S socket]`: `-u` because tmux started from `run-shell` or a bare environment
    /// has no UTF-8 locale and would mangle the status glyphs and messages we pass.
    fn command(&self) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.arg("-u");
        if let Some(s) = &self.socket {
            cmd.arg("-S").arg(s);
        }
        cmd
    }

    /// Start a server (on this socket) with `args` after `new-session`, and extra environment for
    /// the server itself.
    pub fn start_server(&self, env: &[(String, String)], new_session_args: &[&str]) -> Result<()> {
        let mut cmd = self.command();
        cmd.args(["-f", "/dev/null", "new-session"]).args(new_session_args);
        cmd.envs(env.iter().map(|(k, v)| (k, v)));
        let out = exec::run(&mut cmd, None, self.timeout)?;
        if !out.status.success() {
            bail!("tmux could not start a server: {}", out.stderr.trim());
        }
        Ok(())
    }

    /// Attach the user's terminal to `session` until they detach (no timeout: it is interactive).
    pub fn attach(&self, session: &str) -> Result<bool> {
        let target = format!("={session}");
        Ok(self.command().args(["attach-session", "-t", &target]).status()?.success())
    }

    pub fn server_running(&self) -> bool {
        matches!(self.run_if_server(&["display-message", "-p", "#{pid}"]), Ok(Some(_)))
    }

    /// The server's socket path, as tmux reports it.
    pub fn socket_path(&self) -> Result<String> {
        Ok(self.run(&["display-message", "-p", "#{socket_path}"])?.trim().to_string())
    }

    /// Every global session option (user `@` options included), in one `show-options` call.
    pub fn global_options(&self) -> std::collections::HashMap<String, String> {
        let out = self.run_if_server(&["show-options", "-g"]).ok().flatten().unwrap_or_default();
        out.lines()
            .filter_map(|l| {
                let (k, v) = l.split_once(' ')?;
                Some((k.to_string(), unquote(v)))
            })
            .collect()
    }

    /// The `@claude-failover-*` options, prefix removed.
    pub fn plugin_options(&self) -> std::collections::HashMap<String, String> {
        self.global_options()
            .into_iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("@claude-failover-")?.to_string(), v)))
            .collect()
    }

    /// tmux ≥ major.minor (from `tmux -V`, e.g. `tmux 3.3a`, `tmux next-3.4`).
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        let v = self.version().unwrap_or_default();
        let num: String =
            v.chars().skip_while(|c| !c.is_ascii_digit()).take_while(|c| c.is_ascii_digit() || *c == '.').collect();
        let mut it = num.split('.').map(|n| n.parse::<u32>().unwrap_or(0));
        let (a, b) = (it.next().unwrap_or(0), it.next().unwrap_or(0));
        (a, b) >= (major, minor)
    }

    pub fn version(&self) -> Result<String> {
        let mut cmd = Command::new("tmux");
        cmd.arg("-V");
        Ok(exec::run(&mut cmd, None, self.timeout)?.stdout.trim().to_string())
    }

    fn check_pane(pane: &str) -> Result<()> {
        if !valid_pane_id(pane) {
            bail!("{pane:?} is not a tmux pane id (like %3)");
        }
        Ok(())
    }
}

impl Tmux for TmuxCli {
    fn focused_panes(&self) -> Vec<String> {
        let out = self.run_if_server(&["list-clients", "-F", "#{pane_id}"]).ok().flatten().unwrap_or_default();
        out.lines().map(str::trim).filter(|p| valid_pane_id(p)).map(String::from).collect()
    }
    fn plugin_option_map(&self) -> std::collections::HashMap<String, String> {
        self.plugin_options()
    }
    fn list_panes(&self) -> Result<Vec<PaneInfo>> {
        // Space-separated, free text last: without a UTF-8 locale tmux prints control
        // characters (a tab separator) as '_'.
        let fmt = "#{pane_id} #{pane_pid} #{pane_dead} #{pane_pipe} #{window_id} #{session_name}";
        let Some(out) = self.run_if_server(&["list-panes", "-a", "-F", fmt])? else {
            return Ok(Vec::new());
        };
        Ok(out
            .lines()
            .filter_map(|l| {
                let mut it = l.splitn(6, ' ');
                let id = it.next()?.to_string();
                let pid = it.next()?.parse().ok()?;
                let dead = it.next()? == "1";
                let piped = it.next()? == "1";
                let window = it.next()?.to_string();
                let session = it.next()?.to_string();
                valid_pane_id(&id).then_some(PaneInfo { id, pid, session, window, dead, piped })
            })
            .collect())
    }

    fn set_global_env(&self, name: &str, value: &str) -> Result<()> {
        self.run(&["set-environment", "-g", name, value]).map(drop)
    }

    fn send_literal(&self, pane: &str, text: &str) -> Result<()> {
        Self::check_pane(pane)?;
        self.run(&["send-keys", "-t", pane, "-l", "--", text]).map(drop)
    }

    fn send_keys(&self, pane: &str, keys: &[&str]) -> Result<()> {
        Self::check_pane(pane)?;
        let mut args = vec!["send-keys", "-t", pane];
        args.extend_from_slice(keys);
        self.run(&args).map(drop)
    }

    fn capture(&self, pane: &str, history: u32) -> Result<String> {
        Self::check_pane(pane)?;
        let start = format!("-{history}");
        self.run(&["capture-pane", "-p", "-J", "-t", pane, "-S", &start])
    }

    fn has_session(&self, name: &str) -> Result<bool> {
        // `=name` is an exact match; plain `-t name` would also match a prefix.
        let target = format!("={name}");
        Ok(self.run_if_server(&["has-session", "-t", &target]).map(|o| o.is_some()).unwrap_or(false))
    }

    fn new_session(&self, name: &str, cwd: &Path, env: &[(&str, &str)]) -> Result<()> {
        let cwd = cwd.to_string_lossy();
        let mut args: Vec<String> =
            vec!["new-session".into(), "-d".into(), "-s".into(), name.into(), "-c".into(), cwd.into_owned()];
        for (k, v) in env {
            args.push("-e".into());
            args.push(format!("{k}={v}"));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.run(&args).map(drop)
    }

    fn kill_session(&self, name: &str) -> Result<()> {
        let target = format!("={name}");
        self.run(&["kill-session", "-t", &target]).map(drop)
    }

    fn display_message(&self, text: &str) -> Result<()> {
        // One message per attached client; `-c` needs a client name from list-clients.
        let clients = self.run_if_server(&["list-clients", "-F", "#{client_name}"])?.unwrap_or_default();
        // `#` would be expanded as a format by display-message: double it.
        let text = text.replace('#', "##");
        for c in clients.lines().filter(|c| !c.is_empty()) {
            self.run(&["display-message", "-c", c, "-d", "5000", &text])?;
        }
        Ok(())
    }

    fn set_user_option(&self, name: &str, value: &str) -> Result<()> {
        self.run(&["set-option", "-gq", name, value]).map(drop)
    }

    fn pipe_pane(&self, pane: &str, command: Option<&str>) -> Result<()> {
        Self::check_pane(pane)?;
        match command {
            // Not `-o`: with a pipe open, `-o` closes it and opens nothing (tmux's toggle).
            Some(c) => self.run(&["pipe-pane", "-t", pane, c]).map(drop),
            None => self.run(&["pipe-pane", "-t", pane]).map(drop),
        }
    }
}

/// Undo tmux's quoting of an option value in `show-options` output.
pub fn unquote(v: &str) -> String {
    let v = v.trim();
    if v.len() >= 2 && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\''))) {
        v[1..v.len() - 1].replace("\\\"", "\"").replace("\\\\", "\\")
    } else {
        v.to_string()
    }
}

/// Quote `s` for a POSIX shell: the one place a shell string is built, for commands tmux runs
/// through `sh -c` (pipe-pane, run-shell) and the relaunch line typed into a pane.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"/._-+=:@%,".contains(&b)) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("/home/u/src"), "/home/u/src");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("$(touch x)"), "'$(touch x)'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("a\nb"), "'a\nb'");
    }

    #[test]
    fn pane_ids() {
        assert!(valid_pane_id("%0") && valid_pane_id("%123"));
        for bad in ["%", "3", "%3;", "%a", "-t"] {
            assert!(!valid_pane_id(bad), "{bad}");
        }
    }
}
