//! The shared state behind the router: configuration, data generator, issued tokens, fault
//! queue, request log, page-token key, rate-limit bucket and the held queue's dispositions.

use std::sync::Arc;

use dashmap::DashMap;

use super::auth::TokenStore;
use super::config::SandboxConfig;
use super::data::{Dataset, SandboxData};
use super::envelope::RateBucket;
use super::faults::{Fault, FaultQueue};
use super::paging::Pager;
use super::recorder::{RecordedRequest, Recorder};

const COUNT_CACHE_LIMIT: usize = 1024;

/// What happened to a held message that left the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Released by `hold-release`.
    Released,
    /// Rejected by `hold-reject`.
    Rejected,
}

/// A handle on a sandbox's state, for inspection and control (cheap to clone).
#[derive(Clone)]
pub struct SandboxState {
    inner: Arc<Inner>,
}

struct Inner {
    config: SandboxConfig,
    data: SandboxData,
    tokens: TokenStore,
    faults: FaultQueue,
    recorder: Recorder,
    pager: Pager,
    rate: RateBucket,
    gone: DashMap<usize, Disposition>,
    counts: DashMap<String, usize>,
}

impl std::fmt::Debug for SandboxState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxState")
            .field("seed", &self.inner.config.seed)
            .field("scale", &self.inner.config.scale)
            .field("now", &self.inner.config.now)
            .field("faults", &self.inner.faults.list().len())
            .finish_non_exhaustive()
    }
}

impl SandboxState {
    /// Fresh state for a configuration (its faults are queued).
    pub fn new(config: SandboxConfig) -> Self {
        let data = SandboxData::new(config.seed, config.scale, config.now);
        let faults = FaultQueue::default();
        config.faults.iter().cloned().for_each(|f| faults.push(f));
        Self {
            inner: Arc::new(Inner {
                config,
                data,
                tokens: TokenStore::default(),
                faults,
                recorder: Recorder::default(),
                pager: Pager::default(),
                rate: RateBucket::default(),
                gone: DashMap::new(),
                counts: DashMap::new(),
            }),
        }
    }

    /// The configuration it was built from.
    pub fn config(&self) -> &SandboxConfig {
        &self.inner.config
    }

    /// The data generator, to compute expected rows independently.
    pub fn data(&self) -> &SandboxData {
        &self.inner.data
    }

    /// The recorded requests, oldest first (at most the last 10 000).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.inner.recorder.snapshot()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.inner.recorder.clear();
    }

    /// Queues a fault.
    pub fn inject(&self, fault: Fault) {
        self.inner.faults.push(fault);
    }

    /// The queued faults.
    pub fn faults(&self) -> Vec<Fault> {
        self.inner.faults.list()
    }

    /// Removes every queued fault.
    pub fn clear_faults(&self) {
        self.inner.faults.clear();
    }

    /// Makes every issued bearer token expired.
    pub fn expire_tokens(&self) {
        self.inner.tokens.expire_all();
    }

    /// Issues a bearer token directly, as `/oauth/token` would.
    pub fn issue_token(&self) -> String {
        self.inner.tokens.issue(self.inner.config.token_ttl)
    }

    /// What happened to held message `index`, if it left the queue.
    pub fn held_disposition(&self, index: usize) -> Option<Disposition> {
        self.inner.gone.get(&index).map(|d| *d)
    }

    /// How many held messages are still in the queue.
    pub fn held_remaining(&self) -> usize {
        self.inner
            .data
            .len(Dataset::Held)
            .saturating_sub(self.inner.gone.len())
    }

    /// Removes held message `index` from the queue; false if it was already gone.
    pub(crate) fn take_held(&self, index: usize, disposition: Disposition) -> bool {
        match self.inner.gone.entry(index) {
            dashmap::mapref::entry::Entry::Occupied(_) => false,
            dashmap::mapref::entry::Entry::Vacant(slot) => {
                slot.insert(disposition);
                true
            }
        }
    }

    pub(crate) fn is_held(&self, index: usize) -> bool {
        !self.inner.gone.contains_key(&index)
    }

    pub(crate) fn tokens(&self) -> &TokenStore {
        &self.inner.tokens
    }

    pub(crate) fn fault_queue(&self) -> &FaultQueue {
        &self.inner.faults
    }

    pub(crate) fn recorder(&self) -> &Recorder {
        &self.inner.recorder
    }

    pub(crate) fn pager(&self) -> &Pager {
        &self.inner.pager
    }

    pub(crate) fn rate(&self) -> &RateBucket {
        &self.inner.rate
    }

    /// A count over immutable data, computed once per distinct query.
    pub(crate) fn cached_count(&self, key: String, compute: impl FnOnce() -> usize) -> usize {
        if let Some(n) = self.inner.counts.get(&key) {
            return *n;
        }
        let n = compute();
        if self.inner.counts.len() >= COUNT_CACHE_LIMIT {
            self.inner.counts.clear();
        }
        self.inner.counts.insert(key, n);
        n
    }
}
