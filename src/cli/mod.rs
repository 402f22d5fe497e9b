//! The command line: clap definitions, the context every command gets, and the dispatch to one
//! function per subcommand, grouped by family: `setup` (init, doctor, link), `accounts` (swap,
//! recover, status, pause, events), `daemon` (daemon, pane, tmux-init, detect) and `hooks`
//! (install-hooks, hook). Each returns the exit code (0 success, 1 failure or problems found);
//! clap itself exits 2 on usage errors.
//!
//! Commands that only look (`status`, `doctor` without `--fix`, `link --dry-run`) create nothing,
//! not even the state dir.

mod accounts;
mod daemon;
mod hooks;
mod setup;
mod uninstall;

use crate::clock::Clock;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};

use crate::clock::SystemClock;
use crate::config::{self, Config};
use crate::paths::Paths;
use crate::tmux::TmuxCli;

use accounts::{events_cmd, pause, recover, status_cmd, swap_now};
use daemon::{daemon_cmd, detect_cmd, pane_cmd, tmux_init};
use hooks::{hook_cmd, install_hooks};
use setup::{doctor, init, link};

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
        /// Only make sure one runs: start it if nothing watches this server (what the status
        /// line's job and tmux hooks run; silent and cheap while one runs)
        #[arg(long, conflicts_with = "worker")]
        ensure: bool,
        /// Run in the background, in a session of its own, and return once it runs: what tmux
        /// starts (`run-shell -b` would otherwise report a killed daemon into a pane)
        #[arg(long, conflicts_with_all = ["worker", "ensure"])]
        detach: bool,
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
    /// (internal) the ~/.tmux.conf lines that load the plugin from a clone (scripts/install)
    #[command(hide = true)]
    InstallLines {
        #[arg(long)]
        plugin_dir: PathBuf,
    },
    /// Take claude-failover out of this tmux server and Claude's settings: stops this server's
    /// daemon, removes the key table, the hooks, the status segment, the Claude hooks and the
    /// statusline wrappers; shows how the shared links would be undone (`--unlink` does it)
    Uninstall {
        /// Also undo the shared links: each becomes a copy of its shared dir (nothing deleted)
        #[arg(long)]
        unlink: bool,
        /// Only show what the links' undoing would do; change nothing
        #[arg(long)]
        dry_run: bool,
    },
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
    // A format tmux did not expand (a popup's command is not expanded) names no server: `$TMUX`
    // then says which, as in a shell.
    // With neither, the tmux server we run under (a `#()` job, a `run-shell`) names itself, so
    // every surface looks at the same server whatever the caller's environment.
    let socket = cli.socket.filter(|s| !s.to_string_lossy().contains("#{")).or_else(|| {
        std::env::var_os("TMUX").filter(|t| !t.is_empty()).is_none().then(crate::procs::ancestor_tmux_socket).flatten()
    });
    let ctx = Ctx { paths: Paths::from_env(cli.config.as_deref())?, clock: SystemClock::from_env()?, socket };
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
        Command::Daemon { worker, ensure, detach } => daemon_cmd(&ctx, worker, ensure, detach),
        Command::Pane { action } => pane_cmd(&ctx, action),
        Command::Events { follow, json, last, popup } => {
            if popup {
                crate::term::exit_on_close_key();
            }
            events_cmd(&ctx, follow, json, last)
        }
        Command::PipeLog { file } => {
            crate::daemon::pipe_log(&file, ctx.socket.as_deref().and_then(std::path::Path::to_str)).map(|()| 0)
        }
        Command::Demo { no_attach, limit_after } => {
            crate::demo::run(&crate::demo::Options { attach: !no_attach, limit_after })
        }
        Command::Hook { event } => hook_cmd(&ctx, &event),
        Command::InstallHooks { account, project, print, remove } => {
            install_hooks(&ctx, account, project, print, remove)
        }
        Command::TmuxInit { plugin_dir } => tmux_init(&ctx, plugin_dir.as_deref()),
        Command::Pause { off, toggle } => pause(&ctx, off, toggle),
        Command::InstallLines { plugin_dir } => {
            let origin = crate::plugin::clone_origin(&plugin_dir);
            for l in crate::plugin::install_lines(&plugin_dir, origin.as_deref()) {
                println!("{l}");
            }
            Ok(0)
        }
        Command::Uninstall { unlink, dry_run } => uninstall::uninstall(&ctx, unlink, dry_run),
        Command::Statusline { install, remove, account, project, command } => {
            crate::statusline::command(&ctx.paths, ctx.clock.now(), install, remove, account, project, command)
        }
    }
}
