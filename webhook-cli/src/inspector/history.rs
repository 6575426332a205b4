//! The bounded history: the newest entries in arrival order, ids counting
//! up from 1, and a broadcast of every [`Change`] so open pages follow
//! along. Pushing past the bound evicts the oldest entry; an evicted id is
//! gone for good (the API answers 404).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use super::{Entry, Filter};

/// How many changes a slow page may fall behind before it is told to
/// reload ([`broadcast`]'s lag).
const CHANNEL_CAPACITY: usize = 256;

/// A change to the history, as broadcast to the event streams.
#[derive(Debug, Clone)]
pub enum Change {
    /// A new entry, or one whose replays changed: the entry as it is now.
    Upsert(Arc<Entry>),
    /// The entry with this id was evicted.
    Evicted(u64),
}

#[derive(Debug)]
struct State {
    entries: VecDeque<Entry>,
    next_id: u64,
}

#[derive(Debug)]
pub(super) struct History {
    bound: usize,
    state: Mutex<State>,
    changes: broadcast::Sender<Change>,
}

impl History {
    pub(super) fn new(bound: usize) -> Self {
        Self {
            bound,
            state: Mutex::new(State {
                entries: VecDeque::with_capacity(bound.min(1024)),
                next_id: 1,
            }),
            changes: broadcast::channel(CHANNEL_CAPACITY).0,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means a panic elsewhere mid-call; every
        // update below leaves the state consistent at each step.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds `entry` with the next id (and links it to its original, when
    /// it is a replay); returns the id.
    pub(super) fn push(&self, mut entry: Entry) -> u64 {
        let mut changes = Vec::with_capacity(3);
        let id = {
            let mut state = self.lock();
            let id = state.next_id;
            state.next_id += 1;
            entry.id = id;
            if let Some(original) = entry.replay_of
                && let Some(original) = find_mut(&mut state.entries, original)
            {
                original.replays.push(id);
                changes.push(Change::Upsert(Arc::new(original.clone())));
            }
            changes.push(Change::Upsert(Arc::new(entry.clone())));
            state.entries.push_back(entry);
            while state.entries.len() > self.bound {
                if let Some(evicted) = state.entries.pop_front() {
                    changes.push(Change::Evicted(evicted.id));
                }
            }
            id
        };
        for change in changes {
            // No page listening is fine.
            let _ = self.changes.send(change);
        }
        id
    }

    pub(super) fn get(&self, id: u64) -> Option<Entry> {
        find(&self.lock().entries, id).cloned()
    }

    pub(super) fn list(&self, filter: &Filter) -> Vec<Entry> {
        self.lock()
            .entries
            .iter()
            .rev()
            .filter(|e| filter.matches(e))
            .cloned()
            .collect()
    }

    pub(super) fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }
}

/// Ids increase along the deque, so a binary search finds one.
fn find(entries: &VecDeque<Entry>, id: u64) -> Option<&Entry> {
    let index = entries.binary_search_by_key(&id, |e| e.id).ok()?;
    entries.get(index)
}

fn find_mut(entries: &mut VecDeque<Entry>, id: u64) -> Option<&mut Entry> {
    let index = entries.binary_search_by_key(&id, |e| e.id).ok()?;
    entries.get_mut(index)
}
