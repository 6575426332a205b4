#![no_main]
//! Fuzzes the `standard` scheme's header parser and verification.

use libfuzzer_sys::fuzz_target;
use webhook_verify::{Scheme, headers};

fuzz_target!(|data: &[u8]| {
    webhook_fuzz::verify_arbitrary(Scheme::Standard, &[headers::WEBHOOK_ID, headers::WEBHOOK_TIMESTAMP, headers::WEBHOOK_SIGNATURE, headers::SVIX_SIGNATURE], data);
});
