//! `pythonshell` jobs: the script at `Command.ScriptLocation` run by the machine's Python as a
//! child process, with the arguments Glue passes (`script.py --JOB_NAME … --key value …`).
//! Its stdout and stderr are the run's log; its exit status decides the run's state. A minimal
//! `awsglue.utils.getResolvedOptions` is on its `PYTHONPATH`, so scripts written for Glue read
//! their arguments unchanged.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use weir_engine::Engine;

use crate::executor::{RunLog, RunReport, RunSpec};

/// `awsglue/utils.py` for shell jobs: Glue's `getResolvedOptions(sys.argv, [names])`.
const AWSGLUE_UTILS: &str = r#"import argparse


def getResolvedOptions(args, options):
    """The values of `--NAME value` arguments for each NAME in `options` (all required)."""
    parser = argparse.ArgumentParser(allow_abbrev=False)
    for option in options:
        parser.add_argument("--" + option, required=True)
    parsed, _ = parser.parse_known_args(args[1:])
    return vars(parsed)
"#;

/// How many lines of stderr a failed run's `ErrorMessage` quotes.
const ERROR_TAIL_LINES: usize = 20;

/// Runs the script with `env` added to (or, for `None`, removed from) the process's environment.
pub async fn run(
    engine: &Engine,
    python: &str,
    env: Vec<(&'static str, Option<String>)>,
    spec: RunSpec,
) -> Result<RunReport, String> {
    let location = spec
        .job
        .pointer("/Command/ScriptLocation")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_string();
    let script = engine
        .read_object(&location)
        .await
        .map_err(|e| format!("The script {location} could not be read: {e}"))?;
    let dir = WorkDir::new(&spec.run_id)
        .map_err(|e| format!("A working directory for the run could not be made: {e}"))?;
    let file_name = location
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .unwrap_or("script.py");
    let script_path = dir.0.join(file_name);
    let shim = dir.0.join("awsglue");
    let written = std::fs::write(&script_path, &script)
        .and_then(|()| std::fs::create_dir(&shim))
        .and_then(|()| std::fs::write(shim.join("__init__.py"), ""))
        .and_then(|()| std::fs::write(shim.join("utils.py"), AWSGLUE_UTILS));
    written.map_err(|e| format!("The script could not be written to a working directory: {e}"))?;
    let mut command = Command::new(python);
    command.arg(&script_path);
    for (key, value) in &spec.arguments {
        command.arg(key).arg(value);
    }
    let path = match std::env::var_os("PYTHONPATH") {
        Some(existing) if !existing.is_empty() => {
            let mut p = dir.0.as_os_str().to_owned();
            p.push(":");
            p.push(existing);
            p
        }
        _ => dir.0.as_os_str().to_owned(),
    };
    for (name, value) in env {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    command
        .current_dir(&dir.0)
        .env("PYTHONPATH", path)
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    spec.log
        .line(&format!("running {python} {file_name} (from {location})"));
    let mut child = KillOnDrop(
        command
            .spawn()
            .map_err(|e| format!("Python ({python}) could not be started: {e}"))?,
    );
    let stderr_log = RunLog::default();
    let readers = [
        copy_lines(child.0.stdout.take(), vec![spec.log.clone()]),
        copy_lines(
            child.0.stderr.take(),
            vec![spec.log.clone(), stderr_log.clone()],
        ),
    ];
    let status = child.wait().await?;
    for reader in readers.into_iter().flatten() {
        let _ = tokio::task::spawn_blocking(move || reader.join()).await;
    }
    if status.success() {
        return Ok(RunReport::default());
    }
    let how = match status.code() {
        Some(code) => format!("exited with status {code}"),
        None => "was killed by a signal".to_string(),
    };
    let tail = stderr_log.tail(ERROR_TAIL_LINES);
    Err(if tail.is_empty() {
        format!("The script {file_name} {how}")
    } else {
        format!("The script {file_name} {how}: {tail}")
    })
}

/// The run's working directory, removed with everything in it when the run ends.
struct WorkDir(PathBuf);

impl WorkDir {
    fn new(run_id: &str) -> std::io::Result<Self> {
        let path = std::env::temp_dir().join(format!("weir-{run_id}"));
        std::fs::create_dir_all(&path)?;
        Ok(Self(path))
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The script's process: killed when the run is (its future dropped on stop or timeout).
struct KillOnDrop(Child);

impl KillOnDrop {
    /// Waits for the process to exit, checking less often the longer it runs (at most every
    /// 50 ms): a short script's end is seen within a few milliseconds.
    async fn wait(&mut self) -> Result<ExitStatus, String> {
        let mut pause = Duration::from_millis(1);
        loop {
            match self.0.try_wait() {
                Ok(Some(status)) => return Ok(status),
                Ok(None) => tokio::time::sleep(pause).await,
                Err(e) => return Err(format!("Waiting for the script failed: {e}")),
            }
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Copies a stream's lines into logs until it closes, on a thread of its own.
fn copy_lines(
    stream: Option<impl Read + Send + 'static>,
    logs: Vec<RunLog>,
) -> Option<std::thread::JoinHandle<()>> {
    let stream = stream?;
    std::thread::Builder::new()
        .name("weir-run-output".into())
        .spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                for log in &logs {
                    log.line(&line);
                }
            }
        })
        .ok()
}
