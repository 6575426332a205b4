#![no_main]
//! Fuzzes the `webhook` scheme's header parser and verification.

use libfuzzer_sys::fuzz_target;
use webhook_verify::Scheme;

fuzz_target!(|data: &[u8]| {
    webhook_fuzz::verify_arbitrary(Scheme::Webhook, &["x-webhook-timestamp", "x-webhook-signature", "x-webhook-id"], data);
});
