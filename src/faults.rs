//! Fault points: named places in the swap where a test can make the next step fail, pause, or
//! kill the process, to prove rollback, the degraded state and crash recovery on the real binary.
//!
//! Set with `CLAUDE_FAILOVER_FAULTS="swap.rollback=error,swap.after_flip=abort"` (actions:
//! `error`, `abort`, `sleep:<ms>`; `@N` after an action applies it from the N-th hit on, so
//! `swap.relaunch=sleep:5000@2` lets the first pane through and holds the others). The engine
//! holds a [`Faults`] value (no global), so unit tests inject their own. With the variable unset
//! every point is a no-op. The daemon has two more: `daemon.found` (a limit read and saved, not
//! yet acted on) and `daemon.recovering` (about to act on limits a killed daemon left pending).

use std::collections::HashMap;
use std::time::Duration;

#[derive(Debug, Clone, Default)]
pub struct Faults(HashMap<String, String>, std::sync::Arc<std::sync::Mutex<HashMap<String, u32>>>);

impl Faults {
    pub fn none() -> Self {
        Faults::default()
    }

    pub fn from_env() -> Self {
        Self::parse(&std::env::var("CLAUDE_FAILOVER_FAULTS").unwrap_or_default())
    }

    pub fn parse(spec: &str) -> Self {
        Faults(
            spec.split(',')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .collect(),
            Default::default(),
        )
    }

    /// Run the fault at `point`, if any: `Err` for `error`, never returns for `abort`.
    pub fn hit(&self, point: &str) -> anyhow::Result<()> {
        let Some(spec) = self.0.get(point) else { return Ok(()) };
        let (action, from) = match spec.split_once('@') {
            Some((a, n)) => (a, n.parse().unwrap_or(1)),
            None => (spec.as_str(), 1),
        };
        let n = {
            let mut hits = self.1.lock().unwrap_or_else(|e| e.into_inner());
            let c = hits.entry(point.to_string()).or_insert(0);
            *c += 1;
            *c
        };
        if n < from {
            return Ok(());
        }
        match action {
            "error" => anyhow::bail!("injected fault at {point}"),
            "abort" => std::process::abort(),
            other => {
                if let Some(ms) = other.strip_prefix("sleep:").and_then(|m| m.parse().ok()) {
                    std::thread::sleep(Duration::from_millis(ms));
                }
                Ok(())
            }
        }
    }
}
