#![no_main]
//! Fuzzes the `slack` scheme's header parser and verification.

use libfuzzer_sys::fuzz_target;
use webhook_verify::{Scheme, headers};

fuzz_target!(|data: &[u8]| {
    webhook_fuzz::verify_arbitrary(Scheme::Slack, &[headers::X_SLACK_REQUEST_TIMESTAMP, headers::X_SLACK_SIGNATURE], data);
});
