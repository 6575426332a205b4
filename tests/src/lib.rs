//! End-to-end tests of the webhook toolkit live in `tests/tests/`; this
//! library is empty on purpose (the package exists to hold them).
