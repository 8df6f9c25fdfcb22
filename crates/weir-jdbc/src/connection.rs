//! A catalog connection of type `JDBC`, resolved to a database server Weir can reach.
//!
//! | property | meaning |
//! |---|---|
//! | `JDBC_CONNECTION_URL` | `jdbc:postgresql://host:5432/db`, `jdbc:mysql://host:3306/db` (`jdbc:mariadb:`, and `jdbc:redshift:`, which speaks PostgreSQL's protocol) |
//! | `HOST`, `PORT`, `JDBC_ENGINE`, `DATABASE` | the same, given apart (when there is no URL) |
//! | `USERNAME` / `PASSWORD` | the credentials (the catalog keeps the password encrypted) |
//! | `JDBC_ENFORCE_SSL` | `true`: connect over TLS only, verifying the server's certificate |
//! | `CUSTOM_JDBC_CERT_STRING` | a PEM certificate authority to verify the server with |
//! | `SKIP_CUSTOM_JDBC_CERT_VALIDATION` | `true`: TLS without verifying the certificate |
//!
//! The URL's own TLS parameters (`sslmode=` for PostgreSQL, `sslMode=`/`useSSL=` for MySQL) are
//! honoured too. Credentials in `SECRET_ID` (AWS Secrets Manager) cannot be reached from Weir.

use std::time::Duration;

use serde_json::{json, Value};
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlSslMode};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::Connection as _;
use weir_engine::catalog::CatalogClient;

use crate::dialect::Dialect;
use crate::error::{Error, Result};

/// How long connecting may take before it counts as a failure.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// How a connection uses TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    /// TLS when the server offers it (the drivers' default).
    Prefer,
    /// TLS only, the certificate not verified.
    Require,
    /// TLS only, the certificate verified against the host name.
    Verify,
    /// Never TLS.
    Disable,
}

/// A JDBC connection's server, database and credentials.
#[derive(Clone)]
pub struct JdbcConnection {
    /// The catalog connection's name (for messages).
    pub name: String,
    pub dialect: Dialect,
    pub host: String,
    pub port: u16,
    /// The database the URL names (MySQL: the default schema; may be empty).
    pub database: String,
    user: Option<String>,
    password: Option<String>,
    tls: Tls,
    ca_pem: Option<String>,
}

impl std::fmt::Debug for JdbcConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JdbcConnection")
            .field("name", &self.name)
            .field("dialect", &self.dialect)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("database", &self.database)
            .field("user", &self.user)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

/// An open session with the server.
pub enum Session {
    Postgres(PgConnection),
    MySql(MySqlConnection),
}

impl Session {
    pub fn dialect(&self) -> Dialect {
        match self {
            Session::Postgres(_) => Dialect::Postgres,
            Session::MySql(_) => Dialect::MySql,
        }
    }

    /// Runs a statement that returns no rows; the rows it affected.
    pub async fn execute(&mut self, sql: &str) -> sqlx::Result<u64> {
        Ok(match self {
            Session::Postgres(c) => sqlx::query(sql).execute(c).await?.rows_affected(),
            Session::MySql(c) => sqlx::query(sql).execute(c).await?.rows_affected(),
        })
    }

    /// Ends the session (what it did not commit is rolled back by the server).
    pub async fn close(self) {
        let _ = match self {
            Session::Postgres(c) => c.close().await,
            Session::MySql(c) => c.close().await,
        };
    }
}

impl JdbcConnection {
    /// The connection a catalog `Connection` document describes (as GetConnection returns it,
    /// passwords included).
    pub fn from_catalog(connection: &Value) -> Result<Self> {
        let name = connection
            .get("Name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let kind = connection
            .get("ConnectionType")
            .and_then(Value::as_str)
            .unwrap_or("JDBC");
        let props = connection
            .get("ConnectionProperties")
            .cloned()
            .unwrap_or(Value::Null);
        match kind {
            "JDBC" | "POSTGRESQL" | "MYSQL" => Self::from_properties(name, &props),
            other => Err(Error::invalid(format!(
                "connection '{name}' is of type {other}: JDBC nodes and crawlers need a JDBC connection"
            ))),
        }
    }

    /// The catalog's connection of that name (read with its passwords).
    pub async fn named(catalog: &dyn CatalogClient, name: &str) -> Result<Self> {
        let found = catalog
            .call(
                "GetConnection",
                json!({ "Name": name, "HidePassword": false }),
            )
            .await
            .map_err(|e| Error::invalid(format!("connection '{name}': {}", e.message)))?;
        Self::from_catalog(&found["Connection"])
    }

    /// The connection that `ConnectionProperties` describe.
    pub fn from_properties(name: &str, props: &Value) -> Result<Self> {
        let prop = |k: &str| {
            props
                .get(k)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let flag = |k: &str| prop(k).is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let invalid = |m: String| Error::invalid(format!("connection '{name}': {m}"));
        if prop("SECRET_ID").is_some() && prop("USERNAME").is_none() {
            return Err(invalid(
                "SECRET_ID names an AWS Secrets Manager secret, which Weir cannot read: give USERNAME and PASSWORD".into(),
            ));
        }
        let mut parsed = match prop("JDBC_CONNECTION_URL") {
            Some(url) => parse_url(&url).map_err(invalid)?,
            None => {
                let (Some(host), Some(engine)) = (prop("HOST"), prop("JDBC_ENGINE")) else {
                    return Err(invalid(
                        "ConnectionProperties has no JDBC_CONNECTION_URL (nor HOST and JDBC_ENGINE)"
                            .into(),
                    ));
                };
                let dialect = Dialect::from_engine(&engine).map_err(invalid)?;
                let port = match prop("PORT") {
                    Some(p) => p
                        .parse()
                        .map_err(|_| invalid(format!("PORT '{p}' is not a port number")))?,
                    None => dialect.default_port(),
                };
                Parsed {
                    dialect,
                    host,
                    port,
                    database: prop("DATABASE").unwrap_or_default(),
                    tls: None,
                    user: None,
                    password: None,
                }
            }
        };
        if flag("JDBC_ENFORCE_SSL") {
            parsed.tls = Some(if flag("SKIP_CUSTOM_JDBC_CERT_VALIDATION") {
                Tls::Require
            } else {
                Tls::Verify
            });
        }
        Ok(Self {
            name: name.to_string(),
            dialect: parsed.dialect,
            host: parsed.host,
            port: parsed.port,
            database: parsed.database,
            user: prop("USERNAME").or(parsed.user),
            password: prop("PASSWORD").or(parsed.password),
            tls: parsed.tls.unwrap_or(Tls::Prefer),
            ca_pem: prop("CUSTOM_JDBC_CERT_STRING"),
        })
    }

    /// The server as `host:port/database` (no credentials), for messages.
    pub fn describe(&self) -> String {
        format!(
            "{}://{}:{}/{}",
            self.dialect.url_scheme(),
            self.host,
            self.port,
            self.database
        )
    }

    /// The same connection, to another database of the server (a crawler's include path names
    /// the database it reads).
    pub fn in_database(&self, database: &str) -> Self {
        Self {
            database: database.to_string(),
            ..self.clone()
        }
    }

    /// Opens a session, in UTC (timestamps are read and written as UTC wall time).
    pub async fn open(&self) -> Result<Session> {
        let database = Some(self.database.as_str()).filter(|d| !d.is_empty());
        let (user, password, pem) = (
            self.user.as_deref(),
            self.password.as_deref(),
            self.ca_pem.as_ref().map(|p| p.as_bytes().to_vec()),
        );
        Ok(match self.dialect {
            Dialect::Postgres => {
                let options = PgConnectOptions::new_without_pgpass()
                    .host(&self.host)
                    .port(self.port)
                    .options([("TimeZone", "UTC")])
                    .ssl_mode(match self.tls {
                        Tls::Prefer => PgSslMode::Prefer,
                        Tls::Require => PgSslMode::Require,
                        Tls::Verify => PgSslMode::VerifyFull,
                        Tls::Disable => PgSslMode::Disable,
                    });
                let options = with(options, database, PgConnectOptions::database);
                let options = with(options, user, PgConnectOptions::username);
                let options = with(options, password, PgConnectOptions::password);
                let options = with(options, pem, PgConnectOptions::ssl_root_cert_from_pem);
                Session::Postgres(self.connect::<PgConnection>(options).await?)
            }
            Dialect::MySql => {
                let options = MySqlConnectOptions::new()
                    .host(&self.host)
                    .port(self.port)
                    .timezone(Some("+00:00".into()))
                    .ssl_mode(match self.tls {
                        Tls::Prefer => MySqlSslMode::Preferred,
                        Tls::Require => MySqlSslMode::Required,
                        Tls::Verify => MySqlSslMode::VerifyIdentity,
                        Tls::Disable => MySqlSslMode::Disabled,
                    });
                let options = with(options, database, MySqlConnectOptions::database);
                let options = with(options, user, MySqlConnectOptions::username);
                let options = with(options, password, MySqlConnectOptions::password);
                let options = with(options, pem, MySqlConnectOptions::ssl_ca_from_pem);
                Session::MySql(self.connect::<MySqlConnection>(options).await?)
            }
        })
    }

    /// Connects within [`CONNECT_TIMEOUT`].
    async fn connect<C: sqlx::Connection>(&self, options: C::Options) -> Result<C> {
        let failed = |source: sqlx::Error| Error::Connect {
            connection: self.name.clone(),
            server: self.describe(),
            source,
        };
        tokio::time::timeout(CONNECT_TIMEOUT, C::connect_with(&options))
            .await
            .map_err(|_| failed(sqlx::Error::PoolTimedOut))?
            .map_err(failed)
    }

    /// Connects and runs `SELECT 1`: what TestConnection does.
    pub async fn test(&self) -> Result<()> {
        let mut session = self.open().await?;
        let checked = session.execute("SELECT 1").await;
        session.close().await;
        checked.map_err(|e| Error::database(format!("connection '{}': SELECT 1", self.name), e))?;
        Ok(())
    }
}

/// `options` with `value` set by `set`, when there is one.
fn with<O, V>(options: O, value: Option<V>, set: impl FnOnce(O, V) -> O) -> O {
    match value {
        Some(v) => set(options, v),
        None => options,
    }
}

/// What a JDBC URL says.
struct Parsed {
    dialect: Dialect,
    host: String,
    port: u16,
    database: String,
    tls: Option<Tls>,
    user: Option<String>,
    password: Option<String>,
}

/// Reads `jdbc:<engine>://host[:port]/[database][?param=value&…]`.
fn parse_url(text: &str) -> std::result::Result<Parsed, String> {
    let bad = |why: &str| format!("JDBC_CONNECTION_URL '{text}' {why}");
    let rest = text
        .strip_prefix("jdbc:")
        .ok_or_else(|| bad("does not start with jdbc:"))?;
    let (engine, _) = rest
        .split_once("://")
        .ok_or_else(|| bad("is not jdbc:<engine>://host:port/database"))?;
    let dialect = Dialect::from_engine(engine).map_err(|m| bad(&m))?;
    let url = url::Url::parse(rest).map_err(|e| bad(&format!("is not a valid URL: {e}")))?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad("names no host"))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let database = url.path().trim_start_matches('/').to_string();
    let mut tls = None;
    let (mut user, mut password) = (None, None);
    for (key, value) in url.query_pairs() {
        let value = value.to_string();
        match key.as_ref() {
            "sslmode" | "sslMode" => {
                tls = Some(
                    match value.to_ascii_lowercase().replace('_', "-").as_str() {
                        "disable" | "disabled" => Tls::Disable,
                        "allow" | "prefer" | "preferred" => Tls::Prefer,
                        "require" | "required" => Tls::Require,
                        "verify-ca" | "verify-full" | "verify-identity" => Tls::Verify,
                        other => return Err(bad(&format!("has an unknown sslmode '{other}'"))),
                    },
                )
            }
            "ssl" | "useSSL" if value.eq_ignore_ascii_case("true") => {
                tls.get_or_insert(Tls::Require);
            }
            "ssl" | "useSSL" if value.eq_ignore_ascii_case("false") => tls = Some(Tls::Disable),
            "user" => user = Some(value),
            "password" => password = Some(value),
            _ => {}
        }
    }
    Ok(Parsed {
        dialect,
        host,
        port: url.port().unwrap_or_else(|| dialect.default_port()),
        database,
        tls,
        user,
        password,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_give_the_server_the_database_and_tls() {
        let c = JdbcConnection::from_properties(
            "src",
            &json!({"JDBC_CONNECTION_URL": "jdbc:postgresql://db.example:6543/sourcedb?sslmode=require",
                    "USERNAME": "etl", "PASSWORD": "pw"}),
        )
        .unwrap();
        assert_eq!(
            (c.dialect, c.host.as_str(), c.port),
            (Dialect::Postgres, "db.example", 6543)
        );
        assert_eq!(c.database, "sourcedb");
        assert_eq!(c.tls, Tls::Require);
        assert_eq!(c.describe(), "postgresql://db.example:6543/sourcedb");
        assert!(
            !format!("{c:?}").contains("pw"),
            "the password is never shown"
        );

        let m = JdbcConnection::from_properties(
            "m",
            &json!({"JDBC_CONNECTION_URL": "jdbc:mysql://127.0.0.1/shop", "JDBC_ENFORCE_SSL": "true"}),
        )
        .unwrap();
        assert_eq!(
            (m.dialect, m.port, m.tls),
            (Dialect::MySql, 3306, Tls::Verify)
        );
        let parts = JdbcConnection::from_properties(
            "p",
            &json!({"HOST": "h", "JDBC_ENGINE": "postgres", "DATABASE": "d"}),
        )
        .unwrap();
        assert_eq!((parts.port, parts.database.as_str()), (5432, "d"));
    }

    #[test]
    fn bad_connections_say_what_is_wrong() {
        let err = |props: Value| {
            JdbcConnection::from_properties("c", &props)
                .unwrap_err()
                .to_string()
        };
        assert!(err(json!({"JDBC_CONNECTION_URL": "postgresql://h/db"}))
            .contains("does not start with jdbc:"));
        assert!(
            err(json!({"JDBC_CONNECTION_URL": "jdbc:sqlserver://h:1433;databaseName=x"}))
                .contains("sqlserver")
        );
        assert!(err(json!({})).contains("no JDBC_CONNECTION_URL"));
        assert!(
            err(json!({"JDBC_CONNECTION_URL": "jdbc:postgresql://h/db", "SECRET_ID": "s"}))
                .contains("Secrets Manager")
        );
        assert!(
            err(json!({"JDBC_CONNECTION_URL": "jdbc:postgresql://h/db?sslmode=maybe"}))
                .contains("sslmode 'maybe'")
        );
    }
}
