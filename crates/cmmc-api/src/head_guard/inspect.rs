//! What actix-http would make of a request head, decided from its bytes
//! alone, so that a head it would refuse with a bare status is refused here
//! first, as problem+json.
//!
//! The rules are actix-http 3's (`h1/decoder.rs`): httparse with 96 header
//! slots, a 128 KiB head, `http`'s URI parser, and the checks on
//! `Content-Length`, `Transfer-Encoding` and `Host` that keep requests from
//! being smuggled. They must never be stricter than actix-http's, or a
//! request it would serve is refused; where they are more lenient, actix-http
//! still refuses, with its bare answer.

use actix_web::http::{Method, Uri};

/// The longest head actix-http buffers before it answers 431.
pub(crate) const MAX_HEAD: usize = 131_072;
/// The header slots actix-http gives httparse; one more is a 431.
const MAX_HEADERS: usize = 96;
/// The longest request target `http::Uri` parses; a longer one is a 414.
const MAX_URI: usize = 65_534;

/// How the bytes after a head are framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// No body: the next byte starts the next head.
    None,
    /// A body of this many bytes.
    Length(u64),
    /// Chunked, an upgrade or a tunnel: the rest of the connection is left
    /// to actix-http, which parses it.
    Opaque,
}

/// Why a head is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// Not HTTP/1 as actix-http reads it (400); says what is wrong.
    Malformed(&'static str),
    /// The request target is longer than a URI may be (414).
    UriTooLong,
    /// Too many header fields, or a head over 128 KiB (431).
    HeadTooLarge,
    /// The first head did not arrive in time (408).
    Timeout,
}

/// The decision on the bytes read so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The head is not complete yet.
    Partial,
    /// A head of `len` bytes that actix-http will parse, and what follows it.
    Pass {
        len: usize,
        framing: Framing,
    },
    Reject(Rejection),
}

/// Decides on `buf`, which starts where a request head should.
pub(crate) fn inspect(buf: &[u8]) -> Verdict {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    match request.parse(buf) {
        Ok(httparse::Status::Partial) => partial(buf),
        Ok(httparse::Status::Complete(len)) => match framing(&request) {
            Ok(framing) => Verdict::Pass { len, framing },
            Err(rejection) => Verdict::Reject(rejection),
        },
        Err(httparse::Error::TooManyHeaders) => Verdict::Reject(Rejection::HeadTooLarge),
        Err(err) => Verdict::Reject(Rejection::Malformed(describe(err))),
    }
}

/// An incomplete head is refused once it reaches actix-http's limit: as a
/// long URI when its request line has not even ended.
fn partial(buf: &[u8]) -> Verdict {
    if buf.len() < MAX_HEAD {
        return Verdict::Partial;
    }
    let line_ended =
        buf.iter().skip_while(|byte| matches!(byte, b'\r' | b'\n')).any(|&byte| byte == b'\n');
    Verdict::Reject(if line_ended { Rejection::HeadTooLarge } else { Rejection::UriTooLong })
}

const fn describe(err: httparse::Error) -> &'static str {
    match err {
        httparse::Error::HeaderName => "a header name is not valid",
        httparse::Error::HeaderValue => "a header value is not valid",
        httparse::Error::NewLine => "a line does not end as HTTP/1 requires",
        httparse::Error::Token | httparse::Error::Status => "the method is not valid",
        httparse::Error::Version => "the HTTP version is not 1.0 or 1.1",
        httparse::Error::TooManyHeaders => "too many header fields",
    }
}

/// The checks actix-http makes on a complete head, and its framing.
fn framing(request: &httparse::Request<'_, '_>) -> Result<Framing, Rejection> {
    let method = request.method.unwrap_or_default();
    let method =
        Method::from_bytes(method.as_bytes()).map_err(|_| malformed("the method is not valid"))?;
    let target = request.path.unwrap_or_default();
    if target.len() > MAX_URI {
        return Err(Rejection::UriTooLong);
    }
    Uri::try_from(target).map_err(|_| malformed("the request target is not a valid URI"))?;
    let http11 = request.version == Some(1);
    let fields = Fields::read(request.headers, http11)?;
    fields.check(&method, http11)?;
    Ok(if fields.chunked || fields.websocket {
        Framing::Opaque
    } else {
        match fields.content_length {
            Some(0) => Framing::None,
            Some(len) => Framing::Length(len),
            None if method == Method::CONNECT => Framing::Opaque,
            None => Framing::None,
        }
    })
}

const fn malformed(what: &'static str) -> Rejection {
    Rejection::Malformed(what)
}

/// What the framing depends on, read as actix-http reads it.
#[derive(Default)]
struct Fields {
    content_length: Option<u64>,
    transfer_encoding: bool,
    chunked: bool,
    host: bool,
    websocket: bool,
}

impl Fields {
    fn read(headers: &[httparse::Header<'_>], http11: bool) -> Result<Self, Rejection> {
        let mut fields = Self::default();
        for header in headers {
            let name = header.name;
            let value = visible(header.value);
            if name.eq_ignore_ascii_case("content-length") {
                if fields.content_length.is_some() {
                    return Err(malformed("more than one Content-Length"));
                }
                fields.content_length = Some(content_length(value)?);
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                fields.transfer_encoding(value, http11)?;
            } else if name.eq_ignore_ascii_case("host") {
                if fields.host {
                    return Err(malformed("more than one Host"));
                }
                fields.host = true;
            } else if name.eq_ignore_ascii_case("upgrade") {
                fields.websocket |=
                    value.is_some_and(|v| v.trim().eq_ignore_ascii_case("websocket"));
            }
        }
        Ok(fields)
    }

    fn transfer_encoding(&mut self, value: Option<&str>, http11: bool) -> Result<(), Rejection> {
        if !http11 {
            return Err(malformed("Transfer-Encoding in an HTTP/1.0 request"));
        }
        if self.transfer_encoding {
            return Err(malformed("more than one Transfer-Encoding"));
        }
        self.transfer_encoding = true;
        match value.map(str::trim) {
            Some(v) if v.eq_ignore_ascii_case("chunked") => {
                self.chunked = true;
                Ok(())
            }
            _ => Err(malformed("Transfer-Encoding other than chunked")),
        }
    }

    fn check(&self, method: &Method, http11: bool) -> Result<(), Rejection> {
        if http11 && !self.host {
            return Err(malformed("an HTTP/1.1 request without Host"));
        }
        if self.transfer_encoding && self.content_length.is_some() {
            return Err(malformed("both Content-Length and Transfer-Encoding"));
        }
        if !http11 && *method == Method::POST && self.content_length.is_none() {
            return Err(malformed("an HTTP/1.0 POST without Content-Length"));
        }
        Ok(())
    }
}

/// The value as text, when it is visible ASCII (`HeaderValue::to_str`).
fn visible(value: &[u8]) -> Option<&str> {
    value
        .iter()
        .all(|&byte| byte == b'\t' || (b' '..0x7f).contains(&byte))
        .then(|| std::str::from_utf8(value).ok())
        .flatten()
}

fn content_length(value: Option<&str>) -> Result<u64, Rejection> {
    let bad = || malformed("Content-Length is not a number");
    let value = value.map(str::trim).ok_or_else(bad)?;
    if value.starts_with('+') {
        return Err(bad());
    }
    value.parse().map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(head: &str) -> Verdict {
        inspect(head.as_bytes())
    }

    fn rejected(head: &str) -> Rejection {
        match verdict(head) {
            Verdict::Reject(rejection) => rejection,
            other => panic!("{head:?} was not refused: {other:?}"),
        }
    }

    #[test]
    fn a_plain_request_passes_with_its_length() {
        let head = "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_eq!(verdict(head), Verdict::Pass { len: head.len(), framing: Framing::None });
        let mut pipelined = head.to_owned();
        pipelined.push_str("GET /next");
        assert_eq!(verdict(&pipelined), Verdict::Pass { len: head.len(), framing: Framing::None });
    }

    #[test]
    fn bodies_are_framed_as_actix_http_frames_them() {
        let post = "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n";
        assert!(matches!(verdict(post), Verdict::Pass { framing: Framing::Length(12), .. }));
        let zero = "POST /x HTTP/1.1\r\nHost: x\r\ncontent-length:  0 \r\n\r\n";
        assert!(matches!(verdict(zero), Verdict::Pass { framing: Framing::None, .. }));
        let chunked = "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n";
        assert!(matches!(verdict(chunked), Verdict::Pass { framing: Framing::Opaque, .. }));
        let ws = "GET /x HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nContent-Length: 3\r\n\r\n";
        assert!(matches!(verdict(ws), Verdict::Pass { framing: Framing::Opaque, .. }));
        let tunnel = "CONNECT x:443 HTTP/1.1\r\nHost: x\r\n\r\n";
        assert!(matches!(verdict(tunnel), Verdict::Pass { framing: Framing::Opaque, .. }));
        let old = "GET / HTTP/1.0\r\n\r\n";
        assert!(matches!(verdict(old), Verdict::Pass { framing: Framing::None, .. }));
    }

    #[test]
    fn an_incomplete_head_waits_until_the_limit() {
        assert_eq!(verdict("GET /api HTTP/1.1\r\nHost"), Verdict::Partial);
        assert_eq!(verdict(""), Verdict::Partial);
        let mut long_line = "GET /".to_owned();
        long_line.push_str(&"a".repeat(MAX_HEAD));
        assert_eq!(rejected(&long_line), Rejection::UriTooLong);
        let mut long_field = "GET / HTTP/1.1\r\nX-Big: ".to_owned();
        long_field.push_str(&"a".repeat(MAX_HEAD));
        assert_eq!(rejected(&long_field), Rejection::HeadTooLarge);
    }

    #[test]
    fn a_target_over_the_uri_limit_is_414_and_one_at_it_passes() {
        let at = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(MAX_URI - 1));
        assert!(matches!(verdict(&at), Verdict::Pass { .. }));
        let over = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(MAX_URI));
        assert_eq!(rejected(&over), Rejection::UriTooLong);
    }

    #[test]
    fn ninety_six_fields_pass_and_ninety_seven_are_431() {
        let head = |n: usize| {
            let fields: String = (0..n - 1).map(|i| format!("X-F{i}: v\r\n")).collect();
            format!("GET / HTTP/1.1\r\nHost: x\r\n{fields}\r\n")
        };
        assert!(matches!(verdict(&head(96)), Verdict::Pass { .. }));
        assert_eq!(rejected(&head(97)), Rejection::HeadTooLarge);
    }

    #[test]
    fn what_actix_http_refuses_is_malformed() {
        for head in [
            "\u{1}\u{2}garbage\r\n\r\n",
            "GET / HTTP/2.0\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
            "GET / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
            "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.0\r\n\r\n",
            "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n",
        ] {
            assert!(matches!(rejected(head), Rejection::Malformed(_)), "{head:?}");
        }
    }

    #[test]
    fn header_values_are_read_as_visible_ascii() {
        assert_eq!(visible(b"12\t3"), Some("12\t3"));
        assert_eq!(visible(b"1\x7f"), None);
        assert_eq!(visible(b"caf\xc3\xa9"), None);
        let obs = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\xff\r\n\r\n";
        assert!(matches!(inspect(obs), Verdict::Reject(Rejection::Malformed(_))));
        let other = b"GET / HTTP/1.1\r\nHost: x\r\nX-Name: caf\xc3\xa9\r\n\r\n";
        assert!(matches!(inspect(other), Verdict::Pass { .. }));
    }
}
