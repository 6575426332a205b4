//! Dropbox.
//!
//! ```text
//! X-Dropbox-Signature: <hex HMAC-SHA256(app secret, body)>
//!
//! verification:  GET /hook?challenge=<X>   →   200, Content-Type: text/plain,
//!                                               X-Content-Type-Options: nosniff, body <X>
//! ```
//!
//! - Key: the app secret (App Console), used as text. One signature, no
//!   timestamp and no id header: replays are bounded only by an
//!   idempotency layer (the body names accounts whose files changed, so
//!   handlers are idempotent by design: "something changed, go and look").
//! - Handshake: when a webhook URI is added, Dropbox sends an *unsigned*
//!   `GET` with a `challenge` query parameter and expects it echoed within
//!   10 s, with `Content-Type: text/plain` and `X-Content-Type-Options:
//!   nosniff` (Dropbox's docs ask for both to avoid a reflected XSS). It
//!   is answered by [`unsigned_handshake`](SignatureScheme::unsigned_handshake),
//!   before any verification, and only in its exact shape: method `GET`,
//!   exactly one `challenge` parameter, 1 to 256 characters of visible
//!   ASCII after decoding. Anything else is verified like any request, so
//!   it fails for want of a signature.
//!
//! Sources: dropbox.com/developers/reference/webhooks ("Verification
//! request", "Receiving notifications", the Python example there). The
//! official SDKs do not verify webhooks; the vector is computed
//! independently (see `tests/vectors/group_b.rs`).

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Response, header};

use super::body_mac::{BodyMac, Encoding};
use super::{
    Algorithm, ParsedSignature, Signature, SignatureScheme, SignedParts, SigningInput,
    WebhookRequest, challenge,
};
use crate::error::{ConfigError, Error};

pub(crate) const SIGNATURE: HeaderName = HeaderName::from_static("x-dropbox-signature");

/// One hex MAC of the body, no id: the shape [`BodyMac`] reads and writes.
const WIRE: BodyMac = BodyMac {
    name: "dropbox",
    algorithm: Algorithm::HmacSha256,
    signature: SIGNATURE,
    prefix: "",
    encoding: Encoding::Hex,
    tag_len: 32,
    id: None,
};

/// The longest challenge echoed back.
const MAX_CHALLENGE: usize = 256;

#[derive(Debug)]
pub(crate) struct Dropbox;

impl SignatureScheme for Dropbox {
    fn name(&self) -> &'static str {
        "dropbox"
    }

    fn signature_header(&self) -> Option<HeaderName> {
        Some(SIGNATURE)
    }

    fn parse(
        &self,
        request: &WebhookRequest<'_>,
        _max_signatures: usize,
    ) -> Result<ParsedSignature, Error> {
        WIRE.parse(request)
    }

    fn write_signed_payload(
        &self,
        _parts: &SignedParts<'_>,
        request: &WebhookRequest<'_>,
        mac: &mut SigningInput<'_>,
    ) {
        mac.update(request.body());
    }

    fn render_headers(
        &self,
        parts: &SignedParts<'_>,
        signatures: &[Signature],
    ) -> Result<HeaderMap, ConfigError> {
        // One signature; during a rotation the first secret signs.
        WIRE.render(parts.event_id, signatures)
    }

    fn unsigned_handshake(&self, request: &WebhookRequest<'_>) -> Option<Response<Bytes>> {
        if request.method() != Method::GET {
            return None;
        }
        let query = request.uri()?.query()?;
        let mut found = None;
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            if name == "challenge" && found.replace(value).is_some() {
                return None;
            }
        }
        let text = found?;
        let fits =
            (1..=MAX_CHALLENGE).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_graphic());
        if !fits {
            return None;
        }
        let mut reply = challenge::reply(challenge::TEXT, text.into_owned());
        reply.headers_mut().insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        Some(reply)
    }
}
