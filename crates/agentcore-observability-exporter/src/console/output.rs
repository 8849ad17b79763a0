//! Where console output goes, and whether it is coloured.
//!
//! Every exporter renders a whole block of text first and hands it to [`Sink::write`] in one
//! call, so concurrent exporters never interleave inside a tree or a line.

use std::fmt;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// A shared, lock-protected writer plus the colour decision.
///
/// The settings are atomics so builder methods can change them through a shared reference,
/// which lets clones of `ConsoleSpanExporter` share one sink.
pub(crate) struct Sink {
    writer: Mutex<Box<dyn Write + Send>>,
    color: AtomicBool,
    /// Set once `with_color` was called: an explicit choice survives a later `with_writer`.
    color_forced: AtomicBool,
    write_errors: AtomicU64,
}

impl Sink {
    /// A sink on stdout, coloured when stdout is a terminal and `NO_COLOR` is not set.
    pub(crate) fn stdout() -> Self {
        Sink {
            writer: Mutex::new(Box::new(std::io::stdout())),
            color: AtomicBool::new(stdout_wants_color()),
            color_forced: AtomicBool::new(false),
            write_errors: AtomicU64::new(0),
        }
    }

    /// Replace the writer; colour goes off unless it was chosen explicitly, because a
    /// custom writer is usually a file or a test buffer where escape codes are noise.
    pub(crate) fn set_writer(&self, writer: Box<dyn Write + Send>) {
        *self.lock() = writer;
        if !self.color_forced.load(Ordering::Relaxed) {
            self.color.store(false, Ordering::Relaxed);
        }
    }

    /// Force colour on or off, whatever the writer.
    pub(crate) fn set_color(&self, on: bool) {
        self.color_forced.store(true, Ordering::Relaxed);
        self.color.store(on, Ordering::Relaxed);
    }

    /// The painter matching the current colour decision.
    pub(crate) fn painter(&self) -> Painter {
        Painter {
            on: self.color.load(Ordering::Relaxed),
        }
    }

    /// Write a rendered block. Errors (a closed pipe, a full disk) are counted and
    /// otherwise ignored: diagnostics output must never take the application down.
    pub(crate) fn write(&self, text: &str) {
        if text.is_empty() {
            return;
        }
        let mut writer = self.lock();
        let result = writer
            .write_all(text.as_bytes())
            .and_then(|()| writer.flush());
        if result.is_err() {
            self.write_errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// How many writes failed so far.
    pub(crate) fn write_errors(&self) -> u64 {
        self.write_errors.load(Ordering::Relaxed)
    }

    /// Lock the writer, recovering from poisoning: a panic in another writer's `write`
    /// must not silence the console for the rest of the process.
    fn lock(&self) -> MutexGuard<'_, Box<dyn Write + Send>> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl fmt::Debug for Sink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The writer itself is opaque (and may be a test buffer); show only the settings.
        f.debug_struct("Sink")
            .field("color", &self.color.load(Ordering::Relaxed))
            .field("write_errors", &self.write_errors())
            .finish_non_exhaustive()
    }
}

/// Colour only for a terminal, and never when the user opted out via `NO_COLOR`
/// (<https://no-color.org>: any non-empty value disables colour).
fn stdout_wants_color() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    !no_color && std::io::stdout().is_terminal()
}

/// The few text styles the console uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    Bold,
    Dim,
    Red,
    Green,
    Yellow,
    Cyan,
    Magenta,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Bold => "1",
            Style::Dim => "2",
            Style::Red => "31",
            Style::Green => "32",
            Style::Yellow => "33",
            Style::Cyan => "36",
            Style::Magenta => "35",
        }
    }
}

/// Appends text to a buffer, wrapped in ANSI escapes when colour is on.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Painter {
    on: bool,
}

impl Painter {
    /// A painter that never emits escape codes.
    #[cfg(test)]
    pub(crate) fn plain() -> Self {
        Painter { on: false }
    }

    /// Append `text` in `style`.
    pub(crate) fn push(self, out: &mut String, style: Style, text: &str) {
        if self.on && !text.is_empty() {
            out.push_str("\x1b[");
            out.push_str(style.code());
            out.push('m');
            out.push_str(text);
            out.push_str("\x1b[0m");
        } else {
            out.push_str(text);
        }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! A writer that tests can read back.

    use std::future::Future;
    use std::io::{self, Write};
    use std::pin::pin;
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll, Waker};

    /// A cloneable in-memory writer.
    #[derive(Clone, Default)]
    pub(crate) struct SharedBuf(pub(crate) Arc<Mutex<Vec<u8>>>);

    impl SharedBuf {
        /// Everything written so far, as text.
        pub(crate) fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    impl Write for SharedBuf {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Run a future to completion on this thread.
    ///
    /// The console exporters return already-completed futures, so a no-op waker suffices and
    /// the tests need no executor dependency.
    pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
        let mut future = pin!(future);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            std::thread::yield_now();
        }
    }

    /// A writer that fails like a closed pipe.
    pub(crate) struct BrokenPipe;

    impl Write for BrokenPipe {
        fn write(&mut self, _buf: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(io::ErrorKind::BrokenPipe))
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::Error::from(io::ErrorKind::BrokenPipe))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{BrokenPipe, SharedBuf};
    use super::*;

    #[test]
    fn custom_writer_turns_colour_off_unless_forced() {
        let sink = Sink::stdout();
        sink.set_writer(Box::new(SharedBuf::default()));
        assert!(!sink.painter().on);

        let sink = Sink::stdout();
        sink.set_color(true);
        sink.set_writer(Box::new(SharedBuf::default()));
        assert!(sink.painter().on);
    }

    #[test]
    fn broken_pipe_is_counted_not_raised() {
        let sink = Sink::stdout();
        sink.set_writer(Box::new(BrokenPipe));
        sink.write("hello\n");
        sink.write("");
        assert_eq!(sink.write_errors(), 1);
    }

    #[test]
    fn painter_wraps_only_when_on() {
        let mut out = String::new();
        Painter { on: true }.push(&mut out, Style::Red, "x");
        assert_eq!(out, "\x1b[31mx\x1b[0m");
        let mut out = String::new();
        Painter::plain().push(&mut out, Style::Red, "x");
        assert_eq!(out, "x");
    }
}
