//! `weir`: the composition root. It alone parses the command line, reads configuration,
//! installs logging and picks the concrete metastore.

mod config;
mod crawl;
mod datasets;
mod dq;
mod job_run;
mod pii;
mod remote_catalog;
mod table;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use weir_auth::{AuthMode, Authenticator};
use weir_catalog::{Catalog, CatalogIdentity, SecretBox, SystemClock};
use weir_crawler::executor::CrawlExecutor;
use weir_crawler::CrawlerService;
use weir_jdbc::service::JdbcService;
use weir_jobs::local::LocalExecutor;
use weir_jobs::run_access::RunAccess;
use weir_jobs::{Executors, JobService};
use weir_metastore::Metastore;
use weir_optimizers::executor::OptimizerExecutor;
use weir_pii::node::PiiNode;
use weir_pii::PiiService;
use weir_quality::executor::QualityExecutor;
use weir_quality::node::QualityNode;
use weir_quality::QualityService;
use weir_server::{AppState, Metrics};

use crate::config::{CatalogOverrides, Config, Overrides};
use crate::job_run::JobCatalog;
use crate::remote_catalog::{RemoteCatalog, Signer};

/// See the workspace manifest: jobs allocate and free a batch's buffers constantly.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(
    name = "weir",
    version,
    about = "Weir: a self-hosted, Glue-compatible data integration service"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service: the Glue API (POST /), /health and /metrics.
    Serve {
        #[command(flatten)]
        settings: Settings,
        /// Listen beyond loopback although `auth.mode` is "none": anyone who reaches the port
        /// can change the catalog and run jobs.
        #[arg(long)]
        insecure_no_auth: bool,
    },
    /// Apply the metastore's schema migrations and exit (`serve` applies them too).
    Migrate(Settings),
    /// Run jobs locally, or read a service's job run logs.
    #[command(subcommand)]
    Job(JobCommand),
    /// Crawl files into the catalog: infer each folder's format, schema and partitions and
    /// create or update its table (all changes in one catalog transaction).
    Crawl {
        /// Folders or files to crawl (`s3://…`, `file://…`, local paths, …).
        #[arg(required = true)]
        paths: Vec<String>,
        /// The database the tables go in (created when missing).
        #[arg(long)]
        database: String,
        /// Prefix of the tables' names.
        #[arg(long, default_value = "")]
        table_prefix: String,
        /// Glob of files to leave out, relative to the path (repeatable), as a crawler's
        /// `Exclusions`.
        #[arg(long = "exclude", value_name = "GLOB")]
        exclusions: Vec<String>,
        /// Read at most N files of each folder (the others take the schema of the first one
        /// understood), as a crawler's `SampleSize`.
        #[arg(long, value_name = "N")]
        sample_size: Option<usize>,
        /// Print what would change without changing anything.
        #[arg(long)]
        dry_run: bool,
        /// Use the catalog of the Weir service at this URL [config: catalog.endpoint].
        #[arg(long, value_name = "URL")]
        catalog_endpoint: Option<String>,
        #[command(flatten)]
        settings: Settings,
    },
    /// Evaluate data quality rulesets (DQDL) on tables or files, or recommend one.
    #[command(subcommand)]
    Dq(DqCommand),
    /// Find sensitive data in tables or files.
    #[command(subcommand)]
    Pii(PiiCommand),
    /// Keep Iceberg and Delta tables healthy.
    #[command(subcommand)]
    Table(TableCommand),
}

#[derive(Subcommand)]
enum TableCommand {
    /// Run a table optimizer now: compaction, retention (expire old snapshots) or
    /// orphan_file_deletion, with Glue's defaults unless flags say otherwise.
    Optimize {
        /// The Iceberg or Delta table (DATABASE.TABLE).
        table: String,
        /// compaction, retention or orphan_file_deletion.
        #[arg(long = "type", value_name = "TYPE")]
        kind: String,
        /// Retention: keep snapshots this many days (default 5); orphan file deletion: delete
        /// only files older than this (default 3, at least 1).
        #[arg(long, value_name = "DAYS")]
        retention_days: Option<i64>,
        /// Retention: keep at least this many snapshots of each branch (default 1).
        #[arg(long, value_name = "N")]
        snapshots_to_retain: Option<i64>,
        /// Compaction: compact a partition once it has this many small files (default 100).
        #[arg(long, value_name = "N")]
        min_input_files: Option<i64>,
        /// Compaction: binpack (default), sort (by the table's sort order) or z-order (over
        /// the sort order's columns).
        #[arg(long, value_name = "STRATEGY")]
        strategy: Option<String>,
        /// Orphan file deletion: the folder to clean (default: the table's location).
        #[arg(long, value_name = "URL")]
        location: Option<String>,
        /// Orphan file deletion: list the files it would delete, delete none.
        #[arg(long)]
        dry_run: bool,
        /// Use the catalog of the Weir service at this URL [config: catalog.endpoint].
        #[arg(long, value_name = "URL")]
        catalog_endpoint: Option<String>,
        #[command(flatten)]
        settings: Settings,
    },
}

#[derive(Subcommand)]
enum PiiCommand {
    /// Which columns of a dataset (DATABASE.TABLE, or a path or URL of files) hold which entity
    /// types: rows, share and the first positions found. Values are not printed unless asked.
    Scan {
        /// DATABASE.TABLE, or a path or URL of files.
        dataset: String,
        /// Entity types to look for (comma-separated Glue names) [default: every managed type].
        #[arg(long, value_delimiter = ',', value_name = "TYPES")]
        entity_types: Vec<String>,
        /// LOW (weak patterns need context words) or HIGH.
        #[arg(long, default_value = "LOW")]
        sensitivity: String,
        /// Print the text found at each sample position.
        #[arg(long)]
        show_values: bool,
        /// The files' format (parquet, csv, json) [default: by the name's suffix, else parquet].
        #[arg(long, value_name = "FORMAT")]
        file_format: Option<String>,
        /// How to print the results.
        #[arg(long, value_enum, default_value = "table")]
        format: datasets::Format,
        /// Use the catalog of the Weir service at this URL [config: catalog.endpoint].
        #[arg(long, value_name = "URL")]
        catalog_endpoint: Option<String>,
        #[command(flatten)]
        settings: Settings,
    },
}

#[derive(Subcommand)]
enum DqCommand {
    /// Evaluate a ruleset on a dataset: a catalog table (DATABASE.TABLE) or files (a path or
    /// URL: Parquet, CSV with a header, JSON lines). Prints each rule's outcome; exits non-zero
    /// only when the evaluation cannot run.
    Evaluate {
        /// The DQDL ruleset file.
        #[arg(long)]
        ruleset: PathBuf,
        /// DATABASE.TABLE, or a path or URL of files.
        dataset: String,
        /// A reference dataset the rules name by alias, as ALIAS=DATASET (repeatable).
        #[arg(long = "reference", value_name = "ALIAS=DATASET")]
        references: Vec<String>,
        /// The files' format (parquet, csv, json) [default: by the name's suffix, else parquet].
        #[arg(long, value_name = "FORMAT")]
        file_format: Option<String>,
        /// How to print the results.
        #[arg(long, value_enum, default_value = "table")]
        format: datasets::Format,
        /// Use the catalog of the Weir service at this URL [config: catalog.endpoint].
        #[arg(long, value_name = "URL")]
        catalog_endpoint: Option<String>,
        #[command(flatten)]
        settings: Settings,
    },
    /// Profile a dataset and print a ruleset that describes it (every rule passes on it).
    Recommend {
        /// DATABASE.TABLE, or a path or URL of files.
        dataset: String,
        /// The files' format (parquet, csv, json) [default: by the name's suffix, else parquet].
        #[arg(long, value_name = "FORMAT")]
        file_format: Option<String>,
        /// Use the catalog of the Weir service at this URL [config: catalog.endpoint].
        #[arg(long, value_name = "URL")]
        catalog_endpoint: Option<String>,
        #[command(flatten)]
        settings: Settings,
    },
}

#[derive(Subcommand)]
enum JobCommand {
    /// Run a visual job (the CreateJob input shape, or `aws glue get-job` output) in this process.
    Run {
        /// The job definition (JSON).
        job: PathBuf,
        /// Job arguments, as `--arg --key=value` (repeatable); they override DefaultArguments.
        #[arg(long = "arg", value_name = "--KEY=VALUE", allow_hyphen_values = true)]
        args: Vec<String>,
        /// Use the catalog of the Weir service at this URL (e.g. http://127.0.0.1:4270) instead
        /// of the metastore, which is then not opened [config: catalog.endpoint].
        #[arg(long, value_name = "URL")]
        catalog_endpoint: Option<String>,
        #[command(flatten)]
        settings: Settings,
    },
    /// Print the log of a job run of a Weir service (`StartJobRun`'s `JobRunId`).
    Logs {
        /// The run's id (`jr_…`).
        run_id: String,
        /// The Weir service [default: http://127.0.0.1:4270, or the config's listen address].
        #[arg(long, value_name = "URL")]
        endpoint: Option<String>,
        #[command(flatten)]
        settings: Settings,
    },
}

#[derive(Args)]
struct Settings {
    /// Config file (TOML); `WEIR__…` environment variables override it.
    #[arg(long, env = "WEIR_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:4270].
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
    /// Directory for local state [default: ./.weir].
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Metastore URL: sqlite://PATH or postgres://… [default: SQLite in the data dir].
    #[arg(long)]
    metastore: Option<String>,
}

impl Settings {
    fn load(self) -> anyhow::Result<Config> {
        self.load_with(None)
    }

    /// The configuration and the catalog of a command that reads or changes it: the catalog of
    /// the service at `endpoint` (or the config's), else the metastore's.
    async fn with_catalog(self, endpoint: Option<String>) -> anyhow::Result<(Config, JobCatalog)> {
        let config = self.load_with(Some(CatalogOverrides { endpoint }))?;
        let catalog = job_catalog(&config).await?;
        Ok((config, catalog))
    }

    /// The configuration, with the `[catalog]` settings given on the command line.
    fn load_with(self, catalog: Option<CatalogOverrides>) -> anyhow::Result<Config> {
        let overrides = Overrides {
            listen: self.listen,
            data_dir: self.data_dir,
            metastore: self.metastore,
            catalog,
        };
        Config::load(self.config.as_deref(), overrides)
    }
}

fn main() -> std::process::ExitCode {
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        match cli.command {
            Command::Serve {
                settings,
                insecure_no_auth,
            } => serve(settings.load()?, insecure_no_auth).await,
            Command::Migrate(settings) => migrate(settings.load()?).await,
            Command::Job(JobCommand::Run {
                job,
                args,
                catalog_endpoint,
                settings,
            }) => {
                let config = settings.load_with(Some(CatalogOverrides {
                    endpoint: catalog_endpoint,
                }))?;
                let job = job_run::load(&job, &args)?;
                let catalog = job_catalog(&config).await?;
                job_run::run(job, &config, catalog).await
            }
            Command::Crawl {
                paths,
                database,
                table_prefix,
                exclusions,
                sample_size,
                dry_run,
                catalog_endpoint,
                settings,
            } => {
                let (config, catalog) = settings.with_catalog(catalog_endpoint).await?;
                let args = crawl::CrawlArgs {
                    paths,
                    database,
                    table_prefix,
                    exclusions,
                    sample_size,
                    dry_run,
                };
                crawl::run(args, &config, catalog).await
            }
            Command::Dq(DqCommand::Evaluate {
                ruleset,
                dataset,
                references,
                file_format,
                format,
                catalog_endpoint,
                settings,
            }) => {
                let (config, catalog) = settings.with_catalog(catalog_endpoint).await?;
                let args = dq::EvaluateArgs {
                    ruleset,
                    dataset,
                    references,
                    file_format,
                    format,
                };
                dq::evaluate(args, &config, catalog).await
            }
            Command::Dq(DqCommand::Recommend {
                dataset,
                file_format,
                catalog_endpoint,
                settings,
            }) => {
                let (config, catalog) = settings.with_catalog(catalog_endpoint).await?;
                dq::recommend(&dataset, &file_format, &config, catalog).await
            }
            Command::Table(TableCommand::Optimize {
                table,
                kind,
                retention_days,
                snapshots_to_retain,
                min_input_files,
                strategy,
                location,
                dry_run,
                catalog_endpoint,
                settings,
            }) => {
                let (config, catalog) = settings.with_catalog(catalog_endpoint).await?;
                let args = table::OptimizeArgs {
                    table,
                    kind,
                    retention_days,
                    snapshots_to_retain,
                    min_input_files,
                    strategy,
                    location,
                    dry_run,
                };
                table::optimize_table(args, &config, catalog).await
            }
            Command::Pii(PiiCommand::Scan {
                dataset,
                entity_types,
                sensitivity,
                show_values,
                file_format,
                format,
                catalog_endpoint,
                settings,
            }) => {
                let (config, catalog) = settings.with_catalog(catalog_endpoint).await?;
                let args = pii::ScanArgs {
                    dataset,
                    entity_types,
                    sensitivity,
                    show_values,
                    file_format,
                    format,
                };
                pii::scan(args, &config, catalog).await
            }
            Command::Job(JobCommand::Logs {
                run_id,
                endpoint,
                settings,
            }) => {
                let config = settings.load()?;
                let endpoint = endpoint.unwrap_or_else(|| format!("http://{}", config.listen));
                let signer = Signer::from_environment(&config.catalog.region);
                print!(
                    "{}",
                    remote_catalog::run_log(&endpoint, &run_id, signer.as_ref()).await?
                );
                Ok(())
            }
        }
    })
}

/// The catalog of `weir job run` and `weir crawl`: the configured service's
/// (`catalog.endpoint`, requests signed with the environment's AWS credentials), else the
/// metastore's.
async fn job_catalog(config: &Config) -> anyhow::Result<JobCatalog> {
    Ok(match &config.catalog.endpoint {
        Some(endpoint) => {
            let signer = Signer::from_environment(&config.catalog.region);
            JobCatalog::Remote(RemoteCatalog::connect(endpoint, signer).await?)
        }
        None => JobCatalog::Local,
    })
}

fn init_logging(config: &Config) {
    let filter =
        tracing_subscriber::EnvFilter::try_new(&config.log).unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

async fn open_metastore(config: &Config) -> anyhow::Result<Metastore> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating data dir {}", config.data_dir.display()))?;
    let url = config.metastore_url();
    let store = Metastore::connect(&url)
        .await
        .with_context(|| format!("connecting to the metastore {}", redact(&url)))?;
    let applied = store.migrate().await.context("migrating the metastore")?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied metastore migrations");
    }
    Ok(store)
}

async fn migrate(config: Config) -> anyhow::Result<()> {
    init_logging(&config);
    let store = open_metastore(&config).await?;
    store.close().await;
    println!(
        "metastore {} is up to date",
        redact(&config.metastore_url())
    );
    Ok(())
}

/// The catalog of the configured metastore (migrated), with partition index builds resumed.
async fn open_catalog(config: &Config) -> anyhow::Result<Catalog> {
    let store = open_metastore(config).await?;
    let identity = CatalogIdentity {
        account_id: config.catalog.account_id.clone(),
        region: config.catalog.region.clone(),
    };
    let secrets = SecretBox::new(&config.secrets_key()?);
    let catalog = Catalog::new(store, identity, secrets, Arc::new(SystemClock));
    let resumed = catalog
        .resume_index_builds()
        .await
        .context("resuming partition index builds")?;
    if resumed > 0 {
        tracing::info!(
            resumed,
            "resumed partition index builds interrupted by the last stop"
        );
    }
    Ok(catalog)
}

/// The job service of the catalog's metastore: runs (job runs and crawls) execute in this
/// process, reaching the catalog directly, and scripts reach the service through `access`. Runs
/// a previous stop left in flight are resolved before it serves.
async fn open_jobs(
    config: &Config,
    catalog: &Catalog,
    access: RunAccess,
) -> anyhow::Result<JobService> {
    // Jobs' data quality nodes publish their results to the service's metastore; their
    // PIIDetection nodes find custom entity types there; their JDBC nodes reach databases
    // through the catalog's connections.
    let engine = config
        .engine()
        .with_transform(QualityNode::new(Some(catalog.store().clone())))
        .with_transform(PiiNode::new(Some(catalog.store().clone())));
    let crawls = CrawlExecutor::new(engine.clone(), catalog.clone(), access.clone());
    let evaluations = QualityExecutor::new(engine.clone(), catalog.clone(), access.clone());
    let optimizer_runs =
        OptimizerExecutor::new(config.table_formats(), catalog.clone(), access.clone());
    let jobs = LocalExecutor::new(engine, catalog.clone(), config.jobs.python.clone(), access);
    let jobs = JobService::new(
        catalog.store().clone(),
        catalog.identity().clone(),
        Arc::new(SystemClock),
        Executors::new(Arc::new(jobs))
            .with_crawls(Arc::new(crawls))
            .with_quality(Arc::new(evaluations))
            .with_optimizers(Arc::new(optimizer_runs)),
        config.jobs.clone(),
    );
    let resolved = jobs
        .recover()
        .await
        .context("resolving interrupted job runs")?;
    if resolved > 0 {
        tracing::warn!(
            resolved,
            "job runs in flight at the last stop were resolved"
        );
    }
    jobs.start();
    Ok(jobs)
}

async fn serve(config: Config, insecure_no_auth: bool) -> anyhow::Result<()> {
    init_logging(&config);
    let auth = Arc::new(
        Authenticator::new(&config.auth)
            .map_err(anyhow::Error::msg)
            .context("invalid configuration")?,
    );
    let open = !config.listen.ip().is_loopback();
    if open && auth.mode() == AuthMode::None && !insecure_no_auth {
        anyhow::bail!(
            "refusing to listen on {} without authentication: anyone who reaches it could change the catalog and run code. \
             Configure [auth] mode = \"sigv4\" with [[auth.principals]], listen on a loopback address, \
             or pass --insecure-no-auth to serve it unauthenticated anyway",
            config.listen
        );
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    match auth.mode() {
        AuthMode::Sigv4 => {
            tracing::info!(%addr, "requests must be signed (AWS Signature Version 4) by a configured principal")
        }
        AuthMode::None if open => {
            tracing::warn!(%addr, "listening beyond loopback WITHOUT authentication (--insecure-no-auth): anyone who reaches it can change the catalog and run jobs")
        }
        AuthMode::None => {
            tracing::info!(%addr, "authentication is off (auth.mode = \"none\"): every local process can call the service")
        }
    }
    let mut local = addr;
    if local.ip().is_unspecified() {
        local.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let access = RunAccess {
        endpoint: Some(format!("http://{local}")),
        region: config.catalog.region.clone(),
        authenticator: auth.clone(),
    };
    let catalog = open_catalog(&config).await?;
    let jobs = open_jobs(&config, &catalog, access).await?;
    let crawlers = CrawlerService::new(
        catalog.store().clone(),
        catalog.identity().clone(),
        Arc::new(SystemClock),
        jobs.clone(),
    );
    crawlers.start();
    let quality = QualityService::new(
        catalog.store().clone(),
        catalog.identity().clone(),
        Arc::new(SystemClock),
        jobs.clone(),
    );
    let pii = PiiService::new(catalog.store().clone(), catalog.identity().clone());
    let jdbc = JdbcService::new(catalog.clone());
    let optimizers = weir_optimizers::OptimizerService::new(
        catalog.clone(),
        config.table_formats(),
        Arc::new(SystemClock),
        jobs.clone(),
        config.optimizers.clone(),
    );
    optimizers.start();
    let table_metrics = weir_table_metrics::Collector::new(
        catalog.store().clone(),
        config.iceberg_tables(),
        config.table_metrics.clone(),
    );
    table_metrics.spawn();
    let store = catalog.store().clone();
    // The first line on stdout tells scripts where the service is, once it is ready.
    println!("weir listening on http://{addr}");
    let state = AppState {
        catalog,
        jobs,
        crawlers,
        quality,
        pii,
        jdbc,
        optimizers,
        iceberg: weir_iceberg::RestCatalog::new(config.iceberg_tables()),
        metrics: Arc::new(Metrics::default()),
        table_metrics: Some(table_metrics),
        auth,
    };
    weir_server::serve(listener, state, shutdown_signal()).await?;
    store.close().await;
    tracing::info!("Weir stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return ctrl_c.await.unwrap_or(()),
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await.unwrap_or(());
}

/// A metastore URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}
