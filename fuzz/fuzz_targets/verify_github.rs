#![no_main]
//! Fuzzes the `github` scheme's header parser and verification.

use libfuzzer_sys::fuzz_target;
use webhook_verify::{Scheme, headers};

fuzz_target!(|data: &[u8]| {
    webhook_fuzz::verify_arbitrary(Scheme::GitHub, &[headers::X_HUB_SIGNATURE_256, headers::X_GITHUB_DELIVERY], data);
});
