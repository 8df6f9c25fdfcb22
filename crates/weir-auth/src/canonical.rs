//! The canonical request of Signature Version 4 and the signature over it, shared by the
//! verifier and the signer so the two cannot disagree.
//!
//! Paths are encoded once more as sent (botocore's rule for every service but S3: a `%` on the
//! wire is `%25` in the canonical URI); query parameters are decoded, encoded strictly and
//! sorted; a signed header's values are trimmed, inner runs of spaces collapsed, and repeated
//! headers joined with `,`.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The parts of an HTTP request a signature covers.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub method: &'a str,
    /// The path as sent, percent-encoded (`/` when empty).
    pub path: &'a str,
    /// The query as sent, without `?` (empty when none).
    pub query: &'a str,
    /// Every header with a text value; names in any case.
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// What a signature binds the request to: the credential scope and the time.
pub struct Scope<'a> {
    /// `yyyyMMddTHHmmssZ`.
    pub timestamp: &'a str,
    pub region: &'a str,
    pub service: &'a str,
}

impl Scope<'_> {
    /// `yyyyMMdd/region/service/aws4_request`.
    pub fn credential_scope(&self) -> String {
        format!(
            "{}/{}/{}/aws4_request",
            &self.timestamp[..self.timestamp.len().min(8)],
            self.region,
            self.service
        )
    }
}

/// The canonical request and the string to sign, and the signature over them with `secret`.
pub struct Signed {
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signature: String,
}

/// Signs `request` over the `signed_headers` (lower-case names, `;`-separated, in order).
/// Fails with the name of a signed header the request does not have.
pub fn sign(
    request: &Request<'_>,
    signed_headers: &str,
    scope: &Scope<'_>,
    secret: &str,
) -> Result<Signed, String> {
    let canonical_request = canonical_request(request, signed_headers)?;
    let string_to_sign = format!(
        "{ALGORITHM}\n{}\n{}\n{}",
        scope.timestamp,
        scope.credential_scope(),
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let key = signing_key(
        secret,
        &scope.timestamp[..scope.timestamp.len().min(8)],
        scope.region,
        scope.service,
    );
    let signature = hex(&hmac(&key, string_to_sign.as_bytes()));
    Ok(Signed {
        canonical_request,
        string_to_sign,
        signature,
    })
}

fn canonical_request(request: &Request<'_>, signed_headers: &str) -> Result<String, String> {
    let mut out = String::with_capacity(256 + request.path.len() + request.query.len());
    out.push_str(request.method);
    out.push('\n');
    if request.path.is_empty() {
        out.push('/');
    } else {
        encode_into(&mut out, request.path.as_bytes(), true);
    }
    out.push('\n');
    canonical_query_into(&mut out, request.query);
    out.push('\n');
    for name in signed_headers.split(';') {
        out.push_str(name);
        out.push(':');
        let mut found = false;
        for (n, value) in request.headers {
            if n.eq_ignore_ascii_case(name) {
                if found {
                    out.push(',');
                }
                found = true;
                push_trimmed(&mut out, value);
            }
        }
        if !found {
            return Err(name.to_string());
        }
        out.push('\n');
    }
    out.push('\n');
    out.push_str(signed_headers);
    out.push('\n');
    out.push_str(&hex(&Sha256::digest(request.body)));
    Ok(out)
}

/// The value with its ends trimmed and each inner run of spaces as one space.
fn push_trimmed(out: &mut String, value: &str) {
    let mut space = false;
    for c in value.trim().chars() {
        if c == ' ' || c == '\t' {
            space = true;
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
}

fn canonical_query_into(out: &mut String, query: &str) {
    if query.is_empty() {
        return;
    }
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let mut key = String::new();
            encode_into(&mut key, &decode(k), false);
            let mut value = String::new();
            encode_into(&mut value, &decode(v), false);
            (key, value)
        })
        .collect();
    pairs.sort();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
}

/// RFC 3986 encoding of everything but unreserved characters (and `/` when `keep_slash`).
fn encode_into(out: &mut String, bytes: &[u8], keep_slash: bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
}

/// Percent-decoding; a `%` not followed by two hex digits stays as it is.
fn decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let digit = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (digit(bytes[i + 1]), digit(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC takes a key of any length.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        unreachable!("HMAC accepts keys of every length")
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

pub fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's documented example: IAM `ListUsers`, signed on 2015-08-30 12:36:00 UTC with the
    /// example secret key.
    #[test]
    fn the_documented_example_signs_to_the_documented_signature() {
        let headers = [
            ("Host", "iam.amazonaws.com"),
            (
                "Content-Type",
                "application/x-www-form-urlencoded; charset=utf-8",
            ),
            ("X-Amz-Date", "20150830T123600Z"),
        ];
        let request = Request {
            method: "GET",
            path: "/",
            query: "Action=ListUsers&Version=2010-05-08",
            headers: &headers,
            body: b"",
        };
        let scope = Scope {
            timestamp: "20150830T123600Z",
            region: "us-east-1",
            service: "iam",
        };
        let signed = sign(
            &request,
            "content-type;host;x-amz-date",
            &scope,
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        )
        .unwrap();
        assert_eq!(
            hex(&Sha256::digest(signed.canonical_request.as_bytes())),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        );
        assert_eq!(
            signed.signature,
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
    }

    #[test]
    fn the_documented_signing_key() {
        let key = signing_key(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20150830",
            "us-east-1",
            "iam",
        );
        assert_eq!(
            hex(&key),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
    }

    #[test]
    fn paths_are_encoded_again_and_queries_sorted_and_encoded_strictly() {
        let headers = [("host", "h")];
        let request = Request {
            method: "GET",
            path: "/runs/a%2Fb/log",
            query: "b=2&a=x%20y&a=1&c",
            headers: &headers,
            body: b"",
        };
        let canonical = canonical_request(&request, "host").unwrap();
        let lines: Vec<&str> = canonical.lines().collect();
        assert_eq!(lines[1], "/runs/a%252Fb/log");
        assert_eq!(lines[2], "a=1&a=x%20y&b=2&c=");
    }

    #[test]
    fn header_values_are_trimmed_collapsed_and_joined() {
        let headers = [("X-A", "  one   two "), ("x-a", "three"), ("host", "h")];
        let request = Request {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            body: b"{}",
        };
        let canonical = canonical_request(&request, "host;x-a").unwrap();
        assert!(canonical.contains("\nx-a:one two,three\n"), "{canonical}");
        assert_eq!(
            canonical_request(&request, "host;x-missing").unwrap_err(),
            "x-missing"
        );
    }

    #[test]
    fn a_stray_percent_decodes_as_itself() {
        assert_eq!(decode("a%2"), b"a%2");
        assert_eq!(decode("%zz%41"), b"%zzA");
        assert_eq!(decode("%"), b"%");
    }
}
