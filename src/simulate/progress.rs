//! A progress bar for long runs, on stderr, only when stderr is a terminal
//! (so logs and pipes never see it) and the run is long enough to need one.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Runs of fewer people than this finish too soon for a bar.
pub const MIN_PEOPLE: u64 = 10_000;

pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar over `total` people on stderr, when stderr is a terminal and
    /// `total` is at least [`MIN_PEOPLE`]; otherwise nothing is drawn.
    pub fn people(total: u64) -> Progress {
        if total < MIN_PEOPLE || !std::io::stderr().is_terminal() {
            return Progress { bar: None };
        }
        Progress::to(total, ProgressDrawTarget::stderr())
    }

    /// A bar over `total` people drawn to `target`.
    pub fn to(total: u64, target: ProgressDrawTarget) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(total), target);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {human_pos}/{human_len} people, {eta} left")
                .expect("a valid template"),
        );
        Progress { bar: Some(bar) }
    }

    /// `done` people are done.
    pub fn set(&self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        }
    }

    /// Removes the bar (the output that follows starts on a clean line).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use indicatif::TermLike;

    use super::*;

    /// A terminal that keeps what is written to it.
    #[derive(Debug, Clone, Default)]
    struct Screen(Arc<Mutex<String>>);

    impl TermLike for Screen {
        fn width(&self) -> u16 {
            100
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.0.lock().unwrap().push_str(s);
            self.0.lock().unwrap().push('\n');
            Ok(())
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.0.lock().unwrap().push_str(s);
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn draws_people_done_on_a_terminal() {
        let screen = Screen::default();
        let p = Progress::to(
            20_000,
            ProgressDrawTarget::term_like(Box::new(screen.clone())),
        );
        p.set(5_000);
        p.bar.as_ref().unwrap().tick();
        let shown = screen.0.lock().unwrap().clone();
        assert!(shown.contains("5,000/20,000 people"), "{shown:?}");
        p.finish();
    }

    #[test]
    fn small_runs_and_pipes_get_no_bar() {
        assert!(Progress::people(10).bar.is_none());
        // Under `cargo test` stderr is captured, not a terminal.
        if !std::io::stderr().is_terminal() {
            assert!(Progress::people(1_000_000).bar.is_none());
        }
    }
}
