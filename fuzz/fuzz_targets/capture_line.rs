#![no_main]
//! Fuzzes the capture-file reader (`webhook replay`, `verify --capture`).
//!
//! Any line must parse or fail cleanly; a line that parses must survive a
//! write/read round trip unchanged and yield its body, headers and request
//! line without panicking.

use libfuzzer_sys::fuzz_target;
use webhook_cli::capture::{CapturedRequest, event_id};

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(record) = CapturedRequest::from_line(line) else {
        return;
    };
    let again = CapturedRequest::from_line(&record.to_line()).expect("a written record reads back");
    assert_eq!(again, record);
    let body = record.body().expect("from_line checked the body");
    let _ = record.path_and_query();
    if let Ok(headers) = record.header_map() {
        let _ = event_id(&headers, &body);
    }
});
