//! Verification cost per request: a boto3-shaped `CreateTable` request (a 1.5 KiB body) signed
//! once, verified many times. Prints microseconds per verification.
//!
//! `cargo bench -p weir-auth --bench verify`

use std::time::Instant;

use chrono::{TimeZone, Utc};
use weir_auth::{sign, AuthConfig, AuthMode, Authenticator, Credentials, PrincipalConfig, Request};

fn main() {
    let authenticator = Authenticator::new(&AuthConfig {
        mode: AuthMode::Sigv4,
        principals: (0..50)
            .map(|i| PrincipalConfig {
                name: format!("p{i}"),
                access_key_id: format!("AKIAWEIRBENCH{i:07}"),
                secret_access_key: Some(format!("secret/{i:034}")),
                allow: vec!["glue:*".into()],
                ..PrincipalConfig::default()
            })
            .collect(),
    })
    .expect("configuration");
    let credentials = Credentials {
        access_key_id: "AKIAWEIRBENCH0000025".into(),
        secret_access_key: format!("secret/{:034}", 25),
        session_token: None,
    };
    let columns: Vec<String> = (0..30)
        .map(|i| format!(r#"{{"Name": "column_{i}", "Type": "string"}}"#))
        .collect();
    let body = format!(
        r#"{{"DatabaseName": "sales", "TableInput": {{"Name": "orders", "StorageDescriptor": {{"Columns": [{}], "Location": "s3://bucket/orders/"}}}}}}"#,
        columns.join(", ")
    );
    let base = [
        ("host", "127.0.0.1:4270"),
        ("x-amz-target", "AWSGlue.CreateTable"),
        ("content-type", "application/x-amz-json-1.1"),
        (
            "user-agent",
            "Boto3/1.42 md/Botocore#1.42 ua/2.1 os/linux lang/python#3.11",
        ),
        ("content-length", "1500"),
        ("accept-encoding", "identity"),
    ];
    let now = Utc
        .with_ymd_and_hms(2026, 12, 6, 9, 30, 0)
        .single()
        .expect("time");
    let unsigned = Request {
        method: "POST",
        path: "/",
        query: "",
        headers: &base,
        body: body.as_bytes(),
    };
    let added = sign(&credentials, "us-east-1", &unsigned, now);
    let mut headers: Vec<(&str, &str)> = base.to_vec();
    headers.extend(added.iter().map(|(n, v)| (*n, v.as_str())));
    let request = Request {
        headers: &headers,
        ..unsigned
    };
    let rounds = 100_000;
    for _ in 0..1_000 {
        authenticator.authenticate(&request, now).expect("valid");
    }
    let started = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(authenticator.authenticate(std::hint::black_box(&request), now))
            .expect("valid");
    }
    let per = started.elapsed().as_secs_f64() * 1e6 / rounds as f64;
    println!(
        "sigv4 verification: {per:.2} µs per request ({} byte body, {rounds} rounds)",
        body.len()
    );
}
