//! `pythonshell` jobs: the script at `Command.ScriptLocation` run by the machine's Python as a
//! child process, with the arguments Glue passes (`script.py --JOB_NAME … --key value …`).
//! Its stdout and stderr are the run's log; its exit status decides the run's state. A minimal
//! `awsglue.utils.getResolvedOptions` is on its `PYTHONPATH`, so scripts written for Glue read
//! their arguments unchanged.

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;
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

pub async fn run(engine: &Engine, python: &str, spec: RunSpec) -> Result<RunReport, String> {
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
    let dir = tempfile::tempdir()
        .map_err(|e| format!("A working directory for the run could not be made: {e}"))?;
    let file_name = location
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .unwrap_or("script.py");
    let script_path = dir.path().join(file_name);
    let shim = dir.path().join("awsglue");
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
            let mut p = dir.path().as_os_str().to_owned();
            p.push(":");
            p.push(existing);
            p
        }
        _ => dir.path().as_os_str().to_owned(),
    };
    command
        .current_dir(dir.path())
        .env("PYTHONPATH", path)
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    spec.log
        .line(&format!("running {python} {file_name} (from {location})"));
    let mut child = command
        .spawn()
        .map_err(|e| format!("Python ({python}) could not be started: {e}"))?;
    let stderr_log = RunLog::default();
    let out = copy_lines(child.stdout.take(), vec![spec.log.clone()]);
    let err = copy_lines(
        child.stderr.take(),
        vec![spec.log.clone(), stderr_log.clone()],
    );
    let (status, (), ()) = tokio::join!(child.wait(), out, err);
    let status = status.map_err(|e| format!("Waiting for the script failed: {e}"))?;
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

/// Copies a stream's lines into logs until it closes.
async fn copy_lines(stream: Option<impl AsyncRead + Unpin>, logs: Vec<RunLog>) {
    let Some(stream) = stream else { return };
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        for log in &logs {
            log.line(&line);
        }
    }
}
