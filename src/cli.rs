//! The command line: clap definitions and one function per subcommand. Each returns the exit
//! code (0 success, 1 failure or problems found); clap itself exits 2 on usage errors.
//!
//! Commands that only look (`status`, `doctor` without `--fix`, `link --dry-run`) create nothing,
//! not even the state dir.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};

use crate::clock::{Clock, SystemClock};
use crate::config::{self, Config};
use crate::daemon::{self, Server};
use crate::events::EventLog;
use crate::faults::Faults;
use crate::fleet::{Timing, TmuxFleet};
use crate::links;
use crate::paths::{Paths, tildify};
use crate::state::Store;
use crate::status;
use crate::swap::{self, Engine, Outcome, Trigger};
use crate::tmux::{Tmux, TmuxCli};

#[derive(Parser, Debug)]
#[command(name = "claude-failover", version, about = "Move Claude Code panes in tmux to your next account when one hits its usage limit", long_about = None)]
pub struct Cli {
    /// Config file (default: $XDG_CONFIG_HOME/claude-failover/config.toml; env CLAUDE_FAILOVER_CONFIG)
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// tmux server socket (default: the server a bare `tmux` reaches)
    #[arg(long, global = true, value_name = "PATH")]
    pub socket: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Write a config for the Claude logins found (~/.claude, ~/.claude-*, CLAUDE_CONFIG_DIR in shell rc files)
    Init,
    /// Check config, links of every account, claude_dir, degraded flag, tmux; list every problem
    Doctor {
        /// Create what is missing (homes, shared targets, links, claude_dir); never changes what exists
        #[arg(long)]
        fix: bool,
    },
    /// Create missing shared links and claude_dir; with --adopt, move real directories into place
    Link {
        /// Move the entries of real directories into the shared targets (never overwriting)
        #[arg(long)]
        adopt: bool,
        /// Print the plan, change nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Swap to the next available account now (or to --to NAME), relaunching Claude panes
    Swap {
        #[arg(long, value_name = "NAME")]
        to: Option<String>,
    },
    /// Re-check links and claude_dir, and clear the degraded state when all is sound
    Recover,
    /// Show the active account, exhausted accounts, scheduled return, panes
    Status {
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// In a popup: wait for q, Esc or Enter after printing
        #[arg(long, hide = true)]
        popup: bool,
    },
    /// Classify text on stdin (escape sequences allowed): one line per limit message found
    Detect {
        #[arg(long)]
        json: bool,
    },
    /// Run the watcher for one tmux server (started by the tmux plugin; one per server), under a
    /// supervisor that restarts it if it dies
    Daemon {
        /// The watcher itself, without the supervisor (what the supervisor runs)
        #[arg(long, hide = true)]
        worker: bool,
    },
    /// Watch Claude panes: attach/detach a pane's output log, list Claude panes
    Pane {
        #[command(subcommand)]
        action: PaneAction,
    },
    /// Show the event log (detections, swaps, relaunches, failures)
    Events {
        /// Keep printing new events as they happen
        #[arg(long, short)]
        follow: bool,
        #[arg(long)]
        json: bool,
        /// Only the last N events
        #[arg(long, short = 'n', value_name = "N")]
        last: Option<usize>,
        /// In a popup: q, Esc or Enter closes it
        #[arg(long, hide = true)]
        popup: bool,
    },
    /// Print the tmux config the plugin loads (options, key table, hooks, status, daemon start)
    TmuxInit {
        /// The plugin's checkout (for the "build" key)
        #[arg(long, value_name = "DIR")]
        plugin_dir: Option<PathBuf>,
    },
    /// Pause automatic swaps (manual swaps still work); --off resumes them
    Pause {
        #[arg(long, conflicts_with = "toggle")]
        off: bool,
        #[arg(long)]
        toggle: bool,
    },
    /// A two-minute tour in a throwaway world: two fake accounts, a private tmux server, a pane
    /// that hits its limit. Needs no Claude account; removes everything on exit
    Demo {
        /// Run it without attaching (prints the outcome)
        #[arg(long)]
        no_attach: bool,
        /// Seconds after the demo appears before the left pane hits its limit
        #[arg(long, default_value_t = 6)]
        limit_after: u32,
    },
    /// Claude Code hook entry point (reads the hook JSON on stdin); see install-hooks
    Hook {
        #[arg(value_parser = ["session-start", "session-end", "stop-failure", "notification", "stop", "user-prompt-submit", "pre-tool-use"])]
        event: String,
    },
    /// Add our hooks (session tracking, rate-limit failures, the safety guard) to Claude's settings
    InstallHooks {
        /// One account's settings.json (default: every account)
        #[arg(long, value_name = "NAME", conflicts_with = "project")]
        account: Option<String>,
        /// A project's .claude/settings.json
        #[arg(long, value_name = "DIR")]
        project: Option<PathBuf>,
        /// Print the hooks as settings JSON (for `claude --settings`), change nothing
        #[arg(long)]
        print: bool,
        /// Take our hooks out again (every other hook and key is kept)
        #[arg(long, conflicts_with = "print")]
        remove: bool,
    },
    /// (internal) copy stdin to a capped pane log; run by tmux pipe-pane
    #[command(hide = true)]
    PipeLog { file: PathBuf },
    /// Claude Code statusline command: records the account's 5-hour and weekly limits from the
    /// statusline JSON on stdin, then runs your own statusline command (after --) on the same
    /// input; --install wraps the statusLine of every account's settings.json
    #[command(group = clap::ArgGroup::new("edit").args(["install", "remove"]))]
    Statusline {
        /// Put ours in Claude's settings; your statusLine command keeps running behind it
        #[arg(long)]
        install: bool,
        /// Take ours out again; your own statusLine command is put back exactly as it was
        #[arg(long)]
        remove: bool,
        /// One account's settings.json (default: every account)
        #[arg(long, value_name = "NAME", requires = "edit", conflicts_with = "project")]
        account: Option<String>,
        /// A project's .claude/settings.json
        #[arg(long, value_name = "DIR", requires = "edit")]
        project: Option<PathBuf>,
        /// Your own statusline command (one argument: a shell line, as Claude runs it; more: argv)
        #[arg(last = true, value_name = "COMMAND", conflicts_with = "edit")]
        command: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum PaneAction {
    /// Start watching a pane (default: the current one, $TMUX_PANE)
    Attach {
        pane: Option<String>,
        /// Also say it with a tmux message (key bindings)
        #[arg(long)]
        notify: bool,
    },
    /// Stop watching a pane; the daemon will not attach it again
    Detach {
        pane: Option<String>,
        #[arg(long)]
        notify: bool,
    },
    /// Ask the daemon to look for new Claude panes now (tmux hooks run this)
    Rescan,
    /// Claude panes with their account, session and cwd
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Tmux,
    Json,
}

pub fn main() -> Result<u8> {
    let cli = Cli::parse();
    run(cli)
}

/// Everything a command needs, resolved once.
struct Ctx {
    paths: Paths,
    clock: SystemClock,
    socket: Option<PathBuf>,
}

impl Ctx {
    fn config(&self) -> Result<Config> {
        config::load(&self.paths.config_file, &self.paths.home)
    }
    fn tmux(&self) -> TmuxCli {
        TmuxCli::new(self.socket.clone())
    }
}

pub fn run(cli: Cli) -> Result<u8> {
    let ctx =
        Ctx { paths: Paths::from_env(cli.config.as_deref())?, clock: SystemClock::from_env()?, socket: cli.socket };
    match cli.command {
        Command::Init => init(&ctx),
        Command::Doctor { fix } => doctor(&ctx, fix),
        Command::Link { adopt, dry_run } => link(&ctx, adopt, dry_run),
        Command::Swap { to } => swap_now(&ctx, to),
        Command::Recover => recover(&ctx),
        Command::Status { format, popup } => {
            let r = status_cmd(&ctx, format);
            if !popup {
                return r;
            }
            // The popup closes when we exit: what went wrong is shown before, not after.
            let code = r.unwrap_or_else(|e| {
                eprintln!("claude-failover: {e:#}");
                1
            });
            println!("\n[q, Esc or Enter closes]");
            crate::term::wait_for_close_key();
            Ok(code)
        }
        Command::Detect { json } => detect_cmd(&ctx, json),
        Command::Daemon { worker } => daemon_cmd(&ctx, worker),
        Command::Pane { action } => pane_cmd(&ctx, action),
        Command::Events { follow, json, last, popup } => {
            if popup {
                crate::term::exit_on_close_key();
            }
            events_cmd(&ctx, follow, json, last)
        }
        Command::PipeLog { file } => daemon::pipe_log(&file).map(|()| 0),
        Command::Demo { no_attach, limit_after } => {
            crate::demo::run(&crate::demo::Options { attach: !no_attach, limit_after })
        }
        Command::Hook { event } => hook_cmd(&ctx, &event),
        Command::InstallHooks { account, project, print, remove } => {
            install_hooks(&ctx, account, project, print, remove)
        }
        Command::TmuxInit { plugin_dir } => tmux_init(&ctx, plugin_dir.as_deref()),
        Command::Pause { off, toggle } => pause(&ctx, off, toggle),
        Command::Statusline { install, remove, account, project, command } => {
            crate::statusline::command(&ctx.paths, ctx.clock.now(), install, remove, account, project, command)
        }
    }
}

fn init(ctx: &Ctx) -> Result<u8> {
    crate::init::run(&ctx.paths, ctx.clock.now())
}

fn doctor(ctx: &Ctx, fix: bool) -> Result<u8> {
    let mut problems: Vec<String> = Vec::new();
    let mut fixed: Vec<String> = Vec::new();
    let mut advice: Vec<String> = Vec::new();
    match ctx.config() {
        Err(e) => problems.push(format!("{e:#}")),
        Ok(cfg) => {
            println!("config: {}", tildify(&cfg.file, &ctx.paths.home));
            let r = links::ensure_all(&cfg.accounts, &cfg.shared, fix);
            fixed.extend(r.created);
            problems.extend(r.problems.iter().map(ToString::to_string));
            if fix {
                match links::ensure_pointer(&cfg) {
                    Ok(Some(done)) => fixed.push(done),
                    Ok(None) => {}
                    Err(p) => problems.push(p),
                }
            } else if let Some(p) = links::pointer_problem(&cfg, &links::read_pointer(&cfg)) {
                problems.push(p);
            }
            if let Some(p) = claude_command_problem(&cfg.claude_command) {
                problems.push(p);
            }
            // Logins after the links: `--fix` may just have created a home, which has none yet.
            let now = ctx.clock.now();
            for a in &cfg.accounts {
                let l = crate::login::login_state(&a.home, now);
                if !l.is_ok() {
                    problems.push(crate::login::problem(&a.name, &a.home, &l, &cfg.claude_command));
                }
            }
            let st = doctor_state(ctx, fix, &mut problems, &mut fixed);
            if let Some(d) = &st.degraded {
                problems.push(format!(
                    "degraded since {}: {}; fix it, then run 'claude-failover recover'",
                    crate::clock::fmt_utc(d.since),
                    d.reason
                ));
            }
            if let Some(sw) = &st.swap {
                problems.push(format!(
                    "a swap {} -> {} was interrupted ({:?}); the daemon finishes it on start",
                    sw.from, sw.to, sw.phase
                ));
            }
            if st.paused {
                advice.push("automatic swaps are paused".into());
            }
            // Claude Code refuses the flag as root ("cannot be used with root/sudo privileges")
            // unless IS_SANDBOX=1: every relaunched pane would exit at once.
            let bypass = cfg.claude_args.iter().any(|a| a == "--dangerously-skip-permissions");
            // SAFETY: geteuid(2) has no failure mode and touches no memory.
            if bypass && unsafe { libc::geteuid() } == 0 && std::env::var("IS_SANDBOX").as_deref() != Ok("1") {
                problems.push(
                    "claude_args has --dangerously-skip-permissions and this runs as root: Claude Code refuses that flag \
                     as root unless IS_SANDBOX=1 is set (in tmux: set-environment -g IS_SANDBOX 1), so every relaunched \
                     pane would exit at once; set IS_SANDBOX=1 if this machine is a sandbox, or drop the flag"
                        .into(),
                );
            }
            let mut no_hooks: Vec<String> = cfg
                .accounts
                .iter()
                .filter(|a| !crate::hooks::installed(&a.home.join("settings.json")))
                .map(|a| format!("account {}", a.name))
                .collect();
            no_hooks.extend(
                cfg.sessions
                    .iter()
                    .filter(|s| !crate::hooks::installed(&s.project.join(".claude/settings.json")))
                    .map(|s| format!("session {} ({})", s.name, s.project.display())),
            );
            if !no_hooks.is_empty() {
                advice.push(format!("Claude hooks (session tracking, safety guard) not installed for: {}; run 'claude-failover install-hooks'", no_hooks.join(", ")));
            }
        }
    }
    match ctx.tmux().version() {
        Ok(v) if !v.is_empty() => {
            println!("tmux: {v}");
            match daemon_check(ctx) {
                Ok(line) => println!("{line}"),
                Err(a) => advice.push(a),
            }
        }
        _ => problems.push("tmux is not installed or not on PATH; install it (e.g. apt-get install tmux)".into()),
    }
    for f in &fixed {
        println!("fixed: {f}");
    }
    for a in &advice {
        println!("advice: {a}");
    }
    if problems.is_empty() {
        println!("ok: no problems found");
        return Ok(0);
    }
    for p in &problems {
        println!("problem: {p}");
    }
    println!("{} problem(s)", problems.len());
    Ok(1)
}

/// `doctor`'s look at the state file: a file that does not parse is a problem (with `--fix` it is
/// set aside and repaired now, as any read would); a repair not yet acknowledged is a problem
/// while its kept copy exists (`--fix` acknowledges it). Returns the state the other checks use.
fn doctor_state(ctx: &Ctx, fix: bool, problems: &mut Vec<String>, fixed: &mut Vec<String>) -> crate::state::State {
    let store = Store::at(&ctx.paths.state_dir);
    let file = store.path();
    match store.check() {
        Err(e) => {
            problems.push(format!("{e:#}; make it readable (it should be 0600 and yours)"));
            return crate::state::State::default();
        }
        Ok(Some(why)) if !fix => {
            problems.push(format!(
                "state file {} does not parse ({why}); run 'claude-failover doctor --fix' to keep a copy and repair it",
                file.display()
            ));
            return crate::state::State::default();
        }
        Ok(_) => {}
    }
    let mut st = match store.load() {
        Ok(st) => st,
        Err(e) => {
            problems.push(format!("{e:#}"));
            return crate::state::State::default();
        }
    };
    if let Some(r) = st.repaired.clone().filter(|r| r.kept.exists()) {
        if fix {
            match store.update(|s| {
                s.repaired = None;
                Ok(())
            }) {
                Ok(()) => {
                    st.repaired = None;
                    fixed.push(format!(
                        "state file {} was repaired at {} ({}); the corrupt copy stays at {}",
                        file.display(),
                        crate::clock::fmt_utc(r.at),
                        r.error,
                        r.kept.display()
                    ));
                }
                Err(e) => problems.push(format!("cannot acknowledge the repaired state file: {e:#}")),
            }
        } else {
            problems.push(format!(
                "state file {} was corrupt ({}) and was replaced by a repaired state at {}; exhaustion marks, the \
                 scheduled return or pane records may be lost: check 'claude-failover status' (the corrupt copy is \
                 {}), then run 'claude-failover doctor --fix' to acknowledge",
                file.display(),
                r.error,
                crate::clock::fmt_utc(r.at),
                r.kept.display()
            ));
        }
    }
    st
}

/// Where `command` resolves: a path (it has a `/`) must be an executable file; a bare name is
/// looked up on `path` (`$PATH`), as the shell in a pane would.
fn find_executable(command: &str, path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let runnable =
        |p: &std::path::Path| std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
    if command.contains('/') {
        let p = PathBuf::from(command);
        return runnable(&p).then_some(p);
    }
    std::env::split_paths(path?)
        .map(|dir| if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir })
        .map(|dir| dir.join(command))
        .find(|p| runnable(p))
}

/// The problem with `claude_command`, if it resolves to no executable.
fn claude_command_problem(command: &str) -> Option<String> {
    if find_executable(command, std::env::var_os("PATH").as_deref()).is_some() {
        return None;
    }
    Some(if command.contains('/') {
        format!(
            "claude_command '{command}' is not an executable file; install Claude Code or set claude_command to the full path of claude"
        )
    } else {
        format!(
            "claude_command '{command}' is not on PATH; install Claude Code or set claude_command (to the full path if '{command}' is a shell alias)"
        )
    })
}

/// Is a daemon watching this tmux server? `Ok(line)` yes, `Err(advice)` no (SPEC §8: advice).
fn daemon_check(ctx: &Ctx) -> std::result::Result<String, String> {
    let tmux = ctx.tmux();
    if ctx.socket.is_none() && std::env::var_os("TMUX").is_none() && !tmux.server_running() {
        return Err("no tmux server is running: nothing is watched until tmux starts with the plugin loaded".into());
    }
    let server = Server::resolve(&ctx.paths, &tmux).map_err(|e| format!("{e:#}"))?;
    match server.running() {
        Some(Some(pid)) => Ok(format!("daemon: pid {pid} watches tmux server {}", server.socket)),
        Some(None) => Ok(format!("daemon: one holds the lock for tmux server {}", server.socket)),
        None => Err(format!(
            "no daemon runs for tmux server {}: Claude panes there are not protected; reload the plugin \
             ('tmux source-file ~/.tmux.conf') or run: tmux run-shell -b \"exec $(command -v claude-failover) daemon\"",
            server.socket
        )),
    }
}

fn link(ctx: &Ctx, adopt: bool, dry_run: bool) -> Result<u8> {
    let cfg = ctx.config()?;
    let mut bad = false;
    if adopt {
        let steps = links::adopt(&cfg, dry_run);
        if steps.is_empty() {
            println!("nothing to adopt: no real directory sits where a link belongs");
        }
        for s in &steps {
            println!("{}{s}", if dry_run { "would " } else { "" });
            bad |= matches!(s, links::Step::Conflict { .. } | links::Step::Failed { .. });
        }
    }
    if dry_run {
        let r = links::ensure_all(&cfg.accounts, &cfg.shared, false);
        for p in &r.problems {
            if !matches!(p, links::Problem::Missing { .. }) || !adopt {
                println!(
                    "{}{p}",
                    if matches!(p, links::Problem::Missing { .. }) { "would create: " } else { "problem: " }
                );
            }
        }
        return Ok(u8::from(bad));
    }
    let r = links::ensure_all(&cfg.accounts, &cfg.shared, true);
    for c in &r.created {
        println!("{c}");
    }
    for p in &r.problems {
        println!("problem: {p}");
    }
    match links::ensure_pointer(&cfg) {
        Ok(Some(done)) => println!("{done}"),
        Ok(None) => {}
        Err(p) => {
            println!("problem: {p}");
            bad = true;
        }
    }
    if r.ok() && !bad {
        println!(
            "ok: every account links {}",
            cfg.shared.iter().map(|l| l.name.as_str()).collect::<Vec<_>>().join(", ")
        );
        Ok(0)
    } else {
        Ok(1)
    }
}

fn swap_now(ctx: &Ctx, to: Option<String>) -> Result<u8> {
    let cfg = ctx.config()?;
    let store = Store::open(&ctx.paths.state_dir)?;
    let events = EventLog::new(ctx.paths.events_file(), &ctx.clock, false);
    let tmux = ctx.tmux();
    // Without a server there is no pane to move: the swap still points claude_dir (and so every
    // claude started from now on) at the target, and says that nothing else happened.
    let no_server = !tmux.server_running();
    let fleet = TmuxFleet { cfg: &cfg, tmux: &tmux, store: &store, timing: Timing::default() };
    let engine = Engine {
        cfg: &cfg,
        store: &store,
        clock: &ctx.clock,
        fleet: &fleet,
        events: &events,
        faults: Faults::from_env(),
    };
    match engine.run(Trigger::Manual { to }) {
        Ok(Outcome::Swapped { from, to, relaunched, failed }) => {
            crate::notify::swapped(&cfg, &tmux, &events, &from, &to, relaunched.len(), failed.len());
            println!("swapped {from} -> {to}: {} pane(s) resumed", relaunched.len());
            for (pane, e) in &failed {
                println!("problem: {pane}: {e}");
            }
            if no_server {
                let server = match &ctx.socket {
                    Some(s) => format!(" at {}", s.display()),
                    None => String::new(),
                };
                println!(
                    "note: no pane was moved: no tmux server is running{server}; {} now points at {to}, so a claude started from now on uses {to}",
                    tildify(&cfg.claude_dir, &ctx.paths.home)
                );
            }
            Ok(u8::from(!failed.is_empty()))
        }
        Ok(Outcome::Skipped(why)) => {
            let _ = tmux.display_message(&format!("claude-failover: {why}"));
            println!("{why}");
            Ok(0)
        }
        Ok(other) => {
            println!("{other:?}");
            Ok(0)
        }
        Err(e) => {
            let msg = e.full();
            crate::notify::send(&cfg, &tmux, &events, &format!("swap failed: {msg}"));
            eprintln!("claude-failover: {msg}");
            if no_server {
                eprintln!("claude-failover: no tmux server is running, and no pane was moved");
            }
            Ok(1)
        }
    }
}

fn recover(ctx: &Ctx) -> Result<u8> {
    let cfg = ctx.config()?;
    let store = Store::open(&ctx.paths.state_dir)?;
    let events = EventLog::new(ctx.paths.events_file(), &ctx.clock, false);
    let was = store.load()?.degraded;
    let problems = swap::recover(&cfg, &store, &ctx.clock, &events)?;
    if problems.is_empty() {
        match was {
            Some(d) => println!("recovered: the degraded state is cleared (it was: {})", d.reason),
            None => println!("ok: nothing to recover"),
        }
        return Ok(0);
    }
    for p in &problems {
        println!("problem: {p}");
    }
    println!("still degraded: fix the problem(s) above and run 'claude-failover recover' again");
    Ok(1)
}

fn status_cmd(ctx: &Ctx, format: Format) -> Result<u8> {
    let cfg = match ctx.config() {
        Ok(c) => c,
        Err(e) if format == Format::Tmux => {
            // A status line must not show a wall of text; the popup and doctor say more.
            let _ = e;
            println!("{}", status::render_no_config(&status::TmuxStyle::default()));
            return Ok(1);
        }
        Err(e) => return Err(e),
    };
    let st = Store::at(&ctx.paths.state_dir).load()?;
    let pointer = links::read_pointer(&cfg);
    let problem = links::pointer_problem(&cfg, &pointer);
    let now = ctx.clock.now();
    // A status that cannot see a daemon says so: nothing would act on a limit.
    let daemon = Server::resolve(&ctx.paths, &ctx.tmux()).ok().map(|s| s.running());
    let mut s = status::build(&cfg, &st, &pointer, problem, now)
        .with_logins(&cfg, now)
        .with_usage(|a| crate::statusline::read_usage(&ctx.paths, a));
    if let Some(running) = daemon {
        s = s.with_daemon(running);
    }
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&s)?),
        Format::Tmux => println!("{}", status::render_tmux(&s, &status::TmuxStyle::default(), now)),
        Format::Human => print!("{}", status::render_human(&s, &cfg, &ctx.paths.home, now, &ctx.clock.local_zone())),
    }
    Ok(0)
}

fn detect_cmd(ctx: &Ctx, json: bool) -> Result<u8> {
    use std::io::Read;
    // Extra patterns come from the config when there is one; detect works without it too.
    let extra = ctx.config().map(|c| c.extra_patterns).unwrap_or_default();
    let det = crate::detect::Detector::new(&extra).map_err(|e| anyhow::anyhow!("{e}"))?;
    let now = ctx.clock.now();
    let local = ctx.clock.local_zone();
    let mut stream = crate::detect::Stream::new();
    let mut stdin = std::io::stdin().lock();
    let mut buf = vec![0u8; 64 * 1024];
    let mut found = Vec::new();
    loop {
        let n = match stdin.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).context("reading stdin"),
        };
        found.extend(stream.feed(&det, &buf[..n], now, &local));
    }
    found.extend(stream.flush(&det, now, &local));
    for d in found {
        if json {
            println!("{}", serde_json::to_string(&d)?);
        } else {
            let reset = d.resets_at.map(crate::clock::fmt_utc).unwrap_or_else(|| "-".into());
            let kind = serde_json::to_value(d.kind)?.as_str().unwrap_or("?").to_string();
            println!("{kind:9} {:12} {reset:20}  {}", d.limit.as_deref().unwrap_or("-"), d.text);
        }
    }
    Ok(0)
}

fn daemon_cmd(ctx: &Ctx, worker: bool) -> Result<u8> {
    use crate::events::Sink;
    if !worker {
        let tmux = ctx.tmux();
        let server = Server::resolve(&ctx.paths, &tmux)?;
        let events = EventLog::new(ctx.paths.events_file(), &ctx.clock, true);
        return crate::supervise::run(&server, &tmux, &ctx.paths.config_file, &|| ctx.config(), &events);
    }
    crate::supervise::bind_to_supervisor();
    // Read before loading: if the file changes in between, the daemon sees a change and reloads.
    let mut bytes = std::fs::read(&ctx.paths.config_file).ok();
    let mut cfg = ctx.config()?;
    let tmux = ctx.tmux();
    let server = Server::resolve(&ctx.paths, &tmux)?;
    let Some(_lock) = daemon::lock(&server)? else {
        match server.daemon_pid() {
            Some(pid) => println!("a daemon (pid {pid}) already watches tmux server {}", server.socket),
            None => println!("a daemon already watches tmux server {}", server.socket),
        }
        return Ok(0);
    };
    crate::notify::IN_DAEMON.store(true, std::sync::atomic::Ordering::Relaxed);
    let store = Store::open(&ctx.paths.state_dir)?;
    let events = EventLog::new(ctx.paths.events_file(), &ctx.clock, true);
    // After a reload, the config it replaced: a new one the daemon cannot start with falls back.
    let mut previous: Option<crate::config::Config> = None;
    loop {
        let faults = Faults::from_env();
        let mut d =
            match daemon::Daemon::new(&cfg, &ctx.paths, &store, &ctx.clock, &tmux, &events, server.clone(), faults) {
                Ok(d) => d,
                Err(e) => match previous.take() {
                    Some(p) => {
                        let msg = format!("cannot run with the reloaded config; keeping the running one: {e:#}");
                        events.emit("warning", &msg, serde_json::json!({}));
                        cfg = p;
                        continue;
                    }
                    None => return Err(e),
                },
            };
        if previous.take().is_some() {
            let msg = format!("reloaded {}", ctx.paths.config_file.display());
            events.emit("config_reloaded", &msg, serde_json::json!({}));
        }
        d.loaded_config = bytes.take();
        if d.run()? == daemon::Stop::Quit {
            return Ok(0);
        }
        // The daemon checked the new file; it is read again here (it may have changed since). A
        // config that no longer loads keeps the running one; either way only a further edit of
        // the file is taken up next.
        bytes = std::fs::read(&ctx.paths.config_file).ok();
        match ctx.config() {
            Ok(c) => previous = Some(std::mem::replace(&mut cfg, c)),
            Err(e) => {
                let msg = format!("cannot reload the config; keeping the running one: {e:#}");
                events.emit("warning", &msg, serde_json::json!({}));
            }
        }
    }
}

fn target_pane(pane: Option<String>) -> Result<String> {
    let p = pane
        .or_else(|| std::env::var("TMUX_PANE").ok())
        .context("no pane given and not inside tmux ($TMUX_PANE is unset)")?;
    if !crate::tmux::valid_pane_id(&p) {
        anyhow::bail!("{p:?} is not a tmux pane id (like %3)");
    }
    Ok(p)
}

fn find_pane(tmux: &dyn crate::tmux::Tmux, pane: &str) -> Result<crate::tmux::PaneInfo> {
    tmux.list_panes()?.into_iter().find(|p| p.id == pane).with_context(|| format!("no pane {pane} on this tmux server"))
}

fn pane_cmd(ctx: &Ctx, action: PaneAction) -> Result<u8> {
    let tmux = ctx.tmux();
    let server = Server::resolve(&ctx.paths, &tmux)?;
    let store = Store::open(&ctx.paths.state_dir)?;
    match action {
        PaneAction::Attach { pane, notify } => {
            let pane = target_pane(pane)?;
            let info = find_pane(&tmux, &pane)?;
            let log = daemon::attach(&tmux, &server, &info)?;
            store.update(|s| {
                s.panes.entry(pane.clone()).or_default().detached = false;
                Ok(())
            })?;
            println!("watching {pane} ({})", log.display());
            if notify {
                let _ = tmux.display_message(&format!("claude-failover: watching {pane}"));
            }
            if server.running().is_none() {
                println!(
                    "note: no daemon runs for this tmux server; start it with the tmux plugin or 'claude-failover daemon'"
                );
            }
            Ok(0)
        }
        PaneAction::Detach { pane, notify } => {
            let pane = target_pane(pane)?;
            let info = find_pane(&tmux, &pane)?;
            store.update(|s| {
                s.panes.entry(pane.clone()).or_default().detached = true;
                Ok(())
            })?;
            daemon::detach(&tmux, &server, &info)?;
            println!("stopped watching {pane}");
            if notify {
                let _ = tmux.display_message(&format!("claude-failover: stopped watching {pane}"));
            }
            Ok(0)
        }
        PaneAction::Rescan => {
            // This runs from tmux hooks (a new window, pane or session). With a daemon, ask it to
            // look; without one (it and its supervisor were killed), start one: a new daemon
            // looks at every pane as it starts.
            if server.running().is_some() {
                daemon::post(&server, &daemon::Inbox::Rescan)?;
            } else if ctx.config().is_ok() {
                let bin = std::env::current_exe().context("cannot find this program's own path")?;
                // run-shell format-expands its command first: every `#` doubled.
                let line = format!(
                    "exec {} --socket {} daemon >/dev/null 2>&1",
                    crate::tmux::shell_quote(&bin.to_string_lossy()),
                    crate::tmux::shell_quote(&server.socket)
                )
                .replace('#', "##");
                tmux.run(&["run-shell", "-b", &line])?;
            }
            Ok(0)
        }
        PaneAction::List { json } => {
            let cfg = ctx.config()?;
            let fleet = TmuxFleet { cfg: &cfg, tmux: &tmux, store: &store, timing: Timing::default() };
            let st = store.load()?;
            let rows: Vec<serde_json::Value> = tmux
                .list_panes()?
                .iter()
                .filter_map(|p| {
                    let rec = st.panes.get(&p.id);
                    let saved = fleet.saved_pane(p);
                    if saved.is_none() && rec.and_then(|r| r.session_id.as_ref()).is_none() {
                        return None;
                    }
                    Some(serde_json::json!({
                        "pane": p.id,
                        "session": p.session,
                        "claude": saved.is_some(),
                        "account": saved.as_ref().and_then(|s| s.account.clone()).or_else(|| rec.and_then(|r| r.account.clone())),
                        "session_id": saved.as_ref().and_then(|s| s.session_id.clone()).or_else(|| rec.and_then(|r| r.session_id.clone())),
                        "cwd": saved.as_ref().map(|s| s.cwd.display().to_string()).or_else(|| rec.and_then(|r| r.cwd.as_ref().map(|c| c.display().to_string()))),
                        "activity": rec.and_then(|r| r.activity.clone()),
                        "attached": server.log_of(&p.id).exists(),
                        "unwatched": rec.and_then(|r| r.unwatched.clone()),
                    }))
                })
                .collect();
            if json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else if rows.is_empty() {
                println!("no Claude panes");
            } else {
                for r in &rows {
                    let s = |k: &str| r[k].as_str().unwrap_or("-").to_string();
                    println!(
                        "{:5} {:10} {:36} {:9} {}{}",
                        s("pane"),
                        s("account"),
                        s("session_id"),
                        if r["attached"] == true { "watched" } else { "unwatched" },
                        s("cwd"),
                        r["activity"].as_str().map(|a| format!("  [{a}]")).unwrap_or_default()
                    );
                    if let Some(why) = r["unwatched"].as_str() {
                        println!("      not watched: {why}");
                    }
                }
            }
            Ok(0)
        }
    }
}

fn print_event(line: &str, json: bool) {
    if json {
        println!("{line}");
        return;
    }
    match serde_json::from_str::<serde_json::Value>(line) {
        // The time in this machine's zone, as the person reading it lives in it.
        Ok(v) => println!(
            "{} {:16} {}",
            v["at"]
                .as_str()
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                .map(|t| t.to_zoned(jiff::tz::TimeZone::system()).strftime("%b %-d %H:%M:%S").to_string())
                .unwrap_or_else(|| "?".into()),
            v["event"].as_str().unwrap_or("?"),
            v["message"].as_str().unwrap_or("")
        ),
        Err(_) => println!("{line}"),
    }
}

fn events_cmd(ctx: &Ctx, follow: bool, json: bool, last: Option<usize>) -> Result<u8> {
    use std::io::{BufRead, Seek};
    let path = ctx.paths.events_file();
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let skip = last.map_or(0, |n| lines.len().saturating_sub(n));
    for l in &lines[skip..] {
        print_event(l, json);
    }
    if !follow {
        return Ok(0);
    }
    use notify::Watcher;
    crate::atomic::private_dir(&ctx.paths.state_dir)?;
    let (tx, rx) = std::sync::mpsc::channel();
    let mut w = notify::recommended_watcher(move |_res: notify::Result<notify::Event>| {
        let _ = tx.send(());
    })?;
    w.watch(&ctx.paths.state_dir, notify::RecursiveMode::NonRecursive)?;
    let mut offset = text.len() as u64;
    loop {
        if rx.recv().is_err() {
            return Ok(0);
        }
        let Ok(mut f) = std::fs::File::open(&path) else { continue };
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        if len < offset {
            offset = 0; // rotated
        }
        f.seek(std::io::SeekFrom::Start(offset))?;
        let mut r = std::io::BufReader::new(f);
        let mut line = String::new();
        while r.read_line(&mut line)? > 0 {
            if !line.ends_with('\n') {
                break;
            }
            offset += line.len() as u64;
            print_event(line.trim_end(), json);
            line.clear();
        }
    }
}

/// The status segment as the daemon would push it: for tmux-init's first value and `status`.
fn tmux_segment(ctx: &Ctx, style: &status::TmuxStyle) -> String {
    let Ok(cfg) = ctx.config() else { return status::render_no_config(style) };
    let st = Store::at(&ctx.paths.state_dir).load().unwrap_or_default();
    let pointer = links::read_pointer(&cfg);
    let problem = links::pointer_problem(&cfg, &pointer);
    let now = ctx.clock.now();
    let s =
        status::build(&cfg, &st, &pointer, problem, now).with_usage(|a| crate::statusline::read_usage(&ctx.paths, a));
    status::render_tmux(&s, style, now)
}

fn tmux_init(ctx: &Ctx, plugin_dir: Option<&std::path::Path>) -> Result<u8> {
    let tmux = ctx.tmux();
    if !tmux.server_running() {
        anyhow::bail!("no tmux server to configure: tmux-init is run by the plugin from inside tmux");
    }
    let options = tmux.global_options();
    let bin = match options.get("@claude-failover-bin").filter(|b| !b.is_empty()) {
        Some(b) => PathBuf::from(b),
        None => std::env::current_exe().context("cannot find this program's own path")?,
    };
    let plugin: std::collections::HashMap<String, String> = options
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("@claude-failover-")?.to_string(), v.clone())))
        .collect();
    let init = crate::plugin::Init {
        bin: &bin,
        plugin_dir,
        options: &options,
        popups: tmux.at_least(3, 2),
        initial_status: tmux_segment(ctx, &status::TmuxStyle::from_options(&plugin)),
    };
    print!("{}", crate::plugin::render(&init));
    Ok(0)
}

fn pause(ctx: &Ctx, off: bool, toggle: bool) -> Result<u8> {
    let store = Store::open(&ctx.paths.state_dir)?;
    let paused = store.update(|s| {
        s.paused = if toggle { !s.paused } else { !off };
        Ok(s.paused)
    })?;
    let msg = if paused { "automatic swaps paused (manual swaps still work)" } else { "automatic swaps resumed" };
    let _ = ctx.tmux().display_message(&format!("claude-failover: {msg}"));
    println!("{msg}");
    Ok(0)
}

fn hook_cmd(ctx: &Ctx, event: &str) -> Result<u8> {
    let input = crate::hooks::read_input();
    let cfg = ctx.config().ok();
    let store = Store::at(&ctx.paths.state_dir);
    let events = EventLog::new(ctx.paths.events_file(), &ctx.clock, false);
    // Only $TMUX: a hook must not spend a tmux round-trip to find its server.
    let server = std::env::var_os("TMUX").and_then(|_| Server::resolve(&ctx.paths, &ctx.tmux()).ok());
    let hctx = crate::hooks::HookCtx {
        cfg: cfg.as_ref(),
        store: &store,
        events: &events,
        server,
        home: &ctx.paths.home,
        now: ctx.clock.now(),
    };
    match crate::hooks::handle(event, &input, &hctx) {
        Ok(crate::hooks::Outcome::Done) => Ok(0),
        Ok(crate::hooks::Outcome::Deny(reason)) => {
            // Exit 2: Claude Code blocks the tool call and shows this to the model.
            eprintln!("claude-failover guard: {reason}");
            Ok(2)
        }
        Err(e) => {
            // Our own failure never fails the user's session.
            crate::events::Sink::emit(&events, "hook_error", &format!("hook {event}: {e:#}"), serde_json::json!({}));
            Ok(0)
        }
    }
}

fn install_hooks(
    ctx: &Ctx,
    account: Option<String>,
    project: Option<PathBuf>,
    print: bool,
    remove: bool,
) -> Result<u8> {
    let bin = std::env::current_exe().context("cannot find this program's own path")?;
    if print {
        println!("{}", serde_json::to_string_pretty(&crate::hooks::settings(&bin))?);
        return Ok(0);
    }
    let targets: Vec<PathBuf> = match (account, project) {
        (_, Some(dir)) => vec![dir.join(".claude/settings.json")],
        (Some(name), None) => {
            let cfg = ctx.config()?;
            let a =
                cfg.account(&name).with_context(|| format!("no account named {name:?} in {}", cfg.file.display()))?;
            vec![a.home.join("settings.json")]
        }
        (None, None) => ctx.config()?.accounts.iter().map(|a| a.home.join("settings.json")).collect(),
    };
    let mut failed = false;
    for t in targets {
        let r = if remove { crate::hooks::uninstall(&t) } else { crate::hooks::install(&t, &bin) };
        match r {
            Ok(true) if remove => println!("removed our hooks from {}", t.display()),
            Ok(false) if remove => println!("no hooks of ours in {}", t.display()),
            Ok(true) => println!("installed hooks in {}", t.display()),
            Ok(false) => println!("hooks already in {}", t.display()),
            Err(e) => {
                eprintln!("claude-failover: {e:#}");
                failed = true;
            }
        }
    }
    Ok(u8::from(failed))
}
