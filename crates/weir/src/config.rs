//! Weir's configuration: one typed struct, layered defaults → config file → `WEIR__…`
//! environment variables → command-line flags, validated at start-up.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use base64::Engine;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

/// Everything `weir serve`, `weir migrate` and `weir job run` need.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP service listens on. Loopback by default; another address needs
    /// `[auth] mode = "sigv4"` (or `serve --insecure-no-auth`).
    pub listen: SocketAddr,
    /// Directory for Weir's local state: the SQLite metastore and the secrets key.
    pub data_dir: PathBuf,
    /// Metastore URL: `sqlite://PATH` or `postgres://USER@HOST:PORT/DB`. Default: `sqlite://<data_dir>/metastore.db`.
    #[serde(default, deserialize_with = "weir_model::setting_text::option")]
    pub metastore: Option<String>,
    pub catalog: CatalogConfig,
    pub secrets: SecretsConfig,
    /// The data plane: parallelism and object storage (`[engine.s3]`: endpoint, region, keys).
    pub engine: weir_engine::EngineConfig,
    /// The job service: limits on concurrent runs and capacity, memory per DPU, leases.
    pub jobs: weir_jobs::JobsConfig,
    /// Authentication: `mode` ("none" or "sigv4") and `[[auth.principals]]`.
    #[serde(default)]
    pub auth: weir_auth::AuthConfig,
    /// Iceberg tables: where new ones go.
    #[serde(default)]
    pub iceberg: IcebergConfig,
    /// Table optimizers: when their runs start.
    #[serde(default)]
    pub optimizers: weir_optimizers::Timing,
    /// Per-commit metrics of Iceberg tables: how often the catalog is looked at for commits.
    #[serde(default)]
    pub table_metrics: weir_table_metrics::Settings,
    /// Log filter (tracing `EnvFilter` syntax), e.g. `info` or `weir_server=debug`.
    #[serde(deserialize_with = "weir_model::setting_text::string")]
    pub log: String,
}

/// The catalog Weir serves, or the one `weir job run` uses.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogConfig {
    /// The account id returned as `CatalogId` and used in ARNs (12 digits).
    #[serde(deserialize_with = "weir_model::setting_text::string")]
    pub account_id: String,
    /// The region used in ARNs.
    #[serde(deserialize_with = "weir_model::setting_text::string")]
    pub region: String,
    /// A running Weir service (`http://HOST:PORT`) whose catalog `weir job run` uses instead of
    /// the metastore, which it then does not open. `serve` and `migrate` ignore it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "weir_model::setting_text::option"
    )]
    pub endpoint: Option<String>,
}

/// Iceberg tables.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IcebergConfig {
    /// Where a new Iceberg (or Delta) table goes when neither its request nor its database
    /// names a location (`s3://BUCKET/PREFIX`, `file:///PATH`): `WAREHOUSE/DATABASE.db/TABLE`.
    /// Default: the folder `warehouse` of the data dir.
    #[serde(default, deserialize_with = "weir_model::setting_text::option")]
    pub warehouse: Option<String>,
}

/// The key that encrypts secret connection properties at rest.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsConfig {
    /// The key itself, base64 of 32 bytes. When absent, `key_file` is used.
    #[serde(default, deserialize_with = "weir_model::setting_text::option")]
    pub key: Option<String>,
    /// A file holding the key (created with a random key if missing). Default: `<data_dir>/secrets.key`.
    pub key_file: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 4270)),
            data_dir: PathBuf::from(".weir"),
            metastore: None,
            catalog: CatalogConfig {
                account_id: "123456789012".into(),
                region: "us-east-1".into(),
                endpoint: None,
            },
            secrets: SecretsConfig::default(),
            engine: weir_engine::EngineConfig::default(),
            jobs: weir_jobs::JobsConfig::default(),
            auth: weir_auth::AuthConfig::default(),
            iceberg: IcebergConfig::default(),
            optimizers: weir_optimizers::Timing::default(),
            table_metrics: weir_table_metrics::Settings::default(),
            log: "info".into(),
        }
    }
}

/// Settings given on the command line; they override every other layer.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metastore: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catalog: Option<CatalogOverrides>,
}

/// Command-line settings of the `[catalog]` section.
#[derive(Debug, Default, Serialize)]
pub struct CatalogOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
}

impl Config {
    /// Loads the layers: defaults, then `file` (if given), then `WEIR__*` variables, then `overrides`.
    pub fn load(file: Option<&Path>, overrides: Overrides) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            if !file.exists() {
                bail!("config file {} does not exist", file.display());
            }
            figment = figment.merge(Toml::file(file));
        }
        // The environment's values stay text: figment's `Env` would read `112233445566` as a
        // number and `0012` as 12. Lossy extraction then reads `"4"` as a number where a
        // setting is one.
        for (key, value) in Env::prefixed("WEIR__").split("__").iter() {
            figment = figment.merge(Serialized::default(key.as_str(), value));
        }
        let config: Config = figment
            .merge(Serialized::defaults(overrides))
            .extract_lossy()
            .context("invalid configuration")?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> anyhow::Result<()> {
        if self.catalog.account_id.len() != 12
            || !self.catalog.account_id.chars().all(|c| c.is_ascii_digit())
        {
            bail!(
                "catalog.account_id must be 12 digits, got '{}'",
                self.catalog.account_id
            );
        }
        if let Some(url) = &self.metastore {
            if !(url.starts_with("sqlite:")
                || url.starts_with("postgres:")
                || url.starts_with("postgresql:"))
            {
                bail!("metastore must be a sqlite:// or postgres:// URL, got '{url}'");
            }
        }
        if let Some(endpoint) = &self.catalog.endpoint {
            if crate::remote_catalog::parse_endpoint(endpoint).is_none() {
                bail!("catalog.endpoint must be an http:// or https:// URL with a host, got '{endpoint}'");
            }
        }
        Ok(())
    }

    /// The metastore URL, defaulting to a SQLite file in the data dir.
    pub fn metastore_url(&self) -> String {
        self.metastore
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("metastore.db").display()))
    }

    /// Where new Iceberg and Delta tables go when neither the request nor the database names a
    /// location: `iceberg.warehouse`, else the folder `warehouse` of the data dir.
    fn warehouse(&self) -> String {
        self.iceberg.warehouse.clone().unwrap_or_else(|| {
            let folder = std::path::absolute(self.data_dir.join("warehouse"))
                .unwrap_or_else(|_| self.data_dir.join("warehouse"));
            url::Url::from_directory_path(&folder)
                .map(String::from)
                .unwrap_or_else(|_| folder.display().to_string())
        })
    }

    fn stores(&self) -> weir_engine::stores::StoreSettings {
        weir_engine::stores::StoreSettings {
            s3: self.engine.s3.clone(),
            azure: self.engine.azure.clone(),
            ..Default::default()
        }
    }

    /// Iceberg tables, their files in the engine's object stores.
    pub fn iceberg_tables(&self) -> weir_iceberg::Tables {
        weir_iceberg::Tables::new(&self.stores(), self.warehouse())
    }

    /// Delta tables, their files in the engine's object stores.
    pub fn delta_tables(&self) -> weir_delta::Deltas {
        weir_delta::Deltas::new(self.stores(), self.warehouse())
    }

    /// The table formats optimizers keep healthy.
    pub fn table_formats(&self) -> weir_optimizers::TableFormats {
        weir_optimizers::TableFormats {
            iceberg: self.iceberg_tables(),
            delta: self.delta_tables(),
        }
    }

    /// An engine of this configuration with the sources and targets outside plain files: JDBC
    /// databases, Iceberg and Delta tables.
    pub fn engine(&self) -> weir_engine::Engine {
        weir_engine::Engine::new(self.engine.clone())
            .with_connector(weir_jdbc::node::JdbcConnector::new())
            .with_connector(weir_iceberg::node::IcebergConnector::new(
                self.iceberg_tables(),
            ))
            .with_connector(weir_delta::DeltaConnector::new(self.delta_tables()))
    }

    /// The secrets key: from `secrets.key`, or read from (or created in) the key file.
    pub fn secrets_key(&self) -> anyhow::Result<[u8; 32]> {
        let decode = |text: &str, from: &str| -> anyhow::Result<[u8; 32]> {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .with_context(|| format!("{from} is not base64"))?;
            bytes
                .try_into()
                .map_err(|_| anyhow::anyhow!("{from} must be 32 bytes (base64)"))
        };
        if let Some(key) = &self.secrets.key {
            return decode(key, "secrets.key");
        }
        let path = self
            .secrets
            .key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("secrets.key"));
        if path.exists() {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            return decode(&text, &path.display().to_string());
        }
        let key = weir_catalog::SecretBox::generate_key();
        write_private(
            &path,
            &base64::engine::general_purpose::STANDARD.encode(key),
        )?;
        Ok(key)
    }
}

/// Writes a file readable by its owner only.
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut f = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_file_overrides_defaults_and_flags_override_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("weir.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:9999\"\n[catalog]\naccount_id = \"111122223333\"\nregion = \"eu-west-1\"\n").unwrap();
        let config = Config::load(Some(&file), Overrides::default()).unwrap();
        assert_eq!(config.listen.port(), 9999);
        assert_eq!(config.catalog.account_id, "111122223333");
        assert_eq!(config.metastore_url(), "sqlite://.weir/metastore.db");
        let overrides = Overrides {
            listen: Some("127.0.0.1:1234".parse().unwrap()),
            ..Overrides::default()
        };
        assert_eq!(
            Config::load(Some(&file), overrides).unwrap().listen.port(),
            1234
        );
    }

    #[test]
    fn text_settings_take_values_that_look_like_numbers_from_the_file_and_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("weir.toml");
        std::fs::write(
            &file,
            "[catalog]\naccount_id = 112233445566\nregion = \"x\"\n",
        )
        .unwrap();
        let config = Config::load(Some(&file), Overrides::default()).unwrap();
        assert_eq!(config.catalog.account_id, "112233445566");
        // Each test runs in its own process (nextest), so the variables stay with this test.
        std::env::set_var("WEIR__CATALOG__ACCOUNT_ID", "012345678901");
        std::env::set_var("WEIR__ENGINE__S3__SECRET_ACCESS_KEY", "1234");
        std::env::set_var("WEIR__ENGINE__TARGET_PARTITIONS", "3");
        let config = Config::load(Some(&file), Overrides::default());
        std::env::remove_var("WEIR__CATALOG__ACCOUNT_ID");
        std::env::remove_var("WEIR__ENGINE__S3__SECRET_ACCESS_KEY");
        std::env::remove_var("WEIR__ENGINE__TARGET_PARTITIONS");
        let config = config.unwrap();
        assert_eq!(config.catalog.account_id, "012345678901");
        assert_eq!(config.engine.s3.secret_access_key.as_deref(), Some("1234"));
        assert_eq!(config.engine.target_partitions, Some(3));
    }

    #[test]
    fn bad_settings_are_rejected_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("weir.toml");
        std::fs::write(&file, "[catalog]\naccount_id = \"12\"\nregion = \"x\"\n").unwrap();
        let e = Config::load(Some(&file), Overrides::default()).unwrap_err();
        assert!(e.to_string().contains("catalog.account_id"), "{e}");
        std::fs::write(&file, "listne = \"x\"\n").unwrap();
        let e = format!(
            "{:#}",
            Config::load(Some(&file), Overrides::default()).unwrap_err()
        );
        assert!(e.contains("listne"), "{e}");
        let missing = dir.path().join("nope.toml");
        assert!(Config::load(Some(&missing), Overrides::default()).is_err());
    }

    #[test]
    fn the_catalog_endpoint_comes_from_the_file_or_the_flag() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("weir.toml");
        std::fs::write(
            &file,
            "[catalog]\nregion = \"eu-west-1\"\nendpoint = \"http://10.0.0.1:4270\"\n",
        )
        .unwrap();
        let config = Config::load(Some(&file), Overrides::default()).unwrap();
        assert_eq!(
            config.catalog.endpoint.as_deref(),
            Some("http://10.0.0.1:4270")
        );
        let overrides = |endpoint: &str| Overrides {
            catalog: Some(CatalogOverrides {
                endpoint: Some(endpoint.into()),
            }),
            ..Overrides::default()
        };
        let config = Config::load(Some(&file), overrides("http://127.0.0.1:9")).unwrap();
        assert_eq!(
            config.catalog.endpoint.as_deref(),
            Some("http://127.0.0.1:9")
        );
        assert_eq!(
            config.catalog.region, "eu-west-1",
            "the flag keeps the section"
        );
        assert_eq!(
            Config::load(None, Overrides::default())
                .unwrap()
                .catalog
                .endpoint,
            None
        );
        let e = format!(
            "{:#}",
            Config::load(None, overrides("127.0.0.1:4270")).unwrap_err()
        );
        assert!(e.contains("catalog.endpoint"), "{e}");
    }

    #[test]
    fn auth_is_off_by_default_and_principals_come_from_the_file() {
        assert_eq!(
            Config::load(None, Overrides::default()).unwrap().auth.mode,
            weir_auth::AuthMode::None
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("weir.toml");
        std::fs::write(
            &file,
            "[auth]\nmode = \"sigv4\"\n[[auth.principals]]\nname = \"admin\"\naccess_key_id = \"AKIAWEIRADMIN0000001\"\nsecret_access_key = 987654\nallow = [\"glue:*\"]\n",
        )
        .unwrap();
        let config = Config::load(Some(&file), Overrides::default()).unwrap();
        assert_eq!(config.auth.mode, weir_auth::AuthMode::Sigv4);
        let principal = &config.auth.principals[0];
        assert_eq!(principal.secret_access_key.as_deref(), Some("987654"));
        assert!(
            !format!("{config:?}").contains("987654"),
            "secrets stay out of Debug"
        );
        std::fs::write(&file, "[auth]\nmode = \"basic\"\n").unwrap();
        let e = format!(
            "{:#}",
            Config::load(Some(&file), Overrides::default()).unwrap_err()
        );
        assert!(e.contains("auth.mode") || e.contains("basic"), "{e}");
    }

    #[test]
    fn the_secrets_key_file_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let overrides = Overrides {
            data_dir: Some(dir.path().to_path_buf()),
            ..Overrides::default()
        };
        let config = Config::load(None, overrides).unwrap();
        let first = config.secrets_key().unwrap();
        assert_eq!(first, config.secrets_key().unwrap());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("secrets.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
