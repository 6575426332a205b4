//! Every scheme in `Scheme::ALL` has its fuzz target, and every `verify_*`
//! target belongs to a scheme. `scripts/fuzz.sh` runs this first, so a new
//! scheme without a target fails loudly there as well as here.

use std::fs;
use std::path::Path;

use webhook_verify::{Scheme, SignatureScheme};

const MANIFEST: &str = include_str!("../Cargo.toml");

fn target_name(scheme: Scheme) -> String {
    format!("verify_{}", scheme.name().replace('-', "_"))
}

fn registered(target: &str) -> bool {
    let entry = format!("[[bin]]\nname = \"{target}\"\npath = \"fuzz_targets/{target}.rs\"\n");
    MANIFEST.contains(&entry)
}

#[test]
fn every_scheme_has_a_target_that_fuzzes_it() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz_targets");
    let mut missing = Vec::new();
    for &scheme in Scheme::ALL {
        let target = target_name(scheme);
        let call = format!("webhook_fuzz::verify_scheme(Scheme::{scheme:?}, data)");
        let source = fs::read_to_string(dir.join(format!("{target}.rs"))).unwrap_or_default();
        if !registered(&target) || !source.contains(&call) {
            missing.push(format!("{target} (fuzz_targets/{target}.rs calling {call}, and its [[bin]] in fuzz/Cargo.toml)"));
        }
    }
    assert!(
        missing.is_empty(),
        "schemes without a fuzz target (see fuzz/src/lib.rs):\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn every_verify_target_belongs_to_a_scheme() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz_targets");
    let expected: Vec<String> = Scheme::ALL.iter().map(|&s| target_name(s)).collect();
    for entry in fs::read_dir(dir).unwrap() {
        let file = entry.unwrap().file_name().into_string().unwrap();
        let Some(target) = file.strip_suffix(".rs") else {
            continue;
        };
        if target.starts_with("verify_") {
            assert!(
                expected.iter().any(|e| e == target),
                "{file} fuzzes no scheme in Scheme::ALL"
            );
        }
        assert!(
            registered(target),
            "{file} has no [[bin]] in fuzz/Cargo.toml"
        );
    }
}
