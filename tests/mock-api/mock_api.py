#!/usr/bin/env python3
"""A loopback mock of the Anthropic Messages API for running the real Claude Code CLI offline.

    mock_api.py DIR

Listens on 127.0.0.1 (a free port, written to DIR/port once it accepts connections) and answers
`POST /v1/messages` with SSE streaming replies. Everything a test needs goes through files in DIR,
so a test needs no HTTP client:

- DIR/modes.json (read on every request; write it atomically): what each credential gets,
  `{"<credential>": {"mode": "...", "reset": <epoch s>, "delay_ms": <n>, "only_model": "opus"}, "*": {...}}`
  (`only_model`: the mode applies only to requests whose model contains it; others get ok).
  A credential is the bearer token (subscription login) or the x-api-key; "*" is the default.
  Modes:
    ok                     a streamed answer: "ok: <the prompt>"
    five_hour, seven_day, seven_day_opus, seven_day_sonnet, seven_day_overage_included
                           the subscription 429: `anthropic-ratelimit-unified-status: rejected`,
                           `-reset`, `-representative-claim: <mode>`, `-5h-*`/`-7d-*`, retry-after
    plain429               a 429 without unified headers and `x-should-retry: false`
    overloaded             529 overloaded_error with `x-should-retry: false` (no 3-minute retry loop)
    unauthorized           401 authentication_error
  `reset` defaults to now + 2 h, and once it has passed the credential gets ok again; `delay_ms` holds an ok answer that long before it streams
  (a turn in progress).
- DIR/requests.jsonl: one JSON line per request, appended before it is answered:
  `{"t", "path", "credential", "session", "model", "prompt", "mode", "status"}`, where `prompt` is
  the text of the last user message and `session` the `x-claude-code-session-id` header.

Loopback only; it stops by itself when DIR disappears or after --max-seconds (default 1800).
"""

import json
import os
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR = sys.argv[1]
MAX_SECONDS = 1800
for i, a in enumerate(sys.argv):
    if a == "--max-seconds" and i + 1 < len(sys.argv):
        MAX_SECONDS = int(sys.argv[i + 1])

LOCK = threading.Lock()

# The body of every 429: with the unified headers Claude Code composes its own limit line and does
# not show this message; without them it prints it.
RATE_LIMITED = {
    "type": "error",
    "error": {
        "type": "rate_limit_error",
        "message": "This request would exceed your account's rate limit. Please try again later.",
    },
}

CLAIM_WINDOW = {
    "five_hour": "5h",
    "seven_day": "7d",
    "seven_day_opus": "7d",
    "seven_day_sonnet": "7d",
    "seven_day_overage_included": "7d",
}


def modes():
    try:
        with open(os.path.join(DIR, "modes.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def credential_of(headers):
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return headers.get("x-api-key", "").strip()


def last_user_text(body):
    for m in reversed(body.get("messages") or []):
        if m.get("role") != "user":
            continue
        c = m.get("content")
        if isinstance(c, str):
            return c
        if isinstance(c, list):
            texts = [b.get("text", "") for b in c if isinstance(b, dict) and b.get("type") == "text"]
            # Claude Code puts reminders before the typed text: the typed text is last.
            texts = [t for t in texts if not t.lstrip().startswith("<system-reminder>")]
            return texts[-1] if texts else ""
    return ""


def record(entry):
    with LOCK, open(os.path.join(DIR, "requests.jsonl"), "a") as f:
        f.write(json.dumps(entry) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, status, obj, headers=()):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("request-id", "req_" + uuid.uuid4().hex[:24])
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        record({"t": time.time(), "path": self.path, "method": "GET"})
        self.send_json(404, {"type": "error", "error": {"type": "not_found_error", "message": "mock"}})

    def do_HEAD(self):
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        cred = credential_of(self.headers)
        table = modes()
        conf = table.get(cred) or table.get("*") or {}
        mode = conf.get("mode", "ok")
        if mode in CLAIM_WINDOW and conf.get("reset") and time.time() >= conf["reset"]:
            mode = "ok"  # the limit has reset
        # A model-scoped limit (`seven_day_opus`): only requests for that model are refused.
        only = conf.get("only_model")
        if only and only not in str(body.get("model") or ""):
            mode = "ok"
        path = self.path.split("?")[0]
        if path != "/v1/messages":
            record({"t": time.time(), "path": self.path, "credential": cred, "status": 404})
            self.send_json(404, {"type": "error", "error": {"type": "not_found_error", "message": "mock"}})
            return
        status = {"ok": 200, "plain429": 429, "overloaded": 529, "unauthorized": 401}.get(mode, 429)
        record(
            {
                "t": time.time(),
                "path": path,
                "credential": cred,
                "session": self.headers.get("x-claude-code-session-id"),
                "model": body.get("model"),
                "prompt": last_user_text(body),
                "mode": mode,
                "status": status,
            }
        )
        if mode == "ok":
            delay = conf.get("delay_ms", 0)
            if delay:
                time.sleep(delay / 1000)
            self.stream_ok(body)
        elif mode in CLAIM_WINDOW:
            reset = int(conf.get("reset") or time.time() + 7200)
            w = CLAIM_WINDOW[mode]
            self.send_json(
                429,
                RATE_LIMITED,
                [
                    ("anthropic-ratelimit-unified-status", "rejected"),
                    ("anthropic-ratelimit-unified-reset", str(reset)),
                    ("anthropic-ratelimit-unified-representative-claim", mode),
                    (f"anthropic-ratelimit-unified-{w}-status", "rejected"),
                    (f"anthropic-ratelimit-unified-{w}-reset", str(reset)),
                    ("retry-after", str(max(1, reset - int(time.time())))),
                ],
            )
        elif mode == "plain429":
            self.send_json(
                429,
                RATE_LIMITED,
                [("x-should-retry", "false"), ("retry-after", "1")],
            )
        elif mode == "overloaded":
            self.send_json(
                529,
                {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
                [("x-should-retry", "false")],
            )
        else:
            self.send_json(
                401,
                {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}},
                [("x-should-retry", "false")],
            )

    def stream_ok(self, body):
        model = body.get("model") or "claude-mock"
        text = "ok: " + (last_user_text(body)[:200] or "(empty)")
        mid = "msg_" + uuid.uuid4().hex[:24]
        events = [
            (
                "message_start",
                {
                    "type": "message_start",
                    "message": {
                        "id": mid,
                        "type": "message",
                        "role": "assistant",
                        "model": model,
                        "content": [],
                        "stop_reason": None,
                        "stop_sequence": None,
                        "usage": {"input_tokens": 10, "output_tokens": 1},
                    },
                },
            ),
            ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
            ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}}),
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            (
                "message_delta",
                {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": 5}},
            ),
            ("message_stop", {"type": "message_stop"}),
        ]
        data = b"".join(f"event: {name}\ndata: {json.dumps(obj)}\n\n".encode() for name, obj in events)
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("content-length", str(len(data)))
        self.send_header("request-id", "req_" + uuid.uuid4().hex[:24])
        self.send_header("anthropic-ratelimit-unified-status", "allowed")
        self.end_headers()
        self.wfile.write(data)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    tmp = os.path.join(DIR, "port.tmp")
    with open(tmp, "w") as f:
        f.write(str(port))
    os.rename(tmp, os.path.join(DIR, "port"))
    started = time.time()

    def reaper():
        while time.time() - started < MAX_SECONDS and os.path.isdir(DIR):
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=reaper, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
