//! One integration test binary (links once): a module per area. Every test runs in its own temp
//! HOME with XDG dirs, state dir and TMUX_TMPDIR inside it, and no inherited TMUX/TMUX_PANE.

mod always;
mod common;
mod core_cli;
mod core_links;
mod crash;
mod demo;
mod detect_e2e;
mod doctor;
mod drift;
mod first_run;
mod fuzz_replay;
mod guard_corpus;
mod honest;
mod hooks_e2e;
mod house;
mod order;
mod plugin;
mod real_cli;
mod real_smart;
mod reliability;
mod screens;
mod smart;
mod statusline;
mod truth;
mod turns;
mod world;
