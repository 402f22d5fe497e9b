#!/usr/bin/env bash
# TPM entry point. Finds the binary, checks its version, loads the config it generates.
# It never builds or downloads anything: that is scripts/install (or prefix + F, I).
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
say() { tmux display-message -d 8000 "claude-failover: $*"; }

BIN="$(tmux show-option -gqv @claude-failover-bin)"
if [ -z "$BIN" ] && [ -x "$DIR/bin/claude-failover" ]; then BIN="$DIR/bin/claude-failover"; fi
if [ -z "$BIN" ]; then BIN="$(command -v claude-failover || true)"; fi
if [ -z "$BIN" ] || [ ! -x "$BIN" ]; then
  say "binary not found: run $DIR/scripts/install, or set @claude-failover-bin"
  exit 0
fi

want="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$DIR/Cargo.toml" 2>/dev/null | head -n 1)"
have="$("$BIN" --version 2>/dev/null | cut -d' ' -f2)"
if [ -n "$want" ] && [ "$have" != "$want" ]; then
  say "$BIN is version ${have:-unknown}, the plugin is $want: run $DIR/scripts/install"
fi

if ! conf="$("$BIN" tmux-init --plugin-dir "$DIR" 2>&1)"; then
  say "tmux-init failed: ${conf##*$'\n'}"
  exit 0
fi
printf '%s\n' "$conf" | tmux source-file - || say "the generated config did not load; see: $BIN tmux-init"
