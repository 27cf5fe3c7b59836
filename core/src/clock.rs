//! The clock behind timestamps and the notification time window; injectable for tests.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, TimeZone, Utc};

/// A source of the current time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Returns the current time.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stays at a set Unix time until moved; for tests and for replaying stored
/// notifications.
#[derive(Debug)]
pub struct FixedClock {
    unix_seconds: AtomicI64,
}

impl FixedClock {
    /// Creates a clock frozen at `unix_seconds`.
    pub fn new(unix_seconds: i64) -> Self {
        Self { unix_seconds: AtomicI64::new(unix_seconds) }
    }

    /// Moves the clock to `unix_seconds`.
    pub fn set(&self, unix_seconds: i64) {
        self.unix_seconds.store(unix_seconds, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        let seconds = self.unix_seconds.load(Ordering::SeqCst);
        Utc.timestamp_opt(seconds, 0).single().unwrap_or_default()
    }
}
