//! Drive not answering at all, as opposed to one request failing.
//!
//! Each operation retries for a minute or more before it gives up (`retry.rs`). That is right
//! for a file Drive trips over once, and wrong when the network or Drive itself is down: a
//! thousand charts, sixteen at a time, would each spend their minute, and the run would end an
//! hour later having downloaded nothing. So the client also notes how long every request has
//! been failing: once nothing has answered for [`RetryPolicy::give_up_after`], the operations
//! still retrying and every one not started fail at once with that reason, and the run records
//! them and ends.
//!
//! [`RetryPolicy::give_up_after`]: super::retry::RetryPolicy::give_up_after

use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Outage {
    window: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The first failure since Drive last answered.
    failing_since: Option<Instant>,
    /// Set once the window passed; it is never cleared, so the run stops asking.
    declared: Option<String>,
    /// Whether the failures since Drive last answered were said to the user yet.
    noticed: bool,
}

impl Outage {
    pub fn new(window: Duration) -> Outage {
        Outage {
            window,
            state: Mutex::new(State::default()),
        }
    }

    /// Drive answered: with data (a page it marks incomplete too), or with an error about the
    /// request itself (404, 403, 401) rather than about being unable to serve it.
    pub fn answered(&self) {
        let mut state = self.state();
        state.failing_since = None;
        state.noticed = false;
    }

    /// Once per stretch of failures, at the first failure a twentieth of the window into it (15
    /// s of 5 min) or later: what to tell the user, who would otherwise see nothing for minutes
    /// while the retries go on quietly (a machine without a network fails every request from
    /// the first). Each request may give up sooner, its own attempts spent: the window is the
    /// most the run goes on, not the least.
    pub fn notice(&self, reason: &str, now: Instant) -> Option<String> {
        let mut state = self.state();
        let since = state.failing_since?;
        let failing = now.saturating_duration_since(since);
        if state.noticed || state.declared.is_some() || failing < self.window / 20 {
            return None;
        }
        state.noticed = true;
        Some(format!(
            "every request to Google Drive has failed for {} (the last: {reason}); retrying, and \
             giving up on all of them if nothing succeeds for {}",
            spoken(failing),
            spoken(self.window)
        ))
    }

    /// A request failed in a way worth retrying (no connection, a timeout, 5xx, 429). Returns
    /// the reason to give up with once requests have been failing for the whole window.
    pub fn failed(&self, reason: &str, now: Instant) -> Option<String> {
        let mut state = self.state();
        if let Some(declared) = &state.declared {
            return Some(declared.clone());
        }
        let since = *state.failing_since.get_or_insert(now);
        if now.saturating_duration_since(since) < self.window {
            return None;
        }
        let declared = format!(
            "Google Drive failed every request for {} (the last: {reason}); \
             nothing more was asked of it",
            spoken(self.window)
        );
        state.declared = Some(declared.clone());
        Some(declared)
    }

    /// The reason every operation now fails with, once the window has passed.
    pub fn declared(&self) -> Option<String> {
        self.state().declared.clone()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // Nothing panics while holding the lock.
        self.state.lock().expect("outage lock")
    }
}

/// `5 min`, `90 s`, `300 ms`: the window as the message gives it (tests shrink it).
fn spoken(window: Duration) -> String {
    let seconds = window.as_secs();
    if seconds >= 60 && seconds.is_multiple_of(60) && window.subsec_nanos() == 0 {
        format!("{} min", seconds / 60)
    } else if seconds >= 1 {
        format!("{:.0} s", window.as_secs_f64())
    } else {
        format!("{} ms", window.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn only_failures_without_an_answer_for_the_whole_window_declare_an_outage() {
        let outage = Outage::new(5 * MINUTE);
        let start = Instant::now();
        assert_eq!(outage.failed("503", start), None);
        assert_eq!(outage.failed("503", start + 4 * MINUTE), None);
        // An answer in between starts the count again.
        outage.answered();
        assert_eq!(outage.failed("503", start + 6 * MINUTE), None);
        assert_eq!(outage.failed("503", start + 10 * MINUTE), None);
        assert_eq!(outage.declared(), None);
        let declared = outage
            .failed("cannot connect: refused", start + 11 * MINUTE)
            .expect("five minutes of failures");
        assert_eq!(
            declared,
            "Google Drive failed every request for 5 min (the last: cannot connect: refused); \
             nothing more was asked of it"
        );
        // Declared for good: a late answer does not make the run start asking again.
        outage.answered();
        assert_eq!(outage.declared().as_deref(), Some(declared.as_str()));
        assert_eq!(
            outage.failed("503", start + 12 * MINUTE).as_deref(),
            Some(declared.as_str())
        );
    }

    #[test]
    fn failures_going_on_are_said_once_each_stretch() {
        let outage = Outage::new(5 * MINUTE);
        let start = Instant::now();
        let second = Duration::from_secs(1);
        assert_eq!(outage.notice("refused", start), None);
        assert_eq!(outage.failed("refused", start), None);
        assert_eq!(outage.notice("refused", start + 14 * second), None);
        assert_eq!(
            outage.notice("dns error", start + 16 * second).as_deref(),
            Some(
                "every request to Google Drive has failed for 16 s (the last: dns error); \
                 retrying, and giving up on all of them if nothing succeeds for 5 min"
            )
        );
        assert_eq!(outage.notice("dns error", start + MINUTE), None);
        // An answer ends the stretch; the next one is said again.
        outage.answered();
        assert_eq!(outage.failed("503", start + 2 * MINUTE), None);
        assert!(outage.notice("503", start + 3 * MINUTE).is_some());
    }

    #[test]
    fn the_window_is_spoken_in_its_own_unit() {
        assert_eq!(spoken(5 * MINUTE), "5 min");
        assert_eq!(spoken(Duration::from_secs(90)), "90 s");
        assert_eq!(spoken(Duration::from_secs(3)), "3 s");
        assert_eq!(spoken(Duration::from_millis(300)), "300 ms");
    }
}
