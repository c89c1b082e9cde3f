//! Next-page buttons: page handles are too long for a Discord `custom_id` (100 characters) and
//! should not travel through chat anyway, so the button carries a short id and the handle (with
//! the command that produced it) stays here. Shared by the Discord and Slack adapters.

use dashmap::DashMap;
use mimecast_commands::Invocation;

/// Prefix of a Next page button's id.
pub const PAGE_PREFIX: &str = "page:";

/// Most pages remembered; the oldest are forgotten first (a forgotten page's button says so).
pub const MAX_PAGES: usize = 10_000;

/// Short ids → (command, page handle).
#[derive(Default)]
pub struct Pages {
    entries: DashMap<String, (u64, Invocation, String)>,
    counter: std::sync::atomic::AtomicU64,
}

impl Pages {
    /// Remembers the next page of `invocation` and returns the button id for it.
    pub fn remember(&self, invocation: &Invocation, handle: String) -> String {
        let seq = self
            .counter
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let id = format!(
            "{PAGE_PREFIX}{}",
            &uuid::Uuid::new_v4().simple().to_string()[..16]
        );
        if self.entries.len() >= MAX_PAGES {
            let oldest = self
                .entries
                .iter()
                .min_by_key(|e| e.value().0)
                .map(|e| e.key().clone());
            if let Some(oldest) = oldest {
                self.entries.remove(&oldest);
            }
        }
        self.entries
            .insert(id.clone(), (seq, invocation.clone(), handle));
        id
    }

    /// The command and handle behind a button id.
    pub fn get(&self, id: &str) -> Option<(Invocation, String)> {
        self.entries
            .get(id)
            .map(|e| (e.value().1.clone(), e.value().2.clone()))
    }
}
