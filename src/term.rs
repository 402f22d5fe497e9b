//! The popups' keys: a status or event popup closes on `q`, `Esc`, `Enter` or Ctrl-C, as every
//! tmux popup a user knows does. Only for a terminal on stdin; anything else returns at once.

use std::io::Read;

/// Keys that close a popup.
fn closes(b: u8) -> bool {
    matches!(b, b'q' | b'Q' | 0x1b | b'\r' | b'\n' | 0x03)
}

/// Stdin in non-canonical, no-echo mode until dropped.
struct Raw(Option<libc::termios>);

impl Raw {
    fn new() -> Raw {
        // SAFETY: tcgetattr/tcsetattr on fd 0 with a zeroed termios we own; isatty checks first.
        unsafe {
            if libc::isatty(0) != 1 {
                return Raw(None);
            }
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(0, &mut t) != 0 {
                return Raw(None);
            }
            let saved = t;
            t.c_lflag &= !(libc::ICANON | libc::ECHO | libc::ISIG);
            t.c_cc[libc::VMIN] = 1;
            t.c_cc[libc::VTIME] = 0;
            libc::tcsetattr(0, libc::TCSANOW, &t);
            Raw(Some(saved))
        }
    }
}

impl Drop for Raw {
    fn drop(&mut self) {
        if let Some(t) = &self.0 {
            // SAFETY: restores the attributes read in `new` on the same fd.
            unsafe {
                libc::tcsetattr(0, libc::TCSANOW, t);
            }
        }
    }
}

/// Block until a closing key (or the end of input).
pub fn wait_for_close_key() {
    let raw = Raw::new();
    if raw.0.is_none() {
        return;
    }
    let mut b = [0u8; 1];
    let mut stdin = std::io::stdin();
    while let Ok(1) = stdin.read(&mut b) {
        if closes(b[0]) {
            break;
        }
    }
}

/// While something else runs (`events --follow`), end the process on a closing key.
pub fn exit_on_close_key() {
    std::thread::spawn(|| {
        wait_for_close_key();
        std::process::exit(0);
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_keys_that_close() {
        for b in [b'q', 0x1b, b'\r', 0x03] {
            assert!(super::closes(b));
        }
        assert!(!super::closes(b'x'));
    }
}
