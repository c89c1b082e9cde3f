//! Work in flight, so that a stop can wait for it: each command or button press holds a
//! [`WorkGuard`] while it runs; once [`InFlight::close`] is called no new work starts, and
//! [`InFlight::drain`] waits (within a bound) for the running work to finish.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

/// Counts running work; shared by every adapter through the [`crate::bot::Bot`].
#[derive(Debug, Default)]
pub struct InFlight {
    running: AtomicUsize,
    closed: AtomicBool,
    idle: Notify,
}

/// Held while one piece of work runs; dropping it ends the work.
#[derive(Debug)]
pub struct WorkGuard(Arc<InFlight>);

impl Drop for WorkGuard {
    fn drop(&mut self) {
        if self.0.running.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl InFlight {
    /// Starts one piece of work, or `None` once closed (the caller answers that the bot is
    /// stopping).
    pub fn begin(self: &Arc<Self>) -> Option<WorkGuard> {
        self.running.fetch_add(1, Ordering::AcqRel);
        let guard = WorkGuard(self.clone());
        if self.closed.load(Ordering::Acquire) {
            return None; // the guard's drop undoes the count
        }
        Some(guard)
    }

    /// Refuses new work from now on.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// How much work is running.
    pub fn running(&self) -> usize {
        self.running.load(Ordering::Acquire)
    }

    /// Closes, then waits at most `limit` for the running work to finish; returns how much was
    /// still running when it gave up (0 when everything finished).
    pub async fn drain(&self, limit: Duration) -> usize {
        self.close();
        let wait = async {
            loop {
                let idle = self.idle.notified();
                if self.running() == 0 {
                    return;
                }
                idle.await;
            }
        };
        let _ = tokio::time::timeout(limit, wait).await;
        self.running()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drain_waits_for_running_work_and_refuses_new_work() {
        let work = Arc::new(InFlight::default());
        let guard = work.begin().expect("open");
        assert_eq!(work.running(), 1);
        let finisher = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            drop(guard);
        });
        assert_eq!(work.drain(Duration::from_secs(5)).await, 0);
        assert!(work.begin().is_none(), "closed");
        assert_eq!(work.running(), 0, "a refused start leaves no count behind");
        finisher.await.expect("finisher");
    }

    #[tokio::test]
    async fn drain_gives_up_after_its_bound() {
        let work = Arc::new(InFlight::default());
        let _stuck = work.begin().expect("open");
        assert_eq!(work.drain(Duration::from_millis(50)).await, 1);
    }
}
