#![no_main]
//! Fuzzes the `slack` scheme's header parser and verification.

use libfuzzer_sys::fuzz_target;
use webhook_verify::Scheme;

fuzz_target!(|data: &[u8]| {
    webhook_fuzz::verify_arbitrary(Scheme::Slack, &["x-slack-request-timestamp", "x-slack-signature"], data);
});
