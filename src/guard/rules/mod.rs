//! The built-in rules, one file per family, each an `impl Walker` block so a rule can resolve
//! paths in the walker's environment and recurse into nested scripts. The walker's `simple`
//! decides which rule sees which command.

mod accounts;
mod devices;
mod git;
mod interpreters;
mod pipes;
pub(super) mod recursive;
mod remote;
mod runners;
mod scripts;
