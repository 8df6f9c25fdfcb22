//! Object storage settings from a job's catalog connections. Glue has no connection type for
//! S3 itself (a Glue job reaches S3 with its IAM role); to reach an S3-compatible server with
//! its own endpoint and keys, a job lists a connection (`Connections.Connections`) whose
//! `ConnectionProperties` name the bucket and how to reach it:
//!
//! | property | meaning |
//! |---|---|
//! | `CONNECTION_URL` | `s3://bucket` (or `s3a://`): the bucket these settings are for |
//! | `ENDPOINT` | the server, e.g. `http://127.0.0.1:9000` (path-style requests then) |
//! | `REGION` | the region to sign for |
//! | `USERNAME` / `PASSWORD` | the access key id and secret access key (the password is kept encrypted by the catalog) |
//!
//! Connections of other kinds (JDBC, Kafka, …) are for their own nodes and are left alone here.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::catalog::CatalogClient;
use crate::error::{EngineError, Result};
use crate::stores::S3Config;

/// The S3 settings of the buckets the `connections` name, by bucket.
pub async fn s3_buckets(
    client: &dyn CatalogClient,
    connections: &[String],
) -> Result<BTreeMap<String, S3Config>> {
    let mut buckets = BTreeMap::new();
    for name in connections {
        let connection = client
            .call(
                "GetConnection",
                json!({ "Name": name, "HidePassword": false }),
            )
            .await
            .map_err(|e| {
                EngineError::from_catalog(None, &format!("Connections: connection '{name}'"), &e)
            })?;
        let props = connection
            .pointer("/Connection/ConnectionProperties")
            .cloned()
            .unwrap_or(Value::Null);
        if let Some((bucket, settings)) = s3_settings(name, &props)? {
            buckets.insert(bucket, settings);
        }
    }
    Ok(buckets)
}

/// The bucket and settings of one connection's properties; `None` when it is not for S3.
fn s3_settings(name: &str, props: &Value) -> Result<Option<(String, S3Config)>> {
    let prop = |k: &str| {
        props
            .get(k)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let Some(url) = prop("CONNECTION_URL") else {
        return Ok(None);
    };
    let Some(rest) = url
        .strip_prefix("s3://")
        .or_else(|| url.strip_prefix("s3a://"))
    else {
        return Ok(None);
    };
    let bucket = rest.split('/').next().unwrap_or_default();
    if bucket.is_empty() {
        return Err(EngineError::invalid_job(format!(
            "Connections: connection '{name}': CONNECTION_URL '{url}' names no bucket (s3://bucket)"
        )));
    }
    let settings = S3Config {
        endpoint: prop("ENDPOINT"),
        region: prop("REGION"),
        access_key_id: prop("USERNAME"),
        secret_access_key: prop("PASSWORD"),
        session_token: None,
        path_style: None,
    };
    Ok(Some((bucket.to_string(), settings)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_connections_give_their_bucket_settings() {
        let props = json!({ "CONNECTION_URL": "s3://raw-data/landing/", "ENDPOINT": "http://127.0.0.1:9000",
                            "REGION": "eu-west-1", "USERNAME": "AK", "PASSWORD": "SK" });
        let (bucket, s) = s3_settings("minio", &props).unwrap().unwrap();
        assert_eq!(bucket, "raw-data");
        assert_eq!(s.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(s.region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            (s.access_key_id.as_deref(), s.secret_access_key.as_deref()),
            (Some("AK"), Some("SK"))
        );
    }

    #[test]
    fn other_connections_are_not_for_s3() {
        let jdbc = json!({ "JDBC_CONNECTION_URL": "jdbc:postgresql://h/db", "USERNAME": "u" });
        assert!(s3_settings("pg", &jdbc).unwrap().is_none());
        let err = s3_settings("bad", &json!({ "CONNECTION_URL": "s3:///x" })).unwrap_err();
        assert!(err.to_string().contains("connection 'bad'"), "{err}");
    }
}
