#![no_main]
//! Fuzzes the `webhook` scheme's header parser and verification.

use libfuzzer_sys::fuzz_target;
use webhook_verify::{Scheme, headers};

fuzz_target!(|data: &[u8]| {
    webhook_fuzz::verify_arbitrary(Scheme::Webhook, &[headers::X_WEBHOOK_TIMESTAMP, headers::X_WEBHOOK_SIGNATURE, headers::X_WEBHOOK_ID], data);
});
