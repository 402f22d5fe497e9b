#!/usr/bin/env bash
# claude-failover demo: a tiny stand-in for Claude Code, so the demo needs no Claude account.
# It keeps a transcript and the sessions/<pid>.json registry like the real one, fails --resume
# without a transcript, and prints the resume hint when stopped. SIGUSR1 (sent by the demo when its
# countdown ends) makes it print Claude's usage-limit message.
dir="${CLAUDE_CONFIG_DIR:-$HOME/.claude}"
sid=""
while [ $# -gt 0 ]; do
  case "$1" in
    --resume | -r) sid="$2"; shift 2 ;;
    *) shift ;;
  esac
done
resumed="${sid:+yes}"
[ -n "$sid" ] || sid="$(cat /proc/sys/kernel/random/uuid)"
enc="$(pwd -P | sed 's/[^A-Za-z0-9]/-/g')"
mkdir -p "$dir/projects/$enc" "$dir/sessions"
t="$dir/projects/$enc/$sid.jsonl"
if [ -n "$resumed" ] && [ ! -f "$t" ]; then
  echo "No conversation found with session ID: $sid"
  exit 1
fi
bye() {
  rm -f "$dir/sessions/$$.json"
  printf '\n\033[2mResume this session with:\nclaude --resume %s\033[0m\n' "$sid"
  exit 0
}
say() { printf '%s\n' "$1"; printf '{"type":"assistant","text":"%s"}\n' "$1" >>"$t"; }
limit() {
  msg="You've hit your session limit · resets ${DEMO_RESET:-3pm}"
  printf '\n\033[31m  ⎿  %s\033[0m\n' "$msg"
  printf '{"type":"assistant","text":"%s"}\n' "$msg" >>"$t"
}
trap bye TERM INT
trap limit USR1
# Registered once it can take the limit: the demo sends USR1 to the registered pid.
printf '{"pid":%d,"sessionId":"%s","cwd":"%s","status":"idle"}\n' "$$" "$sid" "$(pwd -P)" >"$dir/sessions/$$.json"
printf '\033[1;38;5;209m✻ Claude Code\033[0m (demo stand-in) · account \033[1m%s\033[0m · %s\n' "$(basename "$dir")" "$(pwd)"
if [ -n "$resumed" ]; then
  printf '\033[2m(resumed %s; history:)\033[0m\n' "$sid"
  sed -n 's/.*"text":"\(.*\)"}$/  │ \1/p' "$t"
else
  say "⏺ Working on it: writing the parser…"
fi
rule='────────────────────────────────────────────────────────────'
while :; do
  # The prompt box as Claude Code 2.1.332 draws it (a `❯` line between two rules); the cursor
  # goes back up into it.
  printf '\033[2m%s\033[0m\n❯ \n\033[2m%s\033[0m\n\033[2A\033[2C' "$rule" "$rule"
  if IFS= read -r line; then
    printf '\033[2K'
    if [ -n "$line" ]; then
      esc=$(printf '%s' "$line" | sed 's/[\\"]/\\&/g')
      printf '{"type":"user","message":{"role":"user","content":"%s"}}\n' "$esc" >>"$t"
      say "⏺ ok: $line — carrying on where we left off."
    fi
  elif [ $? -le 128 ]; then
    bye # end of input; a signal (the limit) just interrupts the read
  fi
done
