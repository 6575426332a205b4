//! The behavioural suite against `MemoryStore`.

mod common;

common::suite!(common::memory);
