#!/usr/bin/env python3
"""Rebuild tests/guard-corpus/corpus.tsv from the two peer guards' test suites.

The peers are `Dicklesworthstone/destructive_command_guard` ("dcg", Rust) and
`kenryu42/cc-safety-net` (formerly claude-code-safety-net, TypeScript). Their test suites are
read straight out of git mirrors (`git show <rev>:<path>`); no peer code is copied or run here.
What we keep are facts: a shell command, the cwd the test gives, and the verdict the test
expects (block or allow).

    extract.py [--dcg GITDIR] [--sn GITDIR] [--peers target/guard-corpus/peers.tsv | --no-peers] [--out FILE] [--stats]

With --peers (written by scripts/guard-peers) the real verdicts of the installed peers are
merged in: the `dcg` / `safety_net` columns then hold what the peer actually answered when run
as a Claude Code hook, and `consensus` is set where both peers agree. Without it those columns
fall back to the suite's own expectation (or `-`).

Only the standard library; Python 3.11+ (tomllib).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DCG = "/work/.mirror/Dicklesworthstone+destructive_command_guard/repo"
DEFAULT_SN = "/work/.mirror/kenryu42+cc-safety-net/repo"

COLUMNS = [
    "command",  # JSON string
    "cwd",  # plain path, empty = the runner's project dir
    "dcg",  # block / allow / - : real run if known, else dcg's own test expectation
    "safety_net",  # likewise for cc-safety-net
    "consensus",  # block / allow when dcg and safety_net agree, else -
    "category",
    "source",  # suite:file (first few)
    "dcg_test",  # what dcg's own tests expect (block/allow/mixed/-)
    "safety_net_test",  # what safety-net's own tests expect
    "detail",  # pack id / note
]


# --------------------------------------------------------------------------------------------
# git access


class Repo:
    def __init__(self, gitdir: str, rev: str = "HEAD"):
        self.gitdir = gitdir
        self.rev = rev
        self.commit = self.git("rev-parse", rev).strip()

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", "-C", self.gitdir, *args], check=True, capture_output=True, text=True
        ).stdout

    def files(self, prefix: str = "") -> list[str]:
        out = self.git("ls-tree", "-r", "--name-only", self.commit, *([prefix] if prefix else []))
        return [l for l in out.splitlines() if l]

    def read(self, path: str) -> str:
        return subprocess.run(
            ["git", "-C", self.gitdir, "show", f"{self.commit}:{path}"],
            check=True,
            capture_output=True,
        ).stdout.decode("utf-8", "replace")


# --------------------------------------------------------------------------------------------
# A small tokenizer shared by Rust and TypeScript: enough to find calls, string literals,
# simple bindings and loops. Anything it cannot evaluate is skipped (and counted).


class Tok:
    __slots__ = ("kind", "val", "pos")

    def __init__(self, kind: str, val, pos: int):
        self.kind = kind  # id, str, tpl, num, p
        self.val = val
        self.pos = pos

    def __repr__(self):
        return f"{self.kind}:{self.val!r}"


JS_ESC = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "b": "\b", "f": "\f", "v": "\v"}


def _unescape(s: str, i: int, out: list[str], rust: bool) -> int:
    """s[i] is the char after a backslash; append its meaning, return the next index."""
    c = s[i]
    if c in JS_ESC:
        out.append(JS_ESC[c])
        return i + 1
    if c == "x":
        out.append(chr(int(s[i + 1 : i + 3], 16)))
        return i + 3
    if c == "u":
        if s[i + 1] == "{":
            j = s.index("}", i)
            out.append(chr(int(s[i + 2 : j], 16)))
            return j + 1
        out.append(chr(int(s[i + 1 : i + 5], 16)))
        return i + 5
    if c == "\n":
        i += 1
        if rust:  # Rust skips the newline and the next line's leading whitespace
            while i < len(s) and s[i] in " \t\n\r":
                i += 1
        return i
    out.append(c)
    return i + 1


def tokenize(src: str, lang: str) -> list[Tok]:
    rust = lang == "rust"
    toks: list[Tok] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c in " \t\r\n":
            i += 1
            continue
        if src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
            continue
        if src.startswith("/*", i):
            j = src.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        start = i
        # Rust raw / byte strings
        if rust:
            m = re.match(r'b?r(#*)"', src[i:])
            if m:
                hashes = m.group(1)
                body_start = i + m.end()
                end = src.find('"' + hashes, body_start)
                if end < 0:
                    break
                toks.append(Tok("str", src[body_start:end], start))
                i = end + 1 + len(hashes)
                continue
            if src.startswith('b"', i):
                i += 1
                c = '"'
            if c == "'":
                # char literal or lifetime
                m = re.match(r"'(\\.[^']*|[^'\\])'", src[i:])
                if m:
                    toks.append(Tok("p", "char", start))
                    i += m.end()
                    continue
                i += 1
                while i < n and (src[i].isalnum() or src[i] == "_"):
                    i += 1
                continue
        if c == '"' or (c == "'" and not rust):
            q = c
            i += 1
            out: list[str] = []
            while i < n and src[i] != q:
                if src[i] == "\\":
                    try:
                        i = _unescape(src, i + 1, out, rust)
                    except (ValueError, IndexError):
                        out.append("\\")
                        i += 1
                else:
                    out.append(src[i])
                    i += 1
            i += 1
            toks.append(Tok("str", "".join(out), start))
            continue
        if c == "`" and not rust:
            i += 1
            parts: list = []  # str or ("expr", tokens)
            buf: list[str] = []
            while i < n and src[i] != "`":
                if src[i] == "\\":
                    try:
                        i = _unescape(src, i + 1, buf, False)
                    except (ValueError, IndexError):
                        buf.append("\\")
                        i += 1
                elif src.startswith("${", i):
                    depth, j = 1, i + 2
                    while j < n and depth:
                        if src[j] == "{":
                            depth += 1
                        elif src[j] == "}":
                            depth -= 1
                        elif src[j] in "'\"`":  # skip nested strings roughly
                            q = src[j]
                            j += 1
                            while j < n and src[j] != q:
                                j += 2 if src[j] == "\\" else 1
                        j += 1
                    parts.append("".join(buf))
                    buf = []
                    parts.append(("expr", tokenize(src[i + 2 : j - 1], lang)))
                    i = j
                else:
                    buf.append(src[i])
                    i += 1
            parts.append("".join(buf))
            i += 1
            toks.append(Tok("tpl", parts, start))
            continue
        if c.isalpha() or c == "_" or c == "$":
            j = i
            while j < n and (src[j].isalnum() or src[j] in "_$"):
                j += 1
            toks.append(Tok("id", src[i:j], start))
            i = j
            continue
        if c.isdigit():
            j = i
            while j < n and (src[j].isalnum() or src[j] in "._"):
                j += 1
            toks.append(Tok("num", src[i:j], start))
            i = j
            continue
        if c == "/" and not rust:
            prev = toks[-1] if toks else None
            if prev is None or (prev.kind == "p" and prev.val in "(,=:[!&|?{};") or (
                prev.kind == "id" and prev.val in ("return", "typeof")
            ):
                # regex literal
                j = i + 1
                in_class = False
                while j < n and src[j] != "\n":
                    if src[j] == "\\":
                        j += 2
                        continue
                    if src[j] == "[":
                        in_class = True
                    elif src[j] == "]":
                        in_class = False
                    elif src[j] == "/" and not in_class:
                        break
                    j += 1
                j += 1
                while j < n and src[j].isalpha():
                    j += 1
                toks.append(Tok("p", "regex", start))
                i = j
                continue
        toks.append(Tok("p", c, start))
        i += 1
    return toks


OPEN = {"(": ")", "[": "]", "{": "}"}


def match_close(toks: list[Tok], i: int) -> int:
    """toks[i] is an opening bracket; index of its partner (or len)."""
    depth = 0
    for j in range(i, len(toks)):
        t = toks[j]
        if t.kind == "p" and t.val in "([{":
            depth += 1
        elif t.kind == "p" and t.val in ")]}":
            depth -= 1
            if depth == 0:
                return j
    return len(toks)


def split_args(toks: list[Tok], open_i: int) -> tuple[list[list[Tok]], int]:
    close = match_close(toks, open_i)
    args: list[list[Tok]] = []
    cur: list[Tok] = []
    depth = 0
    for t in toks[open_i + 1 : close]:
        if t.kind == "p" and t.val in "([{":
            depth += 1
        elif t.kind == "p" and t.val in ")]}":
            depth -= 1
        if depth == 0 and t.kind == "p" and t.val == ",":
            args.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur:
        args.append(cur)
    return args, close


class Unresolved(Exception):
    pass


class Scope:
    """Bindings (`const x = …`, `let x = …`) and loop variables of one file."""

    def __init__(self, toks: list[Tok], lang: str):
        self.toks = toks
        self.lang = lang
        self.binds: dict[str, list[tuple[int, list[Tok]]]] = collections.defaultdict(list)
        self.loops: list[tuple[str, int, int, list[Tok]]] = []  # name, body start, end, iterable
        self._scan()

    def _scan(self):
        t = self.toks
        n = len(t)
        for i, tok in enumerate(t):
            if tok.kind != "id":
                continue
            if tok.val in ("const", "let") and i + 1 < n:
                j = i + 1
                if t[j].kind == "id" and t[j].val == "mut":
                    j += 1
                if j < n and t[j].kind == "id":
                    name = t[j].val
                    k = j + 1
                    # optional type annotation
                    if k < n and t[k].kind == "p" and t[k].val == ":":
                        while k < n and not (t[k].kind == "p" and t[k].val in "=;"):
                            k += 1 if not (t[k].kind == "p" and t[k].val in "([{<") else 0
                            if t[k].kind == "p" and t[k].val in "([{":
                                k = match_close(t, k) + 1
                            elif t[k].kind == "p" and t[k].val == "<":
                                depth = 0
                                while k < n:
                                    if t[k].kind == "p" and t[k].val == "<":
                                        depth += 1
                                    elif t[k].kind == "p" and t[k].val == ">":
                                        depth -= 1
                                        if depth == 0:
                                            k += 1
                                            break
                                    k += 1
                    if k < n and t[k].kind == "p" and t[k].val == "=":
                        end = self._expr_end(k + 1)
                        self.binds[name].append((tok.pos, t[k + 1 : end]))
            elif tok.val == "for":
                self._scan_for(i)
            elif tok.val == "forEach" and i + 1 < n and t[i + 1].val == "(":
                # ARRAY.forEach((x) => { … }) / ARRAY.forEach(x => …)
                args, close = split_args(t, i + 1)
                if not args:
                    continue
                a = args[0]
                names = [x.val for x in a if x.kind == "id"]
                if not names:
                    continue
                name = names[0]
                # iterable: tokens before `.forEach` back to a statement start
                k = i - 2  # skip '.'
                if k >= 0 and t[k].kind == "p" and t[k].val in ")]":
                    depth = 0
                    while k >= 0:
                        if t[k].kind == "p" and t[k].val in ")]}":
                            depth += 1
                        elif t[k].kind == "p" and t[k].val in "([{":
                            depth -= 1
                            if depth == 0:
                                break
                        k -= 1
                    iterable = t[k : i - 1]
                elif k >= 0 and t[k].kind == "id":
                    iterable = [t[k]]
                else:
                    continue
                self.loops.append((name, t[i].pos, t[close].pos, iterable))

    def _expr_end(self, k: int) -> int:
        t = self.toks
        depth = 0
        while k < len(t):
            x = t[k]
            if x.kind == "p" and x.val in "([{":
                depth += 1
            elif x.kind == "p" and x.val in ")]}":
                if depth == 0:
                    return k
                depth -= 1
            elif depth == 0 and x.kind == "p" and x.val == ";":
                return k
            elif depth == 0 and x.kind == "id" and x.val in ("const", "let", "test", "it", "describe", "expect", "assert", "for"):
                if k > 0 and not (t[k - 1].kind == "p" and t[k - 1].val == "."):
                    return k
            k += 1
        return k

    def _scan_for(self, i: int):
        t = self.toks
        n = len(t)
        if self.lang == "ts":
            # for (const x of ITER) BODY
            if i + 1 < n and t[i + 1].val == "(":
                close = match_close(t, i + 1)
                inner = t[i + 2 : close]
                if len(inner) >= 4 and inner[0].val in ("const", "let") and inner[1].kind == "id" and inner[2].val == "of":
                    body_start = close + 1
                    body_end = match_close(t, body_start) if body_start < n and t[body_start].val == "{" else self._expr_end(body_start)
                    self.loops.append((inner[1].val, t[body_start].pos if body_start < n else 0, t[min(body_end, n - 1)].pos, inner[3:]))
        else:
            # for x in ITER { BODY }
            if i + 2 < n and t[i + 1].kind == "id" and t[i + 2].val == "in":
                k = i + 3
                while k < n and not (t[k].kind == "p" and t[k].val == "{"):
                    if t[k].kind == "p" and t[k].val in "([":
                        k = match_close(t, k)
                    k += 1
                if k < n:
                    body_end = match_close(t, k)
                    self.loops.append((t[i + 1].val, t[k].pos, t[min(body_end, n - 1)].pos, t[i + 3 : k]))

    # -- evaluation

    def lookup(self, name: str, pos: int, depth: int) -> list[str]:
        for lname, bstart, bend, iterable in reversed(self.loops):
            if lname == name and bstart <= pos <= bend:
                return self.eval_list(iterable, bstart, depth + 1)
        cands = [b for b in self.binds.get(name, []) if b[0] < pos]
        if not cands:
            raise Unresolved(name)
        return self.eval_any(cands[-1][1], cands[-1][0], depth + 1)

    def eval_any(self, toks: list[Tok], pos: int, depth: int = 0) -> list[str]:
        """A string or a list of strings (loop / batch)."""
        if depth > 8:
            raise Unresolved("depth")
        toks = self._strip(toks)
        if toks and toks[0].kind == "p" and toks[0].val == "[":
            return self.eval_list(toks, pos, depth)
        if len(toks) >= 3 and toks[0].val == "vec" and toks[1].val == "!":
            return self.eval_list(toks[2:], pos, depth)
        if len(toks) == 1 and toks[0].kind == "id":
            return self.lookup(toks[0].val, pos, depth)
        return [self.eval_str(toks, pos, depth)]

    def eval_list(self, toks: list[Tok], pos: int, depth: int) -> list[str]:
        toks = self._strip(toks)
        if len(toks) == 1 and toks[0].kind == "id":
            return self.lookup(toks[0].val, pos, depth)
        if len(toks) >= 3 and toks[0].val == "vec" and toks[1].val == "!":
            toks = toks[2:]
        if not toks or toks[0].val != "[" or match_close(toks, 0) != len(toks) - 1:
            raise Unresolved("list")
        args, _ = split_args(toks, 0)
        out: list[str] = []
        for a in args:
            a = self._strip(a)
            if a and a[0].kind == "p" and a[0].val == "...":
                raise Unresolved("spread")
            out.append(self.eval_str(a, pos, depth))
        return out

    def _strip(self, toks: list[Tok]) -> list[Tok]:
        toks = list(toks)
        while toks and toks[0].kind == "p" and toks[0].val in "&*":
            toks = toks[1:]
        # trailing .to_string() / .into() / .iter() / as const / .join? (no)
        changed = True
        while changed:
            changed = False
            if len(toks) >= 4 and toks[-1].val == ")" and toks[-2].val == "(" and toks[-4].val == "." and toks[-3].val in (
                "to_string", "into", "to_owned", "as_str", "iter", "into_iter", "trim", "copied", "cloned",
            ):
                toks = toks[:-4]
                changed = True
            if len(toks) >= 2 and toks[-2].val == "as" and toks[-1].val == "const":
                toks = toks[:-2]
                changed = True
        if len(toks) >= 4 and toks[0].val == "String" and toks[1].val == ":" and toks[2].val == ":":
            # String::from("…")
            if len(toks) >= 5 and toks[3].val == "from" and toks[4].val == "(":
                args, close = split_args(toks, 4)
                if close == len(toks) - 1 and len(args) == 1:
                    return self._strip(args[0])
        return toks

    def eval_str(self, toks: list[Tok], pos: int, depth: int) -> str:
        toks = self._strip(toks)
        if not toks:
            raise Unresolved("empty")
        parts: list[str] = []
        expect_operand = True
        for t in toks:
            if expect_operand:
                if t.kind == "str":
                    parts.append(t.val)
                elif t.kind == "tpl":
                    for p in t.val:
                        if isinstance(p, str):
                            parts.append(p)
                        else:
                            vals = self.eval_any(p[1], pos, depth + 1)
                            if len(vals) != 1:
                                raise Unresolved("tpl-list")
                            parts.append(vals[0])
                elif t.kind == "id":
                    vals = self.lookup(t.val, pos, depth + 1)
                    if len(vals) != 1:
                        raise Unresolved("id-list")
                    parts.append(vals[0])
                else:
                    raise Unresolved(f"operand {t}")
                expect_operand = False
            else:
                if t.kind == "p" and t.val == "+":
                    expect_operand = True
                else:
                    raise Unresolved(f"op {t}")
        if expect_operand:
            raise Unresolved("dangling")
        return "".join(parts)


# --------------------------------------------------------------------------------------------
# Cases


class Cases:
    def __init__(self):
        # (command, cwd) -> info
        self.cases: dict[tuple[str, str], dict] = {}
        self.stats = collections.Counter()
        self.skipped = collections.Counter()

    def add(self, suite: str, command: str, verdict: str, source: str, cwd: str = "", detail: str = ""):
        assert verdict in ("block", "allow"), verdict
        if not command.strip():
            self.skipped[f"{suite}: empty command"] += 1
            return
        if command.lstrip().startswith("{\"tool_name\"") or command.lstrip().startswith('{"'):
            self.skipped[f"{suite}: a hook JSON payload, not a command"] += 1
            return
        if is_not_shell(command):
            self.skipped[f"{suite}: not a shell command (SQL/text fragment)"] += 1
            return
        key = (command, cwd)
        c = self.cases.setdefault(
            key, {"dcg_test": set(), "safety_net_test": set(), "sources": [], "details": []}
        )
        col = "dcg_test" if suite == "dcg" else "safety_net_test"
        c[col].add(verdict)
        src = f"{suite}:{source}"
        if src not in c["sources"]:
            c["sources"].append(src)
        if detail and detail not in c["details"]:
            c["details"].append(detail)
        self.stats[(suite, source)] += 1


SQL_START = re.compile(
    r"^(DELETE|DROP|TRUNCATE|SELECT|UPDATE|INSERT|ALTER|FLUSHALL|FLUSHDB|CREATE|GRANT|REVOKE|"
    r"db\.|MATCH|DETACH|REMOVE|CALL|SHUTDOWN|CONFIG|DEL |KEYS|SCRIPT|EVAL |BEGIN|COMMIT|"
    r"delete from|drop |truncate |update |alter |insert |select )",
)


def is_not_shell(cmd: str) -> bool:
    s = cmd.lstrip()
    return bool(SQL_START.match(s))


# ---- dcg


def dcg_toml(repo: Repo, cases: Cases):
    for path in repo.files("tests/corpus"):
        if not path.endswith(".toml"):
            continue
        data = tomllib.loads(repo.read(path))
        for case in data.get("case", []):
            cmd = case.get("command")
            exp = (case.get("expected") or case.get("expected_decision") or "").lower()
            if not isinstance(cmd, str) or case.get("input_kind", "command") != "command":
                cases.skipped["dcg: toml case without a command"] += 1
                continue
            v = {"deny": "block", "block": "block", "allow": "allow"}.get(exp)
            if not v:
                cases.skipped[f"dcg: toml expected={exp or 'none'}"] += 1
                continue
            cases.add("dcg", cmd, v, path, detail=case.get("rule_id") or case.get("id") or "")


def dcg_txt(repo: Repo, cases: Cases):
    base = "tests/e2e/fixtures/commands/"
    for name, verdict in (("dangerous.txt", "block"), ("safe.txt", "allow")):
        for line in repo.read(base + name).splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                cases.add("dcg", line.strip(), verdict, base + name)
    # EXPECT:command; in edge_cases.txt a line without a prefix continues the previous command
    # (heredoc bodies); in heredocs.txt `\n` stands for a newline.
    for name in ("edge_cases.txt", "heredocs.txt"):
        entries: list[list] = []
        for line in repo.read(base + name).splitlines():
            if line.startswith("#") or (not line.strip() and not entries):
                continue
            m = re.match(r"^(BLOCK|ALLOW|WARN):(.*)$", line)
            if m:
                entries.append([m.group(1), m.group(2)])
            elif entries and name == "edge_cases.txt" and line.strip():
                entries[-1][1] += "\n" + line
        for exp, cmd in entries:
            if name == "heredocs.txt":
                cmd = re.sub(r"\\(n|\\)", lambda m: "\n" if m.group(1) == "n" else "\\", cmd)
            if exp == "WARN":
                cases.skipped["dcg: WARN expectation (neither block nor allow)"] += 1
                continue
            cases.add("dcg", cmd, "block" if exp == "BLOCK" else "allow", base + name)


def _yaml_scalar(s: str) -> str:
    s = s.strip()
    if s.startswith('"'):
        return json.JSONDecoder().raw_decode(s)[0]
    if s.startswith("'"):
        return re.match(r"'((?:[^']|'')*)'", s).group(1).replace("''", "'")
    return s


def dcg_yaml(repo: Repo, cases: Cases):
    for name, default in (
        ("tests/fixtures/destructive_commands.yaml", "block"),
        ("tests/fixtures/safe_commands.yaml", "allow"),
        ("tests/fixtures/edge_cases.yaml", None),
    ):
        key = ""
        for line in repo.read(name).splitlines():
            m = re.match(r"^([A-Za-z0-9_.\-]+):\s*$", line)
            if m:
                key = m.group(1)
                continue
            m = re.match(r"^\s*-\s*command:\s*(.+)$", line)
            if not m:
                continue
            cmd = _yaml_scalar(m.group(1))
            if default:
                cases.add("dcg", cmd, default, name, detail=f"pack={key}")
            else:
                v = {"false_positives": "allow", "false_negatives": "block"}.get(key)
                if v:
                    cases.add("dcg", cmd, v, name, detail=key)


# Pack helpers: name -> (verdict, index of the command argument for the free function;
# methods on a tester take the command first).
DCG_HELPERS = {
    "assert_blocks": ("block", 1),
    "assert_blocks_with_pattern": ("block", 1),
    "assert_blocks_with_severity": ("block", 1),
    "assert_allows": ("allow", 1),
    "assert_safe_pattern_matches": ("allow", 1),
    "assert_no_match": ("allow", 1),
    "test_batch_blocks": ("block", 1),
    "test_batch_allows": ("allow", 1),
    "assert_denies_with_rule": ("block", 0),
    "assert_allows_command": ("allow", 0),
    "assert_rm_parser_denies": ("block", 0),
}
# Calls that evaluate a command whose verdict is asserted afterwards in the same test fn.
DCG_EVAL = {
    "evaluate_command", "evaluate_command_with_pack_order", "run_hook", "run_dcg_hook",
    "run_hook_mode", "run_hook_with_env", "run_dcg_hook_with_env", "check_command",
    "evaluate_extracted_command", "run_dcg_hook_no_color", "run_dcg_hook_with_color",
    "run_hook_mode_with_env", "run_hook_mode_raw",
}
# Test files whose verdicts depend on a non-default config, allowlists or agent profiles.
DCG_SKIP_FILES = re.compile(r"allowlist|config|toggle|profile|temporary|suggest|history|golden|memory|scan|robot|update|explanations|confidence|perf|bench", re.I)

BLOCK_RE = re.compile(
    r"(!?)\s*&?\s*[A-Za-z_][\w]*(?:\.[\w]+(?:\(\))?)*\s*\.\s*(is_denied|is_blocked)\(\)"
    r"|(!?)\s*[A-Za-z_][\w.]*\.contains\(\"deny\"\)"
    r"|(!?)\s*[A-Za-z_][\w.]*\.trim\(\)\.is_empty\(\)"
    r"|(assert_is_denial|assert_denied|assert_blocked)\("
    r"|(assert_is_allowed|assert_allowed)\("
    r"|(!?)\s*[A-Za-z_][\w.]*\.(is_allowed)\(\)"
    r"|(Decision::Deny|\"deny\")"
    r"|(Decision::Allow|\"allow\")"
)


def _indicator(text: str) -> str | None:
    for m in BLOCK_RE.finditer(text):
        g = m.groups()
        if g[1]:
            return "allow" if g[0] else "block"
        if m.group(0).strip().lstrip("!").lstrip().split(".")[-1].startswith("contains"):
            return "allow" if g[2] else "block"
        if "is_empty" in m.group(0):
            return "block" if g[3] else "allow"
        if g[4]:
            return "block"
        if g[5]:
            return "allow"
        if g[7]:
            return "block" if g[6] else "allow"
        if g[8]:
            return "block"
        if g[9]:
            return "allow"
    return None


def _polarity(text: str) -> str | None:
    """The verdict the first assertion in `text` states, if any (only assertions count: an
    `if result.is_denied()` says nothing)."""
    for m in re.finditer(r"\b(assert(?:_eq|_ne)?!\s*\(|assert_is_denial\(|assert_denied\(|assert_blocked\(|assert_is_allowed\(|assert_allowed\()", text):
        if not m.group(1).startswith("assert!") and not m.group(1).startswith("assert_eq") and not m.group(1).startswith("assert_ne"):
            return _indicator(m.group(1))
        depth, j = 0, m.end() - 1
        while j < len(text):
            if text[j] == "(":
                depth += 1
            elif text[j] == ")":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        inner = text[m.end() : j]
        pol = _indicator(inner)
        if pol:
            negate = (m.group(1).startswith("assert_eq") and re.search(r",\s*false\s*$", inner)) or (
                m.group(1).startswith("assert_ne") and re.search(r",\s*true\s*$", inner)
            )
            if negate:
                pol = "allow" if pol == "block" else "block"
            return pol
    return None


# A test fn that changes the config (packs, allowlists, heredoc languages, overrides) checks
# a non-default verdict.
CUSTOM_CONFIG = re.compile(
    r"\bconfig(\.\w+)+\s*(=|\.push\()|allowlists?_for|AllowedHeredocPattern|with_config|"
    r"\bDCG_[A-Z_]+\b|Some\(false\)|\.disable|policy|agent_profile|temporary"
)
def _fn_spans(toks: list[Tok]) -> list[tuple[str, int, int, int]]:
    """(name, body open index, body close index, first token index) of every `fn`."""
    spans = []
    for i, t in enumerate(toks):
        if t.kind == "id" and t.val == "fn" and i + 1 < len(toks) and toks[i + 1].kind == "id":
            k = i + 2
            while k < len(toks) and not (toks[k].kind == "p" and toks[k].val in "{;"):
                if toks[k].kind == "p" and toks[k].val == "(":
                    k = match_close(toks, k)
                k += 1
            if k < len(toks) and toks[k].val == "{":
                spans.append((toks[i + 1].val, k, match_close(toks, k), i))
    return spans


def dcg_rust(repo: Repo, cases: Cases):
    paths = [p for p in repo.files("src") + repo.files("tests") if p.endswith(".rs")]
    for path in paths:
        if path.startswith("tests/") and DCG_SKIP_FILES.search(path.split("/")[-1]):
            continue
        src = repo.read(path)
        if "#[test]" not in src and "test_helpers" not in path:
            continue
        toks = tokenize(src, "rust")
        scope = Scope(toks, "rust")
        spans = _fn_spans(toks)
        pack = ""
        m = re.search(r'id:\s*"([a-z0-9_.]+)"', src)
        if m:
            pack = m.group(1)

        def enclosing(i):
            best = None
            for s in spans:
                if s[1] < i < s[2] and (best is None or s[1] > best[1]):
                    best = s
            return best

        # helpers defined in this file: fn NAME(cmd: &str) whose body evaluates `cmd` and
        # asserts one verdict
        local_helpers: dict[str, tuple[str, int]] = {}
        for name, bo, bc, fi in spans:
            if name in DCG_HELPERS or name.startswith("test_"):
                continue
            sig = src[toks[fi].pos : toks[bo].pos]
            pm = re.match(r"fn\s+\w+\s*(?:<[^>]*>)?\(\s*(\w+)\s*:\s*&str", sig)
            if not pm:
                continue
            body = src[toks[bo].pos : toks[bc].pos]
            if not re.search(r"\b(" + "|".join(DCG_EVAL) + r")\s*\(\s*&?" + pm.group(1) + r"\b", body):
                continue
            pols = {p for p in (_polarity(body[m.start():]) for m in re.finditer(r"assert", body)) if p}
            if len(pols) == 1:
                local_helpers[name] = (pols.pop(), 0)

        for i, t in enumerate(toks):
            if t.kind != "id" or i + 1 >= len(toks) or toks[i + 1].val != "(":
                continue
            if i > 0 and toks[i - 1].kind == "id" and toks[i - 1].val == "fn":
                continue
            name = t.val
            is_method = i > 0 and toks[i - 1].val == "."
            if name in DCG_HELPERS or name in local_helpers:
                verdict, idx = DCG_HELPERS.get(name) or local_helpers[name]
                if is_method or name in local_helpers:
                    idx = 0
                args, _ = split_args(toks, i + 1)
                if len(args) <= idx:
                    continue
                try:
                    vals = scope.eval_any(args[idx], t.pos)
                except Unresolved:
                    cases.skipped["dcg: helper call with a computed command"] += 1
                    continue
                for v in vals:
                    cases.add("dcg", v, verdict, path, detail=f"pack={pack}" if pack and name in DCG_HELPERS and not name.startswith("assert_allows_command") and name not in ("assert_denies_with_rule",) else "")
            elif name in DCG_EVAL and not is_method or (is_method and name in ("run_dcg_hook", "run_hook")):
                fn = enclosing(i)
                if fn is None or fn[0] in local_helpers:
                    continue
                fn_text = src[toks[fn[1]].pos : toks[fn[2]].pos]
                if CUSTOM_CONFIG.search(fn_text) and not path.startswith("tests/disk"):
                    cases.skipped["dcg: evaluation under a custom config"] += 1
                    continue
                args, close = split_args(toks, i + 1)
                if not args:
                    continue
                try:
                    vals = scope.eval_any(args[0], t.pos)
                except Unresolved:
                    cases.skipped["dcg: evaluated command not a literal"] += 1
                    continue
                body_end = toks[fn[2]].pos
                after = src[toks[close].pos : body_end]
                # stop at the next evaluation in the same fn
                nxt = re.search(r"\b(" + "|".join(DCG_EVAL) + r")\s*\(", after[1:])
                window = after[: nxt.start() + 1] if nxt else after
                pol = _polarity(window)
                if pol is None:
                    cases.skipped["dcg: evaluated command without a readable assertion"] += 1
                    continue
                for v in vals:
                    cases.add("dcg", v, pol, path)


# ---- safety-net

SN_BLOCK = {"assertBlocked": "block"}
SN_ALLOW = {"assertAllowed": "allow"}
SN_EXPECT_FNS = {"runGuard", "analyzeTestCommand"}
SN_SKIP_CTX = {"withEnv", "withSymlinkedHomeCwd", "withTempHome", "withPolicy"}


def sn_ts(repo: Repo, cases: Cases):
    for path in repo.files("tests"):
        if not path.endswith(".ts") or path.startswith("tests/helpers") or "rules-custom" in path:
            continue
        src = repo.read(path)
        if not re.search(r"assertBlocked|assertAllowed|runGuard|analyzeTestCommand|behavioralContractCases", src):
            continue
        toks = tokenize(src, "ts")
        scope = Scope(toks, "ts")
        # spans of calls that change the mode (strict/paranoid/worktree env, custom homes)
        skip_spans = []
        for i, t in enumerate(toks):
            if t.kind == "id" and t.val in SN_SKIP_CTX and i + 1 < len(toks) and toks[i + 1].val == "(":
                skip_spans.append((t.pos, toks[match_close(toks, i + 1)].pos))

        def in_skip(pos):
            return any(a <= pos <= b for a, b in skip_spans)

        for i, t in enumerate(toks):
            if t.kind != "id" or i + 1 >= len(toks) or toks[i + 1].val != "(":
                continue
            if i > 0 and toks[i - 1].kind == "id" and toks[i - 1].val == "function":
                continue
            name = t.val
            if name not in SN_BLOCK and name not in SN_ALLOW and name not in SN_EXPECT_FNS:
                continue
            if in_skip(t.pos):
                cases.skipped["safety_net: inside withEnv/strict/custom-home context"] += 1
                continue
            args, close = split_args(toks, i + 1)
            if not args:
                continue
            if name in SN_EXPECT_FNS:
                # expect(runGuard(cmd[, cwd])).toBeNull() / .not.toBeNull() / ?.ruleId).toBe(…)
                if len(args) > (2 if name == "runGuard" else 1):
                    cases.skipped["safety_net: custom policy/options"] += 1
                    continue
                tail = "".join(
                    (x.val if isinstance(x.val, str) else "`")
                    for x in toks[close + 1 : close + 12]
                )
                if re.match(r"^\)\.toBeNull\(", tail) or re.match(r"^\?\.\w+\)\.toBeUndefined\(", tail):
                    verdict = "allow"
                elif re.match(r"^\)\.not\.toBeNull\(|^\)\.toBeTruthy\(|^\)\.toContain\(|^\?\.(ruleId|reason)\)\.(toBe|toContain)\(", tail):
                    verdict = "block"
                else:
                    cases.skipped["safety_net: result used without a readable verdict"] += 1
                    continue
                cwd_arg = args[1] if name == "runGuard" and len(args) > 1 else None
            else:
                verdict = "block" if name in SN_BLOCK else "allow"
                # assertBlocked(cmd, reason, cwd?, env?) / assertAllowed(cmd, cwd?, env?)
                ci = 2 if name in SN_BLOCK else 1
                if len(args) > ci + 1:
                    cases.skipped["safety_net: custom environment"] += 1
                    continue
                cwd_arg = args[ci] if len(args) > ci else None
            try:
                vals = scope.eval_any(args[0], t.pos)
            except Unresolved:
                cases.skipped["safety_net: computed command"] += 1
                continue
            cwd, detail = "", ""
            if cwd_arg is not None:
                try:
                    cv = scope.eval_any(cwd_arg, t.pos)
                    if len(cv) == 1 and cv[0].startswith("/"):
                        cwd = cv[0]
                    else:
                        raise Unresolved("cwd")
                except Unresolved:
                    # a temp dir the test made: a project dir of its own
                    detail = "cwd=" + "".join(str(x.val) for x in cwd_arg if x.kind in ("id", "p"))[:40]
            for v in vals:
                if "${" in v:
                    continue
                cases.add("safety_net", v, verdict, path, cwd=cwd, detail=detail)
        if "behavioralContractCases" in src and path.endswith("behavioral-contract-cases.ts"):
            sn_contract(toks, scope, path, cases)


def sn_contract(toks, scope, path, cases):
    """Objects {name, command, options: options({ cwd: paths.cwd }), expected: {kind}} and the
    everydayCommands list (allowed at standard level)."""
    for i, t in enumerate(toks):
        if t.kind == "id" and t.val == "command" and i + 1 < len(toks) and toks[i + 1].val == ":":
            # the enclosing object literal
            j = i
            depth = 0
            while j > 0:
                if toks[j].val == "}":
                    depth += 1
                elif toks[j].val == "{":
                    if depth == 0:
                        break
                    depth -= 1
                j -= 1
            close = match_close(toks, j)
            args, _ = split_args(toks, j)
            fields = {}
            for a in args:
                if len(a) >= 2 and a[0].kind == "id" and a[1].val == ":":
                    fields[a[0].val] = a[2:]
            if "command" not in fields or "options" not in fields or "expected" not in fields:
                continue
            opts = "".join(str(x.val) for x in fields["options"] if x.kind in ("id", "p", "str"))
            if opts not in ("options({cwd:paths.cwd})", "options({cwd:paths.cwd,})"):
                cases.skipped["safety_net: contract case with non-default options"] += 1
                continue
            exp = "".join(str(x.val) for x in fields["expected"])
            m = re.search(r"kind:(allow|block)", exp)
            if not m:
                continue
            try:
                vals = scope.eval_any(fields["command"], t.pos)
            except Unresolved:
                cases.skipped["safety_net: computed command"] += 1
                continue
            for v in vals:
                cases.add("safety_net", v, m.group(1), path, detail="cwd=paths.cwd")
    try:
        for v in scope.lookup("everydayCommands", 10**9, 0):
            cases.add("safety_net", v, "allow", path, detail="everydayCommands")
    except Unresolved:
        pass


# --------------------------------------------------------------------------------------------
# Taxonomy: by what the command would do. Quoted text only counts where a shell or an
# interpreter would execute it.

EXEC_WRAPPERS = re.compile(
    r"(^|[;&|(`]\s*|\$\(\s*)(sudo\s+|doas\s+|env\s+|nohup\s+|nice\s+|time\s+|timeout\s+\S+\s+|watch\s+|command\s+|exec\s+|busybox\s+)*"
    r"(bash|sh|zsh|dash|ksh|fish|eval|xargs|su|ssh|parallel|watch|script)\b"
)
INTERP = re.compile(
    r"(^|[;&|(`]\s*|\$\(\s*|\bsudo\s+|\benv\s+)(python[0-9.]*|node|nodejs|deno|bun|perl|ruby|php|lua|Rscript|osascript|awk|gawk)\b"
)


def _dequote(cmd: str) -> str:
    """Lower-cased; a quoted word without blanks loses its quotes (`"git" reset` is still git),
    a quoted phrase becomes Q (it is data unless a shell or interpreter runs it)."""

    def repl(m):
        body = m.group(0)[1:-1]
        return body if not re.search(r"\s", body) else " Q "

    return re.sub(r"'[^']*'|\"(?:\\.|[^\"\\])*\"", repl, cmd).lower().replace("\\", "")


PREFIX = r"(^|[;&|(`{]\s*|\$\(\s*|\bthen\s+|\bdo\s+)(\w+=\S*\s+)*"


CORE_PACK_FAMILIES = ("core", "strict_git")


def categorize(cmd: str, detail: str = "") -> str:
    c = cmd
    m = re.search(r"pack=([a-z_]+)\.", detail)
    if m and m.group(1) not in CORE_PACK_FAMILIES:
        return "infra-" + m.group(1)
    low = _dequote(c)
    has = lambda pat, s=low: re.search(pat, s) is not None  # noqa: E731
    if re.search(r":\s*\(\s*\)\s*\{.*:\s*\|\s*:", c) or re.search(r"(\w+)\s*\(\s*\)\s*\{[^}]*\b\1\s*\|\s*\1", c):
        return "fork-bomb"
    if re.search(r"\b(curl|wget|fetch|iwr|invoke-webrequest)\b[^|;&]*\|\s*(sudo\s+)?(env\s+\S+\s+)?(ba|z|da|k|fi)?sh\b|\b(ba|z)?sh\s+<\(\s*(curl|wget)|\b(curl|wget)\b[^|]*\|\s*(sudo\s+)?(python|perl|ruby|node)", c, re.I):
        return "pipe-to-shell"
    if has(r"\b(mkfs(\.\w+)?|wipefs|fdisk|sfdisk|gdisk|sgdisk|parted|mdadm|shred|blkdiscard|hdparm|cryptsetup|dmsetup|lvremove|vgremove|pvremove|zpool\s+destroy|diskutil\s+(erase\w*|partition\w*|zero\w*|secureerase))\b") or has(r"\bdd\b.*\bof=/dev/") or has(r">\s*/dev/(sd|nvme|hd|vd|xvd|mmcblk|disk)"):
        return "disk-wipe"
    if re.search(r"(^|\s)(\w+=\S*\s+)*(git_ssh_command|git_ssh|git_config_\w+|git_exec_path|git_editor|git_pager|git_askpass|bash_env|env|ld_preload|ld_library_path|prompt_command|pager|editor|git_proxy_command)=", low):
        return "exec-carrier"
    if re.search(PREFIX + r"(sudo\s+|env\s+|nohup\s+|time\s+|command\s+|exec\s+)*(python[0-9.]*|node|nodejs|deno|bun|perl|ruby|php|lua|rscript|osascript|awk|gawk|tclsh|pwsh|powershell)(\.exe)?\b", low) and re.search(r"\s-[a-z]*[cerse]\b|<<|\s-[a-z]*[cers]\s|\bbegin\b|system\(", low + " " + c.lower()):
        return "interpreter"
    inner = re.search(r"\brm\b|\bgit\b|\bdd\b|\bmkfs|\bfind\b.*-(delete|exec)|\bshred\b|\bchmod\b|\bchown\b|\bkubectl\b|\bdocker\b|\bterraform\b", c, re.I)
    executor = re.search(PREFIX + r"(sudo\s+|doas\s+|env\s+(-\S+\s+)*|nohup\s+|nice\s+|time\s+|timeout\s+\S+\s+|command\s+|exec\s+|busybox\s+)*(bash|sh|zsh|dash|ksh|mksh|fish|su|ssh|sudo\s+-\w*s)\s+(-\S+\s+)*(-\w*c|<<|<)|\beval\b|\bxargs\b|\bparallel\b|\b(bash|sh|zsh)\s+<<|\bsource\b|(^|\s)\.\s+/dev/stdin|\|\s*(ba|z|da)?sh\b|\$\(|`", c, re.I)
    data_only = re.match(r"^\s*(echo|printf|cat|grep|rg)\b", c) and not re.search(r"[|;&`]|\$\(", c)
    if inner and executor and not data_only:
        # dangerous text that something will execute
        sub = re.sub(r"['\"]", " ", c).lower()
        if re.search(r"\brm\s+(-\S+\s+)*-\w*[rf]|\bgit\s+(\S+\s+)*(reset|clean|push|checkout|restore|branch|stash|rm)\b|\bdd\b|\bmkfs|\bfind\b.*-(delete|exec)|\bshred\b", sub):
            return "wrapper"
    if has(r"\bfind\b.*\s-(delete|(exec(dir)?|ok(dir)?)\s+(\S+\s+)*?(\S*/)?(rm|shred|unlink))\b"):
        return "find-delete"
    if has(r"\bgit\b(\s+-\S+(\s+\S+)?)*\s+push\b") and has(r"\s(--force|-f\b|-\w*f\w*\b|--mirror|--delete|-d\b|--prune)|\s\+\S+|\s:\S+"):
        if has(r"--force-with-lease|--force-if-includes") and not has(r"\s(--force\b(?!-)|-f\b)"):
            return "git-safe"
        return "git-push-force"
    if has(r"\bgit\b(\s+-\S+(\s+\S+)?)*\s+(reset\s+(\S+\s+)*--(hard|merge|keep)|clean\s+(\S+\s+)*(-\w*[fdx]|--force)|checkout\s+(\S+\s+)*(--\s|\.\s*$|-f\b|--force|--orphan)|restore\b(?!.*--staged(?!.*(--worktree|-W)))|stash\s+(drop|clear|pop)|branch\s+(\S+\s+)*(-D|-d\b|--delete)|rm\b|worktree\s+(remove|prune)|update-ref\s+-d|reflog\s+(expire|delete)|gc\b.*--prune|filter-branch|filter-repo|switch\s+(\S+\s+)*(-f|--discard-changes|--force)|rebase\b|commit\s+--amend|tag\s+-d|symbolic-ref|replace\b|submodule\s+deinit|sparse-checkout|lfs\s+prune)"):
        return "git-discard"
    rm = re.search(
        PREFIX + r"((sudo|doas|env|nohup|nice|time|command|exec|busybox|xargs)\s+(-\S+\s+)*)*(\S*/)?(rm|unlink|rmdir)(\.exe)?\s+((?:-\S+\s+)*)(.*)",
        low,
    )
    if rm:
        flags = rm.group(rm.lastindex - 1) or ""
        rest = re.split(r"[;&|)]", rm.group(rm.lastindex))[0]
        recursive = re.search(r"-\w*r|--recursive", flags) or re.search(r"\s-\w*r\b|--recursive", rest)
        targets = [x for x in re.split(r"\s+", rest.strip()) if x and not x.startswith("-") and x != "q"]
        raw_targets = rest
        if recursive:
            if any(re.match(r"^(/|/\*|~|~/|~/\*|\$\{?home\}?/?\*?|\.\.?/?\*?|\*|/\w+/?\*?|\.\./.*)$", x) for x in targets) or re.search(r"(\s|^)(/|~|\$home|\$\{home\})/?\*?(\s|$)", raw_targets):
                return "rm-recursive-root-home"
            if targets and all(re.match(r"^(/tmp|/var/tmp|\$tmpdir|\$\{tmpdir)", x) for x in targets):
                return "rm-recursive-tmp"
            if targets and all(not x.startswith(("/", "~", "$", "..")) for x in targets):
                return "rm-recursive-project"
            return "rm-recursive-outside"
        return "rm-plain"
    if has(r"(\.ssh/|id_rsa|id_ed25519|\.aws/credentials|\.credentials\.json|\.netrc|\.npmrc|\.pgpass|\.env\b|\.gnupg|secret|token|password|\.kube/config|\.docker/config)") and has(r"\b(cat|cp|mv|scp|curl|less|more|head|tail|base64|xxd|strings|grep|rg|echo|printenv|env|tar|zip|rsync|nc)\b"):
        return "credentials"
    if has(r"\b(chmod|chown|chattr)\b.*(-R|--recursive)\b.*\s(/|~)(\s|$)|\bchmod\s+(-\w+\s+)*[0-7]*777\s+/(\s|$)"):
        return "permissions"
    if has(r"(^|[\s;&|])>\s*/(etc|boot|usr|bin|sbin|lib)/|\btruncate\b|\bmv\s+(\S+\s+)*(/|~)\s*$|>\s*~/\.(bashrc|zshrc|profile)"):
        return "overwrite"
    if has(r"\b(kubectl|helm|k9s|oc|kustomize)\b"):
        return "infra-kubernetes"
    if has(r"\b(docker|podman|nerdctl|buildah|docker-compose|compose)\b"):
        return "infra-containers"
    if has(r"\b(aws|gcloud|gsutil|az|doctl|terraform|tofu|pulumi|cdk|sam|serverless|heroku|flyctl|fly|vercel|netlify|wrangler|firebase|supabase|railway|render|linode-cli|hcloud|ibmcloud|oci|s3cmd|rclone|b2|gh|glab|vault|op|doppler|infisical|sops|ansible|ansible-playbook|salt|puppet|chef|nomad|consul|packer|cloudflared)\b"):
        return "infra-cloud"
    if has(r"\b(psql|mysql|mysqladmin|mariadb|mongo|mongosh|mongodump|mongorestore|redis-cli|sqlite3|cqlsh|clickhouse|influx|pg_dump|pg_restore|dropdb|createdb|prisma|knex|sequelize|rails\s+db|rake\s+db|alembic|flyway|liquibase|elasticsearch|curl\s+-X\s*DELETE|kafka-\w+|rabbitmqctl|etcdctl|memcached)\b"):
        return "infra-database"
    if has(r"\b(rsync|rclone|restic|borg|duplicity|tar|zfs|btrfs|lvm|snapper|systemctl|service|launchctl|crontab|iptables|nft|ufw|firewall-cmd|kill|killall|pkill|shutdown|reboot|halt|poweroff|userdel|usermod|passwd|chpasswd|npm\s+unpublish|cargo\s+yank|gem\s+yank|twine|brew\s+uninstall|apt(-get)?\s+(remove|purge|autoremove)|yum\s+remove|dnf\s+remove|pip\s+uninstall)\b"):
        return "system-admin"
    if re.search(r"\brm\b|\bgit\s+(reset|clean|push|checkout)|\bmkfs\b|\bdd\b|\bshred\b", c):
        return "data-mention"  # dangerous words only inside quotes / as data
    if has(r"\bgit\b"):
        return "git-safe"
    return "safe-everyday"


# --------------------------------------------------------------------------------------------


def read_peers(path: str) -> dict[tuple[str, str], dict[str, str]]:
    out: dict[tuple[str, str], dict[str, str]] = {}
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            row = dict(zip(header, line.rstrip("\n").split("\t")))
            out[(json.loads(row["command"]), row.get("cwd", ""))] = row
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dcg", default=DEFAULT_DCG, help="git dir of destructive_command_guard")
    ap.add_argument("--sn", default=DEFAULT_SN, help="git dir of cc-safety-net")
    ap.add_argument("--dcg-rev", default="HEAD")
    ap.add_argument("--sn-rev", default="HEAD")
    default_peers = os.path.join(
        os.environ.get("CARGO_TARGET_DIR") or os.path.join(HERE, "..", "..", "target"), "guard-corpus", "peers.tsv"
    )
    ap.add_argument("--peers", default=default_peers if os.path.exists(default_peers) else None,
                    help="peers.tsv from scripts/guard-peers (real verdicts; default: target/guard-corpus/peers.tsv if there)")
    ap.add_argument("--no-peers", action="store_true", help="expectations only, ignore peers.tsv")
    ap.add_argument("--out", default=os.path.join(HERE, "corpus.tsv"))
    ap.add_argument("--stats", action="store_true", help="print counts by source and skip reasons")
    a = ap.parse_args()

    dcg = Repo(a.dcg, a.dcg_rev)
    sn = Repo(a.sn, a.sn_rev)
    cases = Cases()
    dcg_toml(dcg, cases)
    dcg_txt(dcg, cases)
    dcg_yaml(dcg, cases)
    dcg_rust(dcg, cases)
    sn_ts(sn, cases)

    peers = read_peers(a.peers) if a.peers and not a.no_peers else {}
    if peers:
        print(f"real verdicts from {a.peers}", file=sys.stderr)
    rows = []
    for (cmd, cwd), c in cases.cases.items():

        def expect(s: set) -> str:
            return "-" if not s else ("mixed" if len(s) > 1 else next(iter(s)))

        dt, st = expect(c["dcg_test"]), expect(c["safety_net_test"])
        run = peers.get((cmd, cwd), {})
        d = run.get("dcg") if run.get("dcg") in ("block", "allow") else (dt if dt in ("block", "allow") else "-")
        s = run.get("safety_net") if run.get("safety_net") in ("block", "allow") else (st if st in ("block", "allow") else "-")
        cons = d if d == s and d != "-" else "-"
        src = c["sources"]
        source = "; ".join(src[:3]) + (f"; +{len(src) - 3} more" if len(src) > 3 else "")
        rows.append(
            [json.dumps(cmd, ensure_ascii=False), cwd, d, s, cons, categorize(cmd, " ".join(c["details"])), source, dt, st, "; ".join(c["details"][:3])]
        )
    rows.sort(key=lambda r: (r[5], r[0], r[1]))
    with open(a.out, "w", encoding="utf-8", newline="\n") as f:
        f.write("\t".join(COLUMNS) + "\n")
        for r in rows:
            assert all("\t" not in x and "\n" not in x for x in r), r
            f.write("\t".join(r) + "\n")

    print(f"dcg {dcg.commit}  safety_net {sn.commit}", file=sys.stderr)
    print(f"{len(rows)} cases -> {a.out}", file=sys.stderr)
    if a.stats:
        per = collections.Counter()
        for (suite, _src), n in cases.stats.items():
            per[suite] += n
        print("raw cases by suite:", dict(per), file=sys.stderr)
        for (suite, src), n in sorted(cases.stats.items()):
            print(f"  {suite:10} {n:5}  {src}", file=sys.stderr)
        print("skipped:", file=sys.stderr)
        for k, n in sorted(cases.skipped.items()):
            print(f"  {n:5}  {k}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
