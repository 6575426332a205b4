//! `webhook sign`: the signature headers as `Name: value` lines or a JSON
//! object, or a ready-to-run curl command.

use std::io::{self, Write};
use std::path::Path;

use super::{OutputFormat, write_json};

/// Writes the signature headers (`(lowercase name, value)` pairs):
/// `X-Webhook-Signature: …` lines, or one JSON object.
pub(crate) fn write_signature_headers<W: Write + ?Sized>(
    out: &mut W,
    format: OutputFormat,
    headers: &[(String, String)],
) -> io::Result<()> {
    match format {
        OutputFormat::Json => {
            let object: serde_json::Map<String, serde_json::Value> = headers
                .iter()
                .map(|(name, value)| (name.clone(), serde_json::Value::String(value.clone())))
                .collect();
            write_json(out, &object)
        }
        OutputFormat::Text => {
            for (name, value) in headers {
                writeln!(out, "{}: {value}", title_case(name))?;
            }
            Ok(())
        }
    }
}

/// The body of a curl command.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CurlData<'a> {
    /// Given inline (read from stdin; UTF-8).
    Inline(&'a str),
    /// Read by curl from this file.
    File(&'a Path),
}

/// Writes a curl command that POSTs the body to `url` with the headers.
pub(crate) fn write_curl<W: Write + ?Sized>(
    out: &mut W,
    url: &str,
    headers: &[(String, String)],
    data: CurlData<'_>,
) -> io::Result<()> {
    let mut command = format!("curl -sS -X POST {}", shell_quote(url));
    command.push_str(" -H 'Content-Type: application/json'");
    for (name, value) in headers {
        command.push_str(&format!(
            " -H {}",
            shell_quote(&format!("{}: {value}", title_case(name)))
        ));
    }
    let data = match data {
        CurlData::Inline(text) => shell_quote(text),
        CurlData::File(path) => shell_quote(&format!("@{}", path.display())),
    };
    writeln!(out, "{command} --data-binary {data}")
}

/// Quotes `text` for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// `x-hub-signature-256` → `X-Hub-Signature-256`, for display.
fn title_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_and_quote() {
        assert_eq!(title_case("x-hub-signature-256"), "X-Hub-Signature-256");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn headers_render_as_text_json_and_curl() {
        let headers = [("x-webhook-signature".to_owned(), "v1=ab".to_owned())];
        let mut text = Vec::new();
        write_signature_headers(&mut text, OutputFormat::Text, &headers).unwrap();
        assert_eq!(text, b"X-Webhook-Signature: v1=ab\n");
        let mut json = Vec::new();
        write_signature_headers(&mut json, OutputFormat::Json, &headers).unwrap();
        assert_eq!(json, b"{\n  \"x-webhook-signature\": \"v1=ab\"\n}\n");
        let mut curl = Vec::new();
        write_curl(&mut curl, "http://h/", &headers, CurlData::Inline("it's")).unwrap();
        assert_eq!(
            String::from_utf8(curl).unwrap(),
            "curl -sS -X POST 'http://h/' -H 'Content-Type: application/json' \
             -H 'X-Webhook-Signature: v1=ab' --data-binary 'it'\\''s'\n"
        );
    }
}
