//! The delivery engine behind `webhook deliver`, `webhook replay` and
//! `webhook roundtrip` (see [`Sender`]).

mod engine;

pub use engine::*;
