#!/usr/bin/env bash
# TPM entry point. Finds the binary, checks its version, loads the config it generates.
# With no binary yet (a first install through TPM), it shows a short status segment and binds
# prefix + <key>, I to build it in a tmux window; the build loads the plugin again by itself.
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
say() { tmux display-message -d 5000 "claude-failover: $*"; }
KEY="$(tmux show-option -gqv @claude-failover-key)"
KEY="${KEY:-A}"

SET="$(tmux show-option -gqv @claude-failover-bin)"
BIN="$SET"
if [ -z "$BIN" ] && [ -x "$DIR/bin/claude-failover" ]; then BIN="$DIR/bin/claude-failover"; fi
if [ -z "$BIN" ]; then BIN="$(command -v claude-failover || true)"; fi
if [ -z "$BIN" ] || [ ! -x "$BIN" ]; then
  # The status placeholder reads the option, as tmux-init would make it, and the option says
  # what to do for as long as it is true.
  for opt in status-left status-right $(tmux show-option -gqv @claude-failover-status-options); do
    v="$(tmux show-option -gqv "$opt")"
    case "$v" in
      *'#{claude_failover_status}'*) tmux set-option -g "$opt" "${v//'#{claude_failover_status}'/'#{@claude-failover-status}'}" ;;
    esac
  done
  tmux set-option -gq @claude-failover-status "#[fg=yellow]claude: prefix $KEY I builds it#[fg=default]"
  printf -v qdir '%q' "$DIR"
  build="cd $qdir && echo 'Building claude-failover (a first build takes about 4 minutes)...' && scripts/install && tmux run-shell $qdir/claude-failover.tmux && echo && echo 'Loaded. Next: claude-failover init, then claude-failover doctor. [Enter closes]'; read -r _"
  tmux unbind-key -q -a -T claude-failover
  tmux bind-key -N "claude-failover: its keys" "$KEY" switch-client -T claude-failover \; \
    display-message -d 4000 "claude-failover: I builds it (about 4 minutes)"
  tmux bind-key -N "claude-failover: build and install the binary (a tmux window)" -T claude-failover I \
    new-window -n claude-failover-build "$build"
  if [ -n "$SET" ]; then
    say "@claude-failover-bin $SET is not a program; fix it, or prefix+$KEY I builds one"
  else
    say "not built yet; prefix+$KEY then I builds it (about 4 min)"
  fi
  exit 0
fi

want="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$DIR/Cargo.toml" 2>/dev/null | head -n 1)"
have="$("$BIN" --version 2>/dev/null | cut -d' ' -f2)"
if [ -n "$want" ] && [ "$have" != "$want" ]; then
  say "$BIN is version ${have:-unknown}, the plugin is $want: prefix + $KEY, then I rebuilds it"
fi

if ! conf="$("$BIN" tmux-init --plugin-dir "$DIR" 2>&1)"; then
  say "tmux-init failed: ${conf##*$'\n'}"
  exit 0
fi
printf '%s\n' "$conf" | tmux source-file - || say "the generated config did not load; see: $BIN tmux-init"
