//! The memory store's expiry index: which record expires next, in O(1)
//! per record for the few durations a store is used with.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::{Duration, Instant};

use super::RecordId;

/// How many distinct durations get a queue of their own in a shard's
/// expiry index (a layer uses two: its lease and its retention).
const QUEUES: usize = 4;

/// The expiry index: earliest first, O(1) per record for the few durations
/// a store is used with.
///
/// A record expires at `now + ttl`, and the clock only moves forward, so
/// the expiries of one ttl arrive in order: each of the first [`QUEUES`]
/// ttls seen gets a FIFO queue (push at the back, pop at the front). Any
/// other ttl, and the rare expiry that arrives out of order (two workers
/// read the clock in one order and take the lock in the other, a custom
/// clock that goes back), goes to a min-heap.
#[derive(Default)]
pub(super) struct Expiries {
    queues: Vec<(Duration, VecDeque<(Instant, RecordId)>)>,
    heap: BinaryHeap<Reverse<(Instant, RecordId)>>,
}

/// Where the earliest expiry is.
#[derive(Clone, Copy)]
pub(super) enum Source {
    Queue(usize),
    Heap,
}

impl Expiries {
    pub(super) fn push(&mut self, ttl: Duration, expires: Instant, id: RecordId) {
        let queue = match self.queues.iter().position(|(d, _)| *d == ttl) {
            Some(i) => Some(i),
            None if self.queues.len() < QUEUES => {
                self.queues.push((ttl, VecDeque::new()));
                Some(self.queues.len() - 1)
            }
            None => None,
        };
        if let Some(i) = queue {
            let queue = &mut self.queues[i].1;
            if queue.back().is_none_or(|(last, _)| *last <= expires) {
                queue.push_back((expires, id));
                return;
            }
        }
        self.heap.push(Reverse((expires, id)));
    }

    /// The earliest expiry, and where it is.
    pub(super) fn peek(&self) -> Option<(Instant, RecordId, Source)> {
        let mut earliest = self
            .heap
            .peek()
            .map(|Reverse((expires, id))| (*expires, *id, Source::Heap));
        for (i, (_, queue)) in self.queues.iter().enumerate() {
            if let Some(&(expires, id)) = queue.front()
                && earliest.is_none_or(|(e, _, _)| expires < e)
            {
                earliest = Some((expires, id, Source::Queue(i)));
            }
        }
        earliest
    }

    pub(super) fn pop(&mut self) -> Option<(Instant, RecordId)> {
        let (_, _, source) = self.peek()?;
        match source {
            Source::Heap => self.heap.pop().map(|Reverse(e)| e),
            Source::Queue(i) => self.queues[i].1.pop_front(),
        }
    }

    /// Puts back an entry [`pop`](Self::pop) took, earlier than what the
    /// queues hold: it goes to the heap.
    pub(super) fn push_earlier(&mut self, expires: Instant, id: RecordId) {
        self.heap.push(Reverse((expires, id)));
    }
}
