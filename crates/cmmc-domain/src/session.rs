//! How long a browser's sign-in lives while unused (NIST SP 800-171 3.1.11:
//! terminate a session after a defined condition).

use chrono::{DateTime, Duration, Utc};

/// What a request does to a browser's sign-in, given when it was last used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleCheck {
    /// Used recently: nothing to record.
    Active,
    /// Still alive, and last recorded long enough ago to record this use.
    Touch,
    /// Unused for longer than the timeout: the sign-in ends.
    Expired,
}

/// How stale the recorded last use may grow before a request records a new
/// one: a quarter of the timeout, at most a minute, so an active user's
/// session never times out and a page costs a write at most once a minute.
#[must_use]
pub fn touch_interval(timeout: Duration) -> Duration {
    (timeout / 4).min(Duration::seconds(60))
}

/// The check of a request at `now` on a sign-in last used at `last_used`.
#[must_use]
pub fn idle_check(last_used: DateTime<Utc>, now: DateTime<Utc>, timeout: Duration) -> IdleCheck {
    let idle = now - last_used;
    if idle > timeout {
        IdleCheck::Expired
    } else if idle >= touch_interval(timeout) {
        IdleCheck::Touch
    } else {
        IdleCheck::Active
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn a_session_is_touched_at_most_once_a_minute_and_ends_after_the_timeout() {
        let timeout = Duration::minutes(15);
        assert_eq!(touch_interval(timeout), Duration::seconds(60));
        assert_eq!(idle_check(at(0), at(59), timeout), IdleCheck::Active);
        assert_eq!(idle_check(at(0), at(60), timeout), IdleCheck::Touch);
        assert_eq!(idle_check(at(0), at(900), timeout), IdleCheck::Touch, "exactly the timeout");
        assert_eq!(idle_check(at(0), at(901), timeout), IdleCheck::Expired);
    }

    #[test]
    fn short_timeouts_are_touched_often_enough_to_stay_alive() {
        let timeout = Duration::seconds(4);
        assert_eq!(touch_interval(timeout), Duration::seconds(1));
        assert_eq!(idle_check(at(0), at(1), timeout), IdleCheck::Touch);
        assert_eq!(idle_check(at(0), at(5), timeout), IdleCheck::Expired);
    }
}
