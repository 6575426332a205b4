#![no_main]
//! Fuzzes the `stripe` scheme's header parser and verification.

use libfuzzer_sys::fuzz_target;
use webhook_verify::{Scheme, headers};

fuzz_target!(|data: &[u8]| {
    webhook_fuzz::verify_arbitrary(Scheme::Stripe, &[headers::STRIPE_SIGNATURE], data);
});
