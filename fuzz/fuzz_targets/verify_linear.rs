#![no_main]
//! Fuzzes the `linear` scheme through `webhook_fuzz::verify_scheme`.

use libfuzzer_sys::fuzz_target;
use webhook_verify::Scheme;

fuzz_target!(|data: &[u8]| webhook_fuzz::verify_scheme(Scheme::Linear, data));
