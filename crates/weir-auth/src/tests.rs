use chrono::TimeZone;

use super::*;

const ADMIN_KEY: &str = "AKIAWEIRADMIN0000001";
const ADMIN_SECRET: &str = "weirAdminSecretKey/000000000000000000000";
const BODY: &[u8] = br#"{"Name": "sales"}"#;

fn authenticator() -> Authenticator {
    let principal = |name: &str, key: &str, secret: &str, allow: &[&str]| PrincipalConfig {
        name: name.into(),
        access_key_id: key.into(),
        secret_access_key: Some(secret.into()),
        allow: allow.iter().map(|s| s.to_string()).collect(),
        ..PrincipalConfig::default()
    };
    Authenticator::new(&AuthConfig {
        mode: AuthMode::Sigv4,
        principals: vec![
            principal("admin", ADMIN_KEY, ADMIN_SECRET, &["glue:*"]),
            principal("reader", "AKIAWEIRREADER000001", "r", &["glue:Get*"]),
        ],
    })
    .unwrap()
}

fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, h, m, s).unwrap()
}

/// A `GetDatabase` request as botocore 1.43 signed it (region eu-west-1, 2026-12-06 09:30:00).
fn botocore_headers() -> Vec<(&'static str, String)> {
    vec![
        ("host", "127.0.0.1:4270".into()),
        ("x-amz-target", "AWSGlue.GetDatabase".into()),
        ("content-type", "application/x-amz-json-1.1".into()),
        ("x-amz-date", "20261206T093000Z".into()),
        ("authorization", "AWS4-HMAC-SHA256 Credential=AKIAWEIRADMIN0000001/20261206/eu-west-1/glue/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=00bcc648d347d2db05cf118f8ef925575bee15d05259759c0557c03248573ae5".into()),
    ]
}

fn check(headers: &[(&str, String)], body: &[u8], now: DateTime<Utc>) -> Result<Caller, AuthError> {
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let request = Request {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        body,
    };
    authenticator().authenticate(&request, now)
}

fn with(
    headers: &[(&'static str, String)],
    name: &str,
    value: &str,
) -> Vec<(&'static str, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            (
                *n,
                if *n == name {
                    value.to_string()
                } else {
                    v.clone()
                },
            )
        })
        .collect()
}

fn without(headers: &[(&'static str, String)], name: &str) -> Vec<(&'static str, String)> {
    headers
        .iter()
        .filter(|(n, _)| *n != name)
        .cloned()
        .collect()
}

#[test]
fn a_request_botocore_signed_is_the_admins() {
    let caller = check(&botocore_headers(), BODY, at(9, 31, 0)).unwrap();
    assert_eq!(caller.name(), Some("admin"));
}

#[test]
fn weirs_own_signature_verifies() {
    let credentials = Credentials {
        access_key_id: ADMIN_KEY.into(),
        secret_access_key: ADMIN_SECRET.into(),
        session_token: None,
    };
    let base = [("Host", "weir:4270"), ("X-Amz-Target", "AWSGlue.GetTables")];
    let request = Request {
        method: "GET",
        path: "/runs/jr_1/log",
        query: "a=1",
        headers: &base,
        body: b"",
    };
    let added = sign(&credentials, "us-east-1", &request, at(9, 30, 0));
    let mut headers: Vec<(&str, String)> = base.iter().map(|(n, v)| (*n, v.to_string())).collect();
    headers.extend(added.iter().map(|(n, v)| (*n, v.clone())));
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let signed = Request {
        headers: &headers,
        ..request
    };
    let caller = authenticator().authenticate(&signed, at(9, 40, 0)).unwrap();
    assert_eq!(caller.name(), Some("admin"));
    let tampered = Request {
        query: "a=2",
        ..signed
    };
    let e = authenticator()
        .authenticate(&tampered, at(9, 40, 0))
        .unwrap_err();
    assert_eq!(e.kind, AuthErrorKind::InvalidSignature);
}

#[test]
fn a_tampered_body_or_header_is_an_invalid_signature() {
    let e = check(&botocore_headers(), br#"{"Name": "salez"}"#, at(9, 30, 0)).unwrap_err();
    assert_eq!(e.kind, AuthErrorKind::InvalidSignature);
    assert!(
        e.message
            .starts_with("The request signature we calculated does not match"),
        "{e}"
    );
    assert!(
        e.message.contains("AWSGlue.GetDatabase"),
        "the canonical string is shown: {e}"
    );
    let e = check(
        &with(
            &botocore_headers(),
            "x-amz-target",
            "AWSGlue.DeleteDatabase",
        ),
        BODY,
        at(9, 30, 0),
    )
    .unwrap_err();
    assert_eq!(e.kind, AuthErrorKind::InvalidSignature);
    assert_eq!(e.kind.http_status(), 400);
}

#[test]
fn the_clock_skew_window_is_fifteen_minutes_either_way() {
    assert!(check(&botocore_headers(), BODY, at(9, 45, 0)).is_ok());
    assert!(check(&botocore_headers(), BODY, at(9, 15, 0)).is_ok());
    let e = check(&botocore_headers(), BODY, at(9, 50, 0)).unwrap_err();
    assert_eq!(e.kind, AuthErrorKind::InvalidSignature);
    assert_eq!(
        e.message,
        "Signature expired: 20261206T093000Z is now earlier than 20261206T093500Z (20261206T095000Z - 15 min.)"
    );
    let e = check(&botocore_headers(), BODY, at(9, 10, 0)).unwrap_err();
    assert_eq!(
        e.message,
        "Signature not yet current: 20261206T093000Z is still later than 20261206T092500Z (20261206T091000Z + 15 min.)"
    );
}

#[test]
fn unknown_keys_and_tokens_are_unrecognized_clients() {
    let headers = with(
        &botocore_headers(),
        "authorization",
        &botocore_headers()[4]
            .1
            .replace(ADMIN_KEY, "AKIAWEIRNOBODY000001"),
    );
    let e = check(&headers, BODY, at(9, 30, 0)).unwrap_err();
    assert_eq!(e.kind, AuthErrorKind::UnrecognizedClient);
    assert_eq!(
        e.message,
        "The security token included in the request is invalid."
    );
    let mut headers = botocore_headers();
    headers.push(("x-amz-security-token", "token".into()));
    let e = check(&headers, BODY, at(9, 30, 0)).unwrap_err();
    assert_eq!(e.kind, AuthErrorKind::UnrecognizedClient);
}

#[test]
fn missing_and_malformed_parts_are_named() {
    let e = check(
        &without(&botocore_headers(), "authorization"),
        BODY,
        at(9, 30, 0),
    )
    .unwrap_err();
    assert_eq!(
        (e.kind, e.kind.http_status(), e.message.as_str()),
        (
            AuthErrorKind::MissingAuthenticationToken,
            403,
            "Missing Authentication Token"
        )
    );
    let partial =
        format!("AWS4-HMAC-SHA256 Credential={ADMIN_KEY}/20261206/us-east-1/glue/aws4_request");
    let e = check(
        &with(&botocore_headers(), "authorization", &partial),
        BODY,
        at(9, 30, 0),
    )
    .unwrap_err();
    assert_eq!(e.kind, AuthErrorKind::IncompleteSignature);
    assert!(
        e.message.contains("requires 'Signature' parameter")
            && e.message.contains("requires 'SignedHeaders' parameter")
            && !e.message.contains("'Credential'"),
        "{e}"
    );
    let e = check(
        &with(
            &botocore_headers(),
            "authorization",
            "Basic YWRtaW46YWRtaW4=",
        ),
        BODY,
        at(9, 30, 0),
    )
    .unwrap_err();
    assert_eq!(e.kind, AuthErrorKind::IncompleteSignature);
    assert!(
        e.message.contains("AWS4-HMAC-SHA256") && e.message.contains("'Basic'"),
        "{e}"
    );
    let e = check(
        &without(&botocore_headers(), "x-amz-date"),
        BODY,
        at(9, 30, 0),
    )
    .unwrap_err();
    assert!(e.message.contains("'X-Amz-Date' or a 'Date' header"), "{e}");
    let e = check(
        &with(&botocore_headers(), "x-amz-date", "yesterday"),
        BODY,
        at(9, 30, 0),
    )
    .unwrap_err();
    assert_eq!(e.kind, AuthErrorKind::IncompleteSignature);
    assert!(e.message.contains("'yesterday'"), "{e}");
    let e = check(&without(&botocore_headers(), "host"), BODY, at(9, 30, 0)).unwrap_err();
    assert!(e.message.contains("'host'"), "{e}");
}

#[test]
fn the_scope_must_be_glues_with_the_requests_date() {
    let auth = &botocore_headers()[4].1;
    let e = check(
        &with(
            &botocore_headers(),
            "authorization",
            &auth.replace("/glue/", "/s3/"),
        ),
        BODY,
        at(9, 30, 0),
    )
    .unwrap_err();
    assert_eq!(
        (e.kind, e.message.as_str()),
        (
            AuthErrorKind::InvalidSignature,
            "Credential should be scoped to correct service: 'glue'. "
        )
    );
    let e = check(
        &with(
            &botocore_headers(),
            "authorization",
            &auth.replace("/20261206/", "/20261205/"),
        ),
        BODY,
        at(9, 30, 0),
    )
    .unwrap_err();
    assert!(e.message.contains("'20261205' != '20261206'"), "{e}");
    let e = check(
        &with(
            &botocore_headers(),
            "authorization",
            &auth.replace("aws4_request", "aws4"),
        ),
        BODY,
        at(9, 30, 0),
    )
    .unwrap_err();
    assert!(e.message.contains("terminator"), "{e}");
    let e = check(
        &with(
            &botocore_headers(),
            "authorization",
            &auth.replace("content-type;host;", "content-type;"),
        ),
        BODY,
        at(9, 30, 0),
    )
    .unwrap_err();
    assert!(e.message.contains("'Host' must be a 'SignedHeader'"), "{e}");
}

#[test]
fn garbage_headers_are_refused_without_panicking() {
    let samples = [
        "",
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA256 ",
        "AWS4-HMAC-SHA256 ,,,",
        "AWS4-HMAC-SHA256 Credential=/////, SignedHeaders=, Signature=",
        "AWS4-HMAC-SHA256 Credential=a, SignedHeaders=host, Signature=zz",
        "AWS4-HMAC-SHA256 Credential=é/ü/x/glue/aws4_request, SignedHeaders=host, Signature=0",
        "AWS4-HMAC-SHA256 Credential==, SignedHeaders==, Signature==",
        "\u{0}\u{1}",
        "AWS4-HMAC-SHA256\tCredential=x",
    ];
    for sample in samples {
        let e = check(
            &with(&botocore_headers(), "authorization", sample),
            BODY,
            at(9, 30, 0),
        )
        .unwrap_err();
        assert_ne!(e.kind, AuthErrorKind::AccessDenied, "{sample:?}");
    }
    for date in [
        "",
        "2026",
        "20261206T093000",
        "99999999T999999Z",
        "20261206T093000Zextra",
        "ééééééééééééééééé",
    ] {
        assert!(
            check(
                &with(&botocore_headers(), "x-amz-date", date),
                BODY,
                at(9, 30, 0)
            )
            .is_err(),
            "{date:?}"
        );
    }
}

#[test]
fn actions_outside_a_principals_patterns_are_denied_by_name() {
    let auth = authenticator();
    let reader = Caller::Principal(auth.principal("reader").unwrap().clone());
    assert!(reader.authorize("GetTable", "123456789012").is_ok());
    let e = reader
        .authorize("CreateDatabase", "123456789012")
        .unwrap_err();
    assert_eq!(e.kind, AuthErrorKind::AccessDenied);
    assert!(e.message.starts_with(
        "User: arn:aws:iam::123456789012:user/reader is not authorized to perform: glue:CreateDatabase"
    ));
    assert!(Caller::Anonymous.authorize("DeleteDatabase", "1").is_ok());
}

#[test]
fn configurations_that_lock_everyone_out_or_share_keys_are_refused() {
    let e = Authenticator::new(&AuthConfig {
        mode: AuthMode::Sigv4,
        principals: vec![],
    })
    .unwrap_err();
    assert!(e.contains("auth.principals is empty"), "{e}");
    let p = PrincipalConfig {
        name: "a".into(),
        access_key_id: ADMIN_KEY.into(),
        secret_access_key: Some("s".into()),
        allow: vec!["glue:*".into()],
        ..PrincipalConfig::default()
    };
    let e = Authenticator::new(&AuthConfig {
        mode: AuthMode::Sigv4,
        principals: vec![
            p.clone(),
            PrincipalConfig {
                name: "b".into(),
                ..p
            },
        ],
    })
    .unwrap_err();
    assert!(
        e.contains("auth.principals[1] (b)") && e.contains(ADMIN_KEY),
        "{e}"
    );
    assert_eq!(Authenticator::default().mode(), AuthMode::None);
}
