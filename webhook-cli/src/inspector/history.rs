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

#[cfg(test)]
mod tests {
    use axum::body::Bytes;
    use http::HeaderMap;

    use super::*;
    use crate::inspector::Observed;
    use crate::receiver::RequestLog;

    fn entry(path: &str, replay_of: Option<u64>) -> Entry {
        let log = RequestLog {
            method: "POST".to_owned(),
            path: path.to_owned(),
            event_id: None,
            event_id_verified: false,
            verification: None,
            refused: None,
            dedupe: None,
            status: 200,
            latency_ms: 0.1,
            event_type: None,
            forwards: Vec::new(),
            no_route_matched: false,
        };
        let response = http::Response::new(()).into_parts().0;
        let observed = Observed {
            log: &log,
            headers: &HeaderMap::new(),
            body: &Bytes::from_static(b"{}"),
            response: &response,
            response_body: &Bytes::new(),
            replay: None,
        };
        Entry::received(observed, 1024, replay_of)
    }

    #[test]
    fn the_oldest_entry_is_evicted_at_the_bound_and_every_change_is_broadcast() {
        let history = History::new(2);
        let mut changes = history.subscribe();
        assert_eq!(history.push(entry("/a", None)), 1);
        assert_eq!(history.push(entry("/b", None)), 2);
        assert_eq!(history.push(entry("/c", Some(2))), 3);
        let ids: Vec<_> = history
            .list(&Filter::default())
            .iter()
            .map(Entry::id)
            .collect();
        assert_eq!(ids, [3, 2]);
        assert!(history.get(1).is_none());
        assert_eq!(history.get(2).unwrap().replays, [3]);

        let mut seen = Vec::new();
        while let Ok(change) = changes.try_recv() {
            seen.push(match change {
                Change::Upsert(entry) => format!("upsert {} {:?}", entry.id, entry.replays),
                Change::Evicted(id) => format!("evicted {id}"),
            });
        }
        assert_eq!(
            seen,
            [
                "upsert 1 []",
                "upsert 2 []",
                "upsert 2 [3]",
                "upsert 3 []",
                "evicted 1"
            ]
        );
    }

    #[test]
    fn a_replay_of_an_evicted_entry_is_still_kept() {
        let history = History::new(1);
        history.push(entry("/a", None));
        history.push(entry("/b", None));
        let id = history.push(entry("/a", Some(1)));
        assert_eq!(history.get(id).unwrap().replay_of, Some(1));
    }
}
