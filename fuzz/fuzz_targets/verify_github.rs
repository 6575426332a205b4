#![no_main]
//! Fuzzes the `github` scheme's header parser and verification.

use libfuzzer_sys::fuzz_target;
use webhook_verify::Scheme;

fuzz_target!(|data: &[u8]| {
    webhook_fuzz::verify_arbitrary(Scheme::GitHub, &["x-hub-signature-256", "x-github-delivery"], data);
});
