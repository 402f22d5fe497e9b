//! Streaming removal of terminal escape sequences from raw pane output.
//!
//! `pipe-pane` hands us the exact bytes Claude Code (an Ink TUI) wrote to its terminal: colours,
//! cursor moves, window titles, hyperlinks, and redraws. [`Stripper`] turns that into plain text
//! lines: it drops CSI, OSC, DCS/SOS/PM/APC and two-byte ESC sequences and other C0 controls, and
//! maps vertical/absolute cursor moves and `\r` to `\n` so that each redrawn screen row becomes its
//! own line, and cursor-forward to a space so words stay apart. The invariant a newcomer could
//! break: all parsing state lives in the struct, never in a local of `push`, because reads from the
//! log split sequences and UTF-8 characters anywhere; and UTF-8 bytes are passed through unchanged
//! (0x9B is only a C1 CSI when it is not a continuation byte of a multi-byte character).

/// Longest OSC/DCS/SOS/PM/APC payload we keep swallowing. A lost terminator would otherwise hide
/// everything after it, including the limit message we are here for; real payloads (titles,
/// hyperlinks) are far shorter, and a longer one (an image) just leaks some noise into the text.
const MAX_STRING: u32 = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum State {
    Ground,
    /// After ESC.
    Escape,
    /// ESC followed by intermediate bytes (0x20–0x2F), e.g. `ESC ( B`.
    EscapeIntermediate,
    Csi,
    /// OSC payload: ends at BEL or ST (`ESC \`).
    Osc,
    /// DCS/SOS/PM/APC payload: ends at ST only (BEL may be part of a tmux passthrough payload).
    String,
    /// ESC seen inside an OSC (`osc: true`) or other string payload.
    StringEscape {
        osc: bool,
    },
}

/// Streaming escape-sequence stripper; see the module docs. Serializable: a restarted reader
/// carries on inside a sequence.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stripper {
    state: State,
    /// UTF-8 continuation bytes still expected in ground state.
    utf8_pending: u8,
    /// First numeric CSI parameter (saturating), to tell "column 1" from other column moves.
    csi_param: u16,
    csi_param_done: bool,
    string_len: u32,
}

impl Default for Stripper {
    fn default() -> Self {
        Self::new()
    }
}

impl Stripper {
    pub fn new() -> Self {
        Stripper { state: State::Ground, utf8_pending: 0, csi_param: 0, csi_param_done: false, string_len: 0 }
    }

    /// Appends the text of `input` to `out`. Invalid UTF-8 passes through (callers decode lossily).
    pub fn push(&mut self, input: &[u8], out: &mut Vec<u8>) {
        out.reserve(input.len());
        let mut i = 0;
        while i < input.len() {
            // Fast paths for the two states that cover nearly every byte of TUI output; the
            // per-byte state machine below only sees sequence boundaries and odd bytes.
            match self.state {
                State::Ground if self.utf8_pending == 0 => {
                    let start = i;
                    i = skip_text(input, i);
                    out.extend_from_slice(&input[start..i]);
                    if i == input.len() {
                        break;
                    }
                }
                State::Csi => {
                    while let Some(&b) = input.get(i) {
                        match b {
                            b'0'..=b'9' if !self.csi_param_done => {
                                self.csi_param = self.csi_param.saturating_mul(10).saturating_add(u16::from(b - b'0'));
                            }
                            b';' | b':' => self.csi_param_done = true,
                            0x20..=0x3f => {}
                            _ => break,
                        }
                        i += 1;
                    }
                    if i == input.len() {
                        break;
                    }
                }
                _ => {}
            }
            if self.step(input[i], out) {
                i += 1;
            }
        }
    }

    /// Handles one byte; returns false when the byte must be re-examined in the new state (a
    /// sequence aborted by a byte that starts something else).
    fn step(&mut self, b: u8, out: &mut Vec<u8>) -> bool {
        match self.state {
            State::Ground => self.ground(b, out),
            State::Escape => match b {
                b'[' => self.enter_csi(),
                b']' => self.enter_string(State::Osc),
                b'P' | b'X' | b'^' | b'_' => self.enter_string(State::String),
                0x1b => {}
                0x20..=0x2f => self.state = State::EscapeIntermediate,
                // RI, IND, NEL, DECRC and RIS all move the cursor to another row.
                b'M' | b'D' | b'E' | b'8' | b'c' => {
                    out.push(b'\n');
                    self.state = State::Ground;
                }
                0x30..=0x7e => self.state = State::Ground,
                0x18 | 0x1a => self.state = State::Ground,
                _ => {
                    self.state = State::Ground;
                    return false;
                }
            },
            State::EscapeIntermediate => match b {
                0x20..=0x2f => {}
                0x30..=0x7e | 0x18 | 0x1a => self.state = State::Ground,
                0x1b => self.state = State::Escape,
                _ => {
                    self.state = State::Ground;
                    return false;
                }
            },
            State::Csi => match b {
                b'0'..=b'9' => {
                    if !self.csi_param_done {
                        self.csi_param = self.csi_param.saturating_mul(10).saturating_add(u16::from(b - b'0'));
                    }
                }
                b';' | b':' => self.csi_param_done = true,
                0x3c..=0x3f | 0x20..=0x2f => {}
                0x40..=0x7e => {
                    self.csi_final(b, out);
                    self.state = State::Ground;
                }
                0x1b => self.state = State::Escape,
                0x18 | 0x1a => self.state = State::Ground,
                _ => {
                    self.state = State::Ground;
                    return false;
                }
            },
            State::Osc => match b {
                0x07 => self.state = State::Ground,
                0x1b => self.state = State::StringEscape { osc: true },
                _ => self.count_string(),
            },
            State::String => match b {
                0x1b => self.state = State::StringEscape { osc: false },
                _ => self.count_string(),
            },
            State::StringEscape { osc } => match b {
                b'\\' => self.state = State::Ground,
                // tmux passthrough doubles the ESCs of the wrapped sequence.
                0x1b if !osc => self.state = State::String,
                _ => {
                    self.state = State::Escape;
                    return false;
                }
            },
        }
        true
    }

    fn ground(&mut self, b: u8, out: &mut Vec<u8>) {
        if self.utf8_pending > 0 {
            if (0x80..=0xbf).contains(&b) {
                out.push(b);
                self.utf8_pending -= 1;
                return;
            }
            // Truncated character: what was written decodes to U+FFFD; this byte starts afresh.
            self.utf8_pending = 0;
        }
        match b {
            0x20..=0x7e | b'\n' | b'\t' => out.push(b),
            b'\r' => out.push(b'\n'),
            0x1b => self.state = State::Escape,
            0x9b => self.enter_csi(),
            0xc2..=0xdf => self.utf8_lead(b, 1, out),
            0xe0..=0xef => self.utf8_lead(b, 2, out),
            0xf0..=0xf4 => self.utf8_lead(b, 3, out),
            // Other C0/C1 controls, DEL, stray continuation bytes and impossible lead bytes.
            _ => {}
        }
    }

    fn utf8_lead(&mut self, b: u8, continuation: u8, out: &mut Vec<u8>) {
        out.push(b);
        self.utf8_pending = continuation;
    }

    fn enter_csi(&mut self) {
        self.state = State::Csi;
        self.csi_param = 0;
        self.csi_param_done = false;
    }

    fn enter_string(&mut self, state: State) {
        self.state = state;
        self.string_len = 0;
    }

    fn count_string(&mut self) {
        self.string_len = self.string_len.saturating_add(1);
        if self.string_len > MAX_STRING {
            self.state = State::Ground;
        }
    }

    fn csi_final(&mut self, b: u8, out: &mut Vec<u8>) {
        match b {
            // Cursor up/down/next/previous line, absolute position, line position absolute: Ink
            // redraws by moving up and rewriting rows, so each becomes a fresh line of text.
            b'A' | b'B' | b'E' | b'F' | b'H' | b'f' | b'd' => out.push(b'\n'),
            // Column 1 is a carriage return; another column is a jump within the row.
            b'G' | b'`' if self.csi_param <= 1 => out.push(b'\n'),
            b'G' | b'`' | b'C' | b'a' | b'I' => out.push(b' '),
            _ => {}
        }
    }
}

/// Index of the first byte at or after `i` that is not printable ASCII or a complete, well-formed
/// UTF-8 character; a character cut by the end of `input` stops the scan so the state machine can
/// carry it over.
fn skip_text(input: &[u8], mut i: usize) -> usize {
    while let Some(&b) = input.get(i) {
        let len = match b {
            0x20..=0x7e => 1,
            0xc2..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf4 => 4,
            _ => break,
        };
        if len > 1 {
            match input.get(i + 1..i + len) {
                Some(rest) if rest.iter().all(|&c| c & 0xc0 == 0x80) => {}
                _ => break,
            }
        }
        i += len;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(input: &[u8]) -> String {
        let mut out = Vec::new();
        Stripper::new().push(input, &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn removes_sgr_and_keeps_text() {
        assert_eq!(strip(b"\x1b[1;31mred\x1b[0m plain\x1b[m"), "red plain");
        assert_eq!(strip(b"\x1b[38;2;215;119;87mx\x1b[39m"), "x");
    }

    #[test]
    fn cursor_moves_become_newlines_or_spaces() {
        assert_eq!(strip(b"a\x1b[1Ab\x1b[2Bc\x1b[5;1Hd\x1b[Ge"), "a\nb\nc\nd\ne");
        assert_eq!(strip(b"you\x1b[1Chit"), "you hit");
        assert_eq!(strip(b"a\x1b[10Gb"), "a b");
        assert_eq!(strip(b"a\r\nb\rc"), "a\n\nb\nc");
        assert_eq!(strip(b"a\x1b7b\x1b8c"), "ab\nc");
        assert_eq!(strip(b"a\x1bMb"), "a\nb");
    }

    #[test]
    fn erase_and_modes_vanish() {
        assert_eq!(strip(b"\x1b[2K\x1b[?25l\x1b[?2004hab\x1b[0J\x1b[>4;2m"), "ab");
    }

    #[test]
    fn osc_with_bel_or_st() {
        assert_eq!(strip(b"a\x1b]0;\xe2\x9c\xb3 Claude Code\x07b"), "ab");
        assert_eq!(strip(b"\x1b]8;;https://x.y/\x1b\\link\x1b]8;;\x1b\\"), "link");
    }

    #[test]
    fn dcs_apc_and_tmux_passthrough() {
        assert_eq!(strip(b"a\x1bPq#0;2;0;0;0\x1b\\b"), "ab");
        assert_eq!(strip(b"a\x1b_Gf=100;AAAA\x1b\\b"), "ab");
        assert_eq!(strip(b"a\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\b"), "ab");
    }

    #[test]
    fn two_byte_escapes_and_charset_selection() {
        assert_eq!(strip(b"a\x1b=b\x1b>c\x1b(Bd\x1b)0e"), "abcde");
    }

    #[test]
    fn c0_controls_dropped_except_newline_and_tab() {
        assert_eq!(strip(b"a\x07b\x08c\td\x00e\x7f\n"), "abc\tde\n");
    }

    #[test]
    fn c1_csi_only_outside_utf8() {
        // 0x9B introduces a CSI when it stands alone...
        assert_eq!(strip(b"a\x9b31mb"), "ab");
        // ...but is the second byte of 'ě' (C4 9B) and of '›' (E2 80 BA is fine, E2 80 9B is '‛').
        assert_eq!(strip("věc ‛x".as_bytes()), "věc ‛x");
    }

    #[test]
    fn utf8_passes_through() {
        let s = "⎿  You’ve hit your limit · resets 3pm ∙ • ─╭╮│ ✻ 日本";
        assert_eq!(strip(s.as_bytes()), s);
    }

    #[test]
    fn unterminated_string_gives_up_after_cap() {
        let mut input = b"\x1b]0;".to_vec();
        input.extend(std::iter::repeat_n(b'x', MAX_STRING as usize + 10));
        input.extend_from_slice(b"\nvisible");
        assert!(strip(&input).ends_with("\nvisible"));
    }

    #[test]
    fn every_split_point_gives_the_same_text() {
        let input = [
            "\x1b[2K\x1b[1A\x1b[2K\x1b[G\x1b]0;✳ Title\x07\x1b[38;5;246m⎿\x1b[39m  You’ve hit".as_bytes(),
            b"\x1b[1Cyour limit \xc2\xb7 resets 3pm\x1bP+q\x1b\\\x1b(B\x9b0m\r\n",
            "věc\x1b]8;;u\x1b\\x\x1bPtmux;\x1b\x1b]0;t\x07\x1b\\.".as_bytes(),
        ]
        .concat();
        let input = input.as_slice();
        let whole = strip(input);
        assert_eq!(whole, "\n\n⎿  You’ve hit your limit · resets 3pm\n\nvěcx.");
        for a in 0..=input.len() {
            let mut s = Stripper::new();
            let mut out = Vec::new();
            s.push(&input[..a], &mut out);
            s.push(&input[a..], &mut out);
            assert_eq!(String::from_utf8_lossy(&out), whole, "split at {a}");
        }
        // And byte by byte.
        let mut s = Stripper::new();
        let mut out = Vec::new();
        for b in input {
            s.push(std::slice::from_ref(b), &mut out);
        }
        assert_eq!(String::from_utf8_lossy(&out), whole);
    }
}
