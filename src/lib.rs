//! claude-failover: when one Claude account hits its usage limit, every Claude pane in tmux moves
//! to the next account and keeps its conversation; after the reset it moves back.
//!
//! One module per concept; `cli` wires them to subcommands.

pub mod atomic;
pub mod claude;
pub mod cli;
pub mod clock;
pub mod config;
pub mod daemon;
pub mod demo;
pub mod detect;
pub mod drift;
pub mod dry_run;
pub mod events;
pub mod exec;
pub mod faults;
pub mod fleet;
pub mod guard;
pub mod hooks;
pub mod init;
pub mod links;
pub mod login;
pub mod models;
pub mod notify;
pub mod pane_args;
pub mod paths;
pub mod plugin;
pub mod procs;
pub mod relaunch;
pub mod server;
pub mod state;
pub mod status;
pub mod statusline;
pub mod supervise;
pub mod swap;
pub mod term;
pub mod tmux;
pub mod tui;
