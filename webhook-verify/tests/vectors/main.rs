//! Known-answer vectors for every scheme.
//!
//! The expected header values come from the providers' published documents,
//! their official SDKs' test suites, or — where a provider publishes none —
//! from the provider's official SDK (or an independent implementation such
//! as Python's `hmac` module or `openssl dgst`) run on the documented
//! algorithm; each vector says which, with the package, version and call.
//! They are never produced by this crate's own [`Signer`]: a round trip
//! through our signer would pass just as well with the delimiter, the
//! encoding or the key decoding wrong. Only once the verifier has accepted a
//! published value do we check that the signer reproduces it byte for byte.
//!
//! One file per group of providers; [`Vector`] is the shared harness.

use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use webhook_verify::scheme::WebhookRequest;
use webhook_verify::{ErrorKind, Scheme, Signer, Verified, Verifier};

mod builtin;
mod group_a;
mod group_b;
mod group_c;

/// One published (or independently computed) signed request.
#[derive(Clone, Copy)]
pub(crate) struct Vector {
    pub(crate) scheme: Scheme,
    /// The verifying key as the provider displays it: the shared secret, or
    /// the public key of an asymmetric scheme.
    pub(crate) secret: &'static str,
    /// The signing key as the provider displays it, when it differs from
    /// [`secret`](Self::secret) (asymmetric schemes); `None` to sign with
    /// the secret.
    pub(crate) signing_key: Option<&'static str>,
    pub(crate) timestamp: i64,
    pub(crate) event_id: Option<&'static str>,
    pub(crate) method: &'static str,
    /// The full URL the provider sent to, for schemes that sign it.
    pub(crate) url: Option<&'static str>,
    pub(crate) body: &'static [u8],
    /// For schemes that carry the signature in the body (Mailgun): the body
    /// a sender starts from, which our signer must turn into
    /// [`body`](Self::body) byte for byte. `None` for the others.
    pub(crate) unsigned_body: Option<&'static [u8]>,
    /// Every header the provider sends for this request, exactly.
    pub(crate) headers: &'static [(&'static str, &'static str)],
    /// Whether our signer must reproduce the headers byte for byte (not for
    /// randomized signatures such as a provider's ECDSA).
    pub(crate) reproducible: bool,
    /// What one flipped body byte is rejected as.
    pub(crate) tampered: ErrorKind,
}

impl Vector {
    /// The fields most vectors share: `POST`, no URL, reproducible, the
    /// signing key is the secret, a changed body is a signature mismatch.
    pub(crate) const DEFAULTS: Vector = Vector {
        scheme: Scheme::Webhook,
        secret: "",
        signing_key: None,
        timestamp: 0,
        event_id: None,
        method: "POST",
        url: None,
        body: b"",
        unsigned_body: None,
        headers: &[],
        reproducible: true,
        tampered: ErrorKind::SignatureMismatch,
    };

    pub(crate) fn header_map(&self) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in self.headers {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    pub(crate) fn verifier(&self) -> Verifier {
        let now = self.timestamp;
        Verifier::builder(self.scheme)
            .secret(self.secret)
            .clock(move || now)
            .build()
            .expect("vector secret is valid")
    }

    fn method(&self) -> Method {
        self.method.parse().expect("a valid method")
    }

    /// The URL split into what an app behind a proxy sees (the path and
    /// query) and the public base it is configured with.
    fn uri_and_base(&self) -> Option<(Uri, String)> {
        let url: Uri = self.url?.parse().expect("a valid URL");
        let base = format!(
            "{}://{}",
            url.scheme_str().expect("an absolute URL"),
            url.authority().expect("an absolute URL")
        );
        let path: Uri = url
            .path_and_query()
            .map_or("/", |pq| pq.as_str())
            .parse()
            .expect("a valid path");
        Some((path, base))
    }

    /// Verifies `body` with the vector's headers, method and URL.
    pub(crate) fn verify_body(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Verified, webhook_verify::Error> {
        let method = self.method();
        let uri_and_base = self.uri_and_base();
        let mut request = WebhookRequest::new(headers, body).with_method(&method);
        if let Some((uri, base)) = &uri_and_base {
            request = request.with_uri(uri).with_public_url(base);
        }
        self.verifier().verify_request(&request)
    }

    /// The verifier accepts the published headers at the vector's time and
    /// reports the metadata they carry.
    pub(crate) fn assert_verifies(&self) -> Verified {
        let verified = self
            .verify_body(&self.header_map(), self.body)
            .unwrap_or_else(|err| panic!("{} vector rejected: {err}", self.scheme));
        assert_eq!(verified.scheme, self.scheme.to_string());
        assert_eq!(verified.secret_index, 0);
        if self.scheme.has_timestamp() {
            assert_eq!(verified.timestamp, Some(self.timestamp), "{}", self.scheme);
        }
        verified
    }

    /// Our signer reproduces every published header value exactly, and adds
    /// none of its own (and, for a signature in the body, the body too).
    pub(crate) fn assert_signer_reproduces(&self) {
        let key = self.signing_key.unwrap_or(self.secret);
        let signer = Signer::new(self.scheme, key).expect("vector signing key is valid");
        let method = self.method();
        let uri_and_base = self.uri_and_base();
        let none = HeaderMap::new();
        let input = self.unsigned_body.unwrap_or(self.body);
        let mut request = WebhookRequest::new(&none, input).with_method(&method);
        if let Some((uri, base)) = &uri_and_base {
            request = request.with_uri(uri).with_public_url(base);
        }
        let (signed, signed_body) = signer
            .sign_request_body(&request, self.timestamp, self.event_id)
            .expect("signing the vector");
        let sent_body = signed_body.as_deref().unwrap_or(input);
        let expected = self.header_map();
        if !self.reproducible {
            // A randomized signature can't be reproduced; ours must verify.
            let mut ours = expected.clone();
            for (name, value) in &signed {
                ours.insert(name, value.clone());
            }
            self.verify_body(&ours, sent_body)
                .unwrap_or_else(|err| panic!("{}: our signature rejected: {err}", self.scheme));
            return;
        }
        assert_eq!(
            String::from_utf8_lossy(sent_body),
            String::from_utf8_lossy(self.body),
            "{}: the signed body differs",
            self.scheme
        );
        for (name, value) in &signed {
            assert_eq!(
                expected.get(name),
                Some(value),
                "{}: header {name} differs (signer produced {signed:?})",
                self.scheme
            );
        }
        for (name, _) in &expected {
            assert!(
                signed.contains_key(name) || !is_signature_header(self.scheme, name),
                "{}: signer left out {name}",
                self.scheme
            );
        }
    }

    /// A changed body byte is rejected: the vector is not accepted by accident.
    pub(crate) fn assert_tamper_rejected(&self) {
        let mut body = self.body.to_vec();
        body[0] ^= 0x20;
        let err = self
            .verify_body(&self.header_map(), &body)
            .expect_err("tampered body must be rejected");
        assert_eq!(err.kind(), self.tampered, "{}", self.scheme);
    }

    pub(crate) fn check(&self) -> Verified {
        let verified = self.assert_verifies();
        self.assert_signer_reproduces();
        self.assert_tamper_rejected();
        verified
    }
}

/// Whether our signer must produce `name`: the signature, timestamp and
/// signed id headers. Other headers a provider sends (event type, user
/// agent) are not the signer's business.
fn is_signature_header(scheme: Scheme, name: &HeaderName) -> bool {
    let signed_id = webhook_verify::SignatureScheme::signs_event_id(&scheme)
        .then(|| scheme.id_header())
        .flatten();
    [
        scheme.signature_header(),
        scheme.timestamp_header(),
        signed_id,
    ]
    .into_iter()
    .flatten()
    .any(|wanted| wanted == name)
}

#[test]
fn every_builtin_scheme_has_a_vector() {
    let covered: Vec<Scheme> = [
        builtin::COVERING,
        group_a::COVERING,
        group_b::COVERING,
        group_c::COVERING,
    ]
    .concat()
    .iter()
    .map(|v| v.scheme)
    .collect();
    for &scheme in Scheme::ALL {
        assert!(covered.contains(&scheme), "no vector for {scheme}");
    }
}
