//! Writes of formats whose encoders are synchronous and stateful across a file (Avro's object
//! container files): a DataFusion file sink that streams each output file through an
//! [`Encoder`].
//!
//! DataFusion splits the rows into files (and partition folders); each file's encoder runs on a
//! blocking thread, writing into [`Chunks`], which hands every few MiB to an async task that
//! uploads them to the object store (a multipart upload for large files). Nothing of a file is
//! kept in memory beyond a chunk and the encoder's own block.

use std::any::Any;
use std::fmt;
use std::io::Write;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::runtime::SpawnedTask;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_plan::{DisplayAs, DisplayFormatType};
use datafusion_datasource::file_sink_config::{FileSink, FileSinkConfig};
use datafusion_datasource::sink::DataSink;
use datafusion_datasource::write::demux::DemuxedStreamReceiver;
use datafusion_datasource::write::get_writer_schema;
use object_store::buffered::BufWriter;
use object_store::path::Path;
use object_store::ObjectStore;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

/// Bytes handed to the upload at a time.
const CHUNK: usize = 8 * 1024 * 1024;

/// A format's writer of whole files.
pub trait Encoder: fmt::Debug + Send + Sync + 'static {
    /// The format's name in messages (`Avro`).
    fn name(&self) -> &'static str;

    /// A writer of one file of `schema` into `out`.
    fn writer(&self, schema: SchemaRef, out: Chunks) -> Result<Box<dyn FileWriter>>;
}

/// Writes one file.
pub trait FileWriter: Send {
    fn write(&mut self, batch: &RecordBatch) -> Result<()>;
    /// Ends the file (footer, last block) and flushes it.
    fn finish(self: Box<Self>) -> Result<()>;
}

/// The sink of a `COPY TO` (a target) in an [`Encoder`]'s format.
pub struct EncodedSink {
    config: FileSinkConfig,
    encoder: Arc<dyn Encoder>,
}

impl EncodedSink {
    pub fn new(config: FileSinkConfig, encoder: Arc<dyn Encoder>) -> Self {
        Self { config, encoder }
    }
}

impl fmt::Debug for EncodedSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncodedSink")
            .field("format", &self.encoder.name())
            .finish()
    }
}

impl DisplayAs for EncodedSink {
    fn fmt_as(&self, _: DisplayFormatType, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}Sink(url={})",
            self.encoder.name(),
            self.config.original_url
        )
    }
}

#[async_trait]
impl DataSink for EncodedSink {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn schema(&self) -> &SchemaRef {
        self.config.output_schema()
    }

    async fn write_all(
        &self,
        data: SendableRecordBatchStream,
        context: &Arc<TaskContext>,
    ) -> Result<u64> {
        FileSink::write_all(self, data, context).await
    }
}

#[async_trait]
impl FileSink for EncodedSink {
    fn config(&self) -> &FileSinkConfig {
        &self.config
    }

    async fn spawn_writer_tasks_and_join(
        &self,
        _context: &Arc<TaskContext>,
        demux_task: SpawnedTask<Result<()>>,
        mut file_stream_rx: DemuxedStreamReceiver,
        store: Arc<dyn ObjectStore>,
    ) -> Result<u64> {
        let schema = get_writer_schema(&self.config);
        let mut files = Vec::new();
        while let Some((path, batches)) = file_stream_rx.recv().await {
            files.push(SpawnedTask::spawn(write_file(
                self.encoder.clone(),
                schema.clone(),
                store.clone(),
                path,
                batches,
            )));
        }
        let mut rows = 0;
        for file in files {
            rows += file.join_unwind().await.map_err(joined)??;
        }
        demux_task.join_unwind().await.map_err(joined)??;
        Ok(rows)
    }
}

fn joined(e: tokio::task::JoinError) -> DataFusionError {
    DataFusionError::ExecutionJoin(Box::new(e))
}

/// Writes the batches of one file to `path`: the encoder on a blocking thread, the upload here.
async fn write_file(
    encoder: Arc<dyn Encoder>,
    schema: SchemaRef,
    store: Arc<dyn ObjectStore>,
    path: Path,
    mut batches: mpsc::Receiver<RecordBatch>,
) -> Result<u64> {
    let (chunks, mut uploads) = mpsc::channel::<Bytes>(2);
    let encoding = tokio::task::spawn_blocking(move || -> Result<u64> {
        let mut writer = encoder.writer(schema, Chunks::new(chunks))?;
        let mut rows = 0;
        while let Some(batch) = batches.blocking_recv() {
            rows += batch.num_rows() as u64;
            writer.write(&batch)?;
        }
        writer.finish()?;
        Ok(rows)
    });
    let mut upload = BufWriter::new(store, path);
    let mut failed = None;
    while let Some(chunk) = uploads.recv().await {
        if let Err(e) = upload.write_all(&chunk).await {
            failed = Some(e);
            break;
        }
    }
    // Drop the receiver so that an encoder blocked on a full channel ends.
    drop(uploads);
    let rows = encoding.await.map_err(joined)?;
    match (rows, failed) {
        (Ok(rows), None) => {
            upload.shutdown().await?;
            Ok(rows)
        }
        (Err(e), _) => {
            upload.abort().await.ok();
            Err(e)
        }
        (Ok(_), Some(e)) => {
            upload.abort().await.ok();
            Err(e.into())
        }
    }
}

/// A file's bytes as the encoder writes them, handed to the upload in chunks of [`CHUNK`].
pub struct Chunks {
    buffer: Vec<u8>,
    upload: mpsc::Sender<Bytes>,
}

impl Chunks {
    fn new(upload: mpsc::Sender<Bytes>) -> Self {
        Self {
            buffer: Vec::with_capacity(CHUNK),
            upload,
        }
    }

    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK));
        self.upload
            .blocking_send(chunk.into())
            .map_err(|_| std::io::Error::other("the upload of the file failed"))
    }
}

impl Write for Chunks {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(buf.len())
    }

    /// Hands what is buffered to the upload.
    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}
