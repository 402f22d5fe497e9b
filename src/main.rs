use std::process::ExitCode;

fn main() -> ExitCode {
    match claude_failover::cli::main() {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("claude-failover: {e:#}");
            ExitCode::from(1)
        }
    }
}
