//! The Linux process tree as seen through `/proc`: children and descendants of a pane's shell,
//! their command lines, working directories and environment, and SIGTERM. tmux's
//! `#{pane_current_command}` can show the shell (or `node`, `python3`) while claude runs, so
//! panes running claude are found here, by process. Everything read from `/proc` describes a
//! process that may exit, or whose pid may be reused, between two reads: every function returns
//! `None`/empty instead of failing. The invariant a newcomer could break: [`terminate`] must never
//! pass 0, -1 or any other non-positive value to `kill(2)` (that signals whole process groups or
//! every process we may signal), which is why it refuses pids that do not fit a positive `pid_t`.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::path::PathBuf;

/// The command claude is started with, unless the user configured another one.
pub const DEFAULT_COMMAND: &str = "claude";

/// Tail of the entry script of the npm package, for `node …/cli.js` style launches.
pub const CLAUDE_CLI_ENTRY: &str = "@anthropic-ai/claude-code/cli.js";

/// Limits for [`descendants`]: a pane tree is a handful of processes, so hitting these means
/// something pathological (a fork bomb) and we stop rather than walk forever.
const MAX_DEPTH: usize = 64;
const MAX_PROCS: usize = 4096;

fn proc_path(pid: u32) -> PathBuf {
    PathBuf::from(format!("/proc/{pid}"))
}

struct Stat {
    state: char,
    ppid: u32,
    /// Field 22: when the process started, in clock ticks after boot.
    start: Option<u64>,
}

/// Parses `/proc/<pid>/stat`. The command name sits in parentheses and may itself contain spaces
/// and `)`, so fields are counted from the last `)`.
fn stat(pid: u32) -> Option<Stat> {
    let s = fs::read_to_string(proc_path(pid).join("stat")).ok()?;
    let rest = &s[s.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    // Fields 5..=21 lie between ppid (4) and starttime (22).
    let start = fields.nth(17).and_then(|f| f.parse().ok());
    Some(Stat { state, ppid, start })
}

/// Children from `/proc/<pid>/task/*/children` (one file per thread, each listing the children
/// that thread forked). `None` when the kernel does not provide these files
/// (`CONFIG_PROC_CHILDREN` off) or they cannot be read, so the caller falls back to a scan; a
/// process that is gone simply has no children.
fn children_from_tasks(pid: u32) -> Option<Vec<u32>> {
    let tasks = match fs::read_dir(proc_path(pid).join("task")) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Some(Vec::new()),
        Err(_) => return None,
    };
    let mut out = Vec::new();
    let mut readable = false;
    for task in tasks.flatten() {
        // A thread may exit between the listing and the read; the others still count.
        if let Ok(s) = fs::read_to_string(task.path().join("children")) {
            readable = true;
            out.extend(s.split_whitespace().filter_map(|p| p.parse::<u32>().ok()));
        }
    }
    if !readable {
        return None;
    }
    out.sort_unstable();
    out.dedup();
    Some(out)
}

/// Parent → children for every process, from each `/proc/<pid>/stat`: the slow but always
/// available fallback.
fn ppid_map() -> HashMap<u32, Vec<u32>> {
    let mut map: HashMap<u32, Vec<u32>> = HashMap::new();
    let Ok(entries) = fs::read_dir("/proc") else {
        return map;
    };
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        if let Some(st) = stat(pid) {
            map.entry(st.ppid).or_default().push(pid);
        }
    }
    for kids in map.values_mut() {
        kids.sort_unstable();
    }
    map
}

/// Direct children of `pid`, sorted; empty when it has none or no longer exists.
pub fn children(pid: u32) -> Vec<u32> {
    if pid == 0 {
        return Vec::new();
    }
    children_from_tasks(pid).unwrap_or_else(|| ppid_map().remove(&pid).unwrap_or_default())
}

/// All descendants of `pid` (not `pid` itself), breadth-first so shallower processes come first.
/// Bounded in depth and count, and never visits a pid twice even if pids are reused mid-walk.
pub fn descendants(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    if pid == 0 {
        return out;
    }
    let mut seen = HashSet::from([pid]);
    let mut frontier = vec![pid];
    // Built at most once, and only if the cheap per-task files are unavailable.
    let mut fallback: Option<HashMap<u32, Vec<u32>>> = None;
    for _ in 0..MAX_DEPTH {
        if frontier.is_empty() {
            break;
        }
        let mut next = Vec::new();
        for p in frontier {
            let kids = match children_from_tasks(p) {
                Some(k) => k,
                None => fallback.get_or_insert_with(ppid_map).get(&p).cloned().unwrap_or_default(),
            };
            for k in kids {
                if out.len() >= MAX_PROCS {
                    return out;
                }
                if seen.insert(k) {
                    out.push(k);
                    next.push(k);
                }
            }
        }
        frontier = next;
    }
    out
}

/// Arguments of `pid` (lossy UTF-8); `None` for a gone process, a zombie or a kernel thread.
/// A process may rewrite its own argv (node's `process.title`), so this is what it claims to be.
pub fn cmdline(pid: u32) -> Option<Vec<String>> {
    let raw = fs::read(proc_path(pid).join("cmdline")).ok()?;
    let mut args: Vec<String> = raw.split(|&b| b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
    // The kernel NUL-terminates the last argument; rewritten titles may add NUL padding.
    while args.last().is_some_and(String::is_empty) {
        args.pop();
    }
    (!args.is_empty()).then_some(args)
}

/// Current working directory of `pid` (needs the same user, or privileges).
pub fn cwd(pid: u32) -> Option<PathBuf> {
    fs::read_link(proc_path(pid).join("cwd")).ok()
}

/// `name` from the environment `pid` was started with (later `setenv` calls inside the process
/// are not visible). `None` when unset, unreadable (another user) or the process is gone.
pub fn env_var(pid: u32, name: &str) -> Option<String> {
    if name.is_empty() || name.contains(['=', '\0']) {
        return None;
    }
    let raw = fs::read(proc_path(pid).join("environ")).ok()?;
    let prefix = format!("{name}=");
    raw.split(|&b| b == 0)
        .find_map(|entry| entry.strip_prefix(prefix.as_bytes()))
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

/// Whether `pid` exists and is not a zombie (exited but not yet reaped: it still has a
/// `/proc` entry yet will never run again).
pub fn is_alive(pid: u32) -> bool {
    pid != 0 && stat(pid).is_some_and(|s| !matches!(s.state, 'Z' | 'X' | 'x'))
}

/// Sends SIGTERM to `pid` (claude then runs its SessionEnd hooks and prints the resume hint).
/// A process that is already gone is not an error. Refuses pid 0, 1, our own pid and anything
/// beyond `i32::MAX`, which `kill(2)` would read as a process group or "everyone".
pub fn terminate(pid: u32) -> io::Result<()> {
    let Ok(raw) = libc::pid_t::try_from(pid) else {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("refusing to signal pid {pid}: out of range")));
    };
    if raw <= 1 || pid == std::process::id() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("refusing to signal pid {pid}")));
    }
    // SAFETY: kill(2) takes plain integers and touches no memory of ours; `raw` is > 1, so it
    // addresses exactly one process.
    let rc = unsafe { libc::kill(raw, libc::SIGTERM) };
    if rc == 0 {
        return Ok(());
    }
    let err = io::Error::last_os_error();
    if err.raw_os_error() == Some(libc::ESRCH) { Ok(()) } else { Err(err) }
}

fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

fn is_interpreter(prog: &str) -> bool {
    matches!(prog, "node" | "nodejs" | "python" | "python3" | "bun" | "deno" | "sh" | "bash")
        || prog.strip_prefix("python3.").is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
}

/// The script an interpreter runs: its first non-option argument. Interpreter options are
/// skipped (`node --no-warnings cli.js`), but an option that makes the interpreter run inline
/// code or a module (`sh -c`, `node -e/-p`, `python -c/-m`) means there is no script file, so the
/// process is not claude itself (at most a parent of it).
fn script_arg<'a>(prog: &str, args: &'a [String]) -> Option<&'a str> {
    script_index(prog, args).map(|i| args[i].as_str())
}

/// [`script_arg`]'s position in `args`.
fn script_index(prog: &str, args: &[String]) -> Option<usize> {
    let mut iter = args.iter().enumerate();
    while let Some((i, a)) = iter.next() {
        if a == "--" {
            return iter.next().map(|(i, _)| i);
        }
        if let Some(long) = a.strip_prefix("--") {
            if matches!(long, "eval" | "print") || long.starts_with("eval=") {
                return None;
            }
            continue;
        }
        if let Some(short) = a.strip_prefix('-')
            && !short.is_empty()
        {
            if short.contains(['c', 'e', 'p', 'm']) {
                return None;
            }
            continue;
        }
        if prog == "deno" && a == "run" {
            continue;
        }
        return Some(i);
    }
    None
}

/// Whether a process with this argv is claude: `argv[0]`'s basename is `command_name` (empty means
/// [`DEFAULT_COMMAND`]), or `argv[0]` is an interpreter (node, python, python3, python3.x, bun,
/// deno, sh, bash) whose script's basename is `command_name` or which runs the npm package's
/// `cli.js`. The interpreter case covers `#!/usr/bin/env node` launchers and the python stand-in
/// used in tests, both of which show the interpreter as the command.
pub fn looks_like_claude(argv: &[String], command_name: &str) -> bool {
    let name = match basename(command_name) {
        "" => DEFAULT_COMMAND,
        n => n,
    };
    let Some(argv0) = argv.first() else {
        return false;
    };
    let prog = basename(argv0);
    if prog == name {
        return true;
    }
    if !is_interpreter(prog) {
        return false;
    }
    script_arg(prog, &argv[1..]).is_some_and(|s| basename(s) == name || s.ends_with(CLAUDE_CLI_ENTRY))
}

/// The arguments a claude process was started with: its argv after the program, or after the
/// script when the program is an interpreter (`node …/cli.js --model x`, the python stand-in).
/// The process must be known to be claude (found by [`find_claude`], or through its own registry
/// entry: then under any name, a link `ai` to the binary say). `None` for an interpreter that
/// runs no script file (`sh -c …`).
pub fn program_args(argv: &[String]) -> Option<&[String]> {
    let prog = basename(argv.first()?);
    if !is_interpreter(prog) {
        return Some(&argv[1..]);
    }
    let script = script_index(prog, &argv[1..])?;
    Some(&argv[script + 2..])
}

/// A claude process found under a pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaudeProc {
    pub pid: u32,
    pub argv: Vec<String>,
    pub cwd: Option<PathBuf>,
    /// `CLAUDE_CONFIG_DIR` from its environment; `None` means the default `~/.claude` (with
    /// `.claude.json` in `$HOME`).
    pub config_dir: Option<PathBuf>,
}

/// The socket of the tmux server that started this process (a `#()` job, a `run-shell`, a
/// `pipe-pane` writer and a hook have no `$TMUX`; tmux runs them through `sh -c`): the parent or
/// grandparent running `tmux` that listens on a named unix socket. Never further up: a program
/// started by something else that happens to run inside a tmux pane (a test runner in a
/// developer's tmux) must not reach that server.
pub fn ancestor_tmux_socket() -> Option<std::path::PathBuf> {
    let mut pid = parent(std::process::id())?;
    for _ in 0..2 {
        if pid <= 1 {
            return None;
        }
        let is_tmux = std::fs::read_link(format!("/proc/{pid}/exe"))
            .ok()
            .and_then(|e| e.file_name().map(|n| n.to_string_lossy().starts_with("tmux")))
            .unwrap_or(false);
        if is_tmux && let Some(sock) = listening_socket(pid) {
            return Some(sock);
        }
        pid = parent(pid)?;
    }
    None
}

/// The path of a named unix socket process `pid` holds open (a tmux client holds only unnamed
/// ones, its server the one it listens on).
fn listening_socket(pid: u32) -> Option<std::path::PathBuf> {
    let inodes: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .ok()?
        .flatten()
        .filter_map(|fd| {
            let l = std::fs::read_link(fd.path()).ok()?;
            let l = l.to_string_lossy();
            Some(l.strip_prefix("socket:[")?.strip_suffix(']')?.to_string())
        })
        .collect();
    let table = std::fs::read_to_string("/proc/net/unix").ok()?;
    // Num RefCount Protocol Flags Type St Inode Path; a listening socket has the flag __SO_ACCEPTCON.
    table.lines().skip(1).find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        let (flags, inode, path) = (f.get(3)?, f.get(6)?, f.get(7)?);
        let listening = u32::from_str_radix(flags, 16).is_ok_and(|x| x & 0x0001_0000 != 0);
        (listening && inodes.iter().any(|i| i == inode) && path.starts_with('/'))
            .then(|| std::path::PathBuf::from(path))
    })
}

/// The parent of `pid`.
pub fn parent(pid: u32) -> Option<u32> {
    stat(pid).map(|s| s.ppid).filter(|p| *p > 1)
}

/// When `pid` started (clock ticks after boot, `/proc/<pid>/stat` field 22): with the pid, the
/// identity of a process that survives pid reuse. Claude Code 2.1.332 writes the same number as
/// `procStart` in its registry entry.
pub fn start_time(pid: u32) -> Option<u64> {
    stat(pid)?.start
}

/// The shallowest live process at or under `pane_pid` (`#{pane_pid}`, usually the pane's shell)
/// that [`looks_like_claude`]. The pane process itself is checked first because a pane started as
/// `tmux new-window claude` runs claude directly; shallowest-first picks the user's claude rather
/// than a claude it spawned itself (subagents, `claude mcp serve`).
pub fn find_claude(pane_pid: u32, command_name: &str) -> Option<ClaudeProc> {
    if pane_pid == 0 {
        return None;
    }
    std::iter::once(pane_pid).chain(descendants(pane_pid)).find_map(|pid| {
        let p = process(pid)?;
        looks_like_claude(&p.argv, command_name).then_some(p)
    })
}

/// What [`find_claude`] records of a live process, whatever it looks like.
pub fn process(pid: u32) -> Option<ClaudeProc> {
    let argv = cmdline(pid)?;
    if !is_alive(pid) {
        return None;
    }
    Some(ClaudeProc {
        pid,
        cwd: cwd(pid),
        config_dir: env_var(pid, "CLAUDE_CONFIG_DIR").filter(|v| !v.is_empty()).map(PathBuf::from),
        argv,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::{Context, Result, bail};
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    /// A spawned process in its own process group; dropping it kills the whole group, so
    /// grandchildren (`sh -c 'sleep …'`) never outlive a test, even a failing one.
    struct Spawned(Child);

    impl Spawned {
        fn new(cmd: &mut Command) -> Result<Self> {
            let child = cmd
                .process_group(0)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .context("spawning test process")?;
            Ok(Spawned(child))
        }

        fn pid(&self) -> u32 {
            self.0.id()
        }
    }

    impl Drop for Spawned {
        fn drop(&mut self) {
            if let Ok(pgid) = libc::pid_t::try_from(self.0.id())
                && pgid > 1
            {
                // SAFETY: plain syscall on the process group we created for this child.
                unsafe {
                    libc::kill(-pgid, libc::SIGKILL);
                }
            }
            let _ = self.0.wait();
        }
    }

    fn wait_for<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> Result<T> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(v) = f() {
                return Ok(v);
            }
            if Instant::now() > deadline {
                bail!("timed out waiting for {what}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn children_and_fallback_agree() -> Result<()> {
        let child = Spawned::new(Command::new("sleep").arg("30"))?;
        let me = std::process::id();
        assert!(children(me).contains(&child.pid()));
        assert!(children_from_tasks(me).is_some(), "this kernel has task/*/children");
        let scanned = ppid_map().remove(&me).unwrap_or_default();
        assert!(scanned.contains(&child.pid()));
        assert!(children(child.pid()).is_empty());
        assert!(children(0).is_empty());
        assert!(children(u32::MAX).is_empty());
        Ok(())
    }

    #[test]
    fn descendants_walk_the_tree() -> Result<()> {
        // `; true` keeps sh from exec'ing sleep, so there are two levels.
        let sh = Spawned::new(Command::new("sh").args(["-c", "sleep 30; true"]))?;
        let sleep_pid = wait_for("sleep under sh", || children(sh.pid()).first().copied())?;
        // sh forks before it execs sleep: wait for the exec.
        wait_for("sleep's argv", || (cmdline(sleep_pid)? == strings(&["sleep", "30"])).then_some(()))?;
        assert_eq!(descendants(sh.pid()), vec![sleep_pid]);
        let mine = descendants(std::process::id());
        let pos = |p: u32| mine.iter().position(|&x| x == p);
        let (Some(a), Some(b)) = (pos(sh.pid()), pos(sleep_pid)) else {
            bail!("tree not found in {mine:?}");
        };
        assert!(a < b, "breadth-first: parent before grandchild");
        assert!(descendants(0).is_empty());
        Ok(())
    }

    #[test]
    fn descendants_are_bounded() {
        // The whole machine's tree: must terminate and respect the cap.
        assert!(descendants(1).len() <= MAX_PROCS);
    }

    #[test]
    fn cmdline_cwd_env() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let child = Spawned::new(
            Command::new("sleep").arg("30").current_dir(dir.path()).env("CF_TEST_VAR", "a=b c").env("CF_EMPTY", ""),
        )?;
        let pid = child.pid();
        // Right after spawn the child may still be inside exec.
        let argv = wait_for("sleep's argv", || cmdline(pid).filter(|a| a.first().is_some_and(|a0| a0 == "sleep")))?;
        assert_eq!(argv, strings(&["sleep", "30"]));
        assert_eq!(cwd(pid), Some(fs::canonicalize(dir.path())?));
        assert_eq!(env_var(pid, "CF_TEST_VAR").as_deref(), Some("a=b c"));
        assert_eq!(env_var(pid, "CF_EMPTY").as_deref(), Some(""));
        assert_eq!(env_var(pid, "CF_TEST"), None, "no prefix matches");
        assert_eq!(env_var(pid, "CF_MISSING"), None);
        assert_eq!(env_var(pid, ""), None);
        assert_eq!(env_var(pid, "CF_TEST_VAR=a"), None);
        assert_eq!(cmdline(u32::MAX), None);
        assert_eq!(cwd(u32::MAX), None);
        assert_eq!(env_var(u32::MAX, "PATH"), None);
        Ok(())
    }

    #[test]
    fn alive_zombie_and_terminate() -> Result<()> {
        let mut child = Spawned::new(Command::new("sleep").arg("30"))?;
        let pid = child.pid();
        assert!(is_alive(pid));
        terminate(pid)?;
        // Not reaped yet: a zombie still has /proc/<pid> but is not alive.
        wait_for("zombie", || (!is_alive(pid)).then_some(()))?;
        assert!(proc_path(pid).exists());
        let status = child.0.wait()?;
        assert_eq!(status.signal(), Some(libc::SIGTERM));
        assert!(!is_alive(pid));

        // pid_max itself is never assigned, so this is a guaranteed ESRCH.
        let pid_max: u32 = fs::read_to_string("/proc/sys/kernel/pid_max")?.trim().parse()?;
        terminate(pid_max)?;
        for bad in [0, 1, std::process::id(), u32::MAX, i32::MAX as u32 + 1] {
            assert_eq!(terminate(bad).map_err(|e| e.kind()), Err(io::ErrorKind::InvalidInput), "pid {bad}");
        }
        assert!(!is_alive(0));
        assert!(is_alive(std::process::id()));
        Ok(())
    }

    #[test]
    fn claude_recognition() {
        let yes: &[&[&str]] = &[
            &["claude"],
            &["claude", "--resume", "x"],
            &["/home/u/.local/bin/claude", "--dangerously-skip-permissions"],
            &["node", "/usr/lib/node_modules/@anthropic-ai/claude-code/cli.js"],
            &["/usr/bin/node", "--no-warnings", "/usr/local/bin/claude"],
            &["/root/.pyenv/versions/3.11.7/bin/python3", "/tmp/t/claude", "-c"],
            &["python3.12", "/x/claude"],
            &["python", "-u", "/x/claude"],
            &["bun", "/x/claude"],
            &["deno", "run", "-A", "/x/claude"],
            &["bash", "/x/claude"],
            &["sh", "--", "claude"],
        ];
        for argv in yes {
            assert!(looks_like_claude(&strings(argv), "claude"), "{argv:?}");
        }
        let no: &[&[&str]] = &[
            &[],
            &[""],
            &["claude-failover", "watch"],
            &["vim", "claude"],
            &["sh", "-c", "claude"],
            &["bash", "-lc", "exec claude"],
            &["node", "-e", "claude"],
            &["python3", "-m", "claude"],
            &["python3", "/x/claude.py"],
            &["python3x", "/x/claude"],
            &["python3.", "/x/claude"],
            &["node", "/x/other.js", "claude"],
            &["node"],
            &["/x/claude/bin/other"],
        ];
        for argv in no {
            assert!(!looks_like_claude(&strings(argv), "claude"), "{argv:?}");
        }
        assert!(looks_like_claude(&strings(&["claude"]), ""));
        assert!(looks_like_claude(&strings(&["cc2", "-r"]), "cc2"));
        assert!(looks_like_claude(&strings(&["/opt/cc2"]), "/opt/cc2"));
        assert!(!looks_like_claude(&strings(&["claude"]), "cc2"));
        // The npm entry point is claude whatever the configured name.
        assert!(looks_like_claude(&strings(&["node", "/n/@anthropic-ai/claude-code/cli.js"]), "cc2"));
    }

    #[test]
    fn claudes_own_arguments_follow_the_program_or_the_script() {
        let args = |argv: &[&str]| program_args(&strings(argv)).map(<[String]>::to_vec);
        assert_eq!(args(&["claude", "--model", "x"]), Some(strings(&["--model", "x"])));
        assert_eq!(args(&["/b/claude"]), Some(vec![]));
        assert_eq!(args(&["/home/u/ai", "-c"]), Some(strings(&["-c"])), "a link under another name");
        assert_eq!(args(&["python3", "-u", "/t/claude", "--resume", "id"]), Some(strings(&["--resume", "id"])));
        assert_eq!(
            args(&["node", "--no-warnings", "/n/@anthropic-ai/claude-code/cli.js", "-c"]),
            Some(strings(&["-c"]))
        );
        assert_eq!(args(&["sh", "--", "claude", "--verbose"]), Some(strings(&["--verbose"])));
        assert_eq!(args(&["sh", "-c", "claude --model x"]), None);
        assert_eq!(args(&[]), None);
    }

    #[test]
    fn find_claude_python_stand_in() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let script = dir.path().join("claude");
        fs::write(&script, "#!/usr/bin/env python3\nimport time\ntime.sleep(30)\n")?;
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755))?;
        let work = tempfile::tempdir()?;
        let cfg = dir.path().join("acct-b");
        // The pane shell: sh runs the script as a child, like an interactive shell would.
        let pane = Spawned::new(
            Command::new("sh")
                .arg("-c")
                .arg(format!("'{}' --dangerously-skip-permissions; true", script.display()))
                .current_dir(work.path())
                .env("CLAUDE_CONFIG_DIR", &cfg),
        )?;
        // env and a pyenv shim may exec a few times before python3 itself runs the script.
        let found = wait_for("python stand-in", || find_claude(pane.pid(), "claude"))?;
        assert_ne!(found.pid, pane.pid());
        assert!(children(pane.pid()).contains(&found.pid));
        assert!(found.argv.iter().any(|a| a.ends_with("/claude")), "{:?}", found.argv);
        assert_eq!(found.cwd, Some(fs::canonicalize(work.path())?));
        assert_eq!(found.config_dir, Some(cfg));
        assert_eq!(find_claude(pane.pid(), "codex"), None);

        // A pane running claude directly is found at depth 0.
        assert_eq!(find_claude(found.pid, "claude").map(|c| c.pid), Some(found.pid));
        terminate(found.pid)?;
        wait_for("stand-in exit", || (!is_alive(found.pid)).then_some(()))?;
        Ok(())
    }

    #[test]
    fn find_claude_none_without_claude() -> Result<()> {
        let sh = Spawned::new(Command::new("sh").args(["-c", "sleep 30; true"]))?;
        wait_for("sleep under sh", || children(sh.pid()).first().copied())?;
        assert_eq!(find_claude(sh.pid(), "claude"), None);
        assert_eq!(find_claude(0, "claude"), None);
        assert_eq!(find_claude(u32::MAX, "claude"), None);
        Ok(())
    }
}
