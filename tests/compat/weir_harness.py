"""Starting and stopping `weir serve`, throw-away PostgreSQL databases, and the AWS clients.

Nothing here reads the developer's AWS configuration: every client and CLI subprocess gets fixed
test credentials, `/dev/null` config files and no retries.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"

#: The environment every AWS client of the suite runs with.
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_RETRY_MODE": "standard",
    "AWS_MAX_ATTEMPTS": "1",
    "AWS_PAGER": "",
}

DEFAULT_BIN = Path.home() / ".cache/weir/target/debug/weir"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"
STARTUP_TIMEOUT = 60.0


def isolate_aws_environment() -> None:
    """Drops every AWS_* variable of the caller and installs the suite's own."""
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        del os.environ[name]
    os.environ.update(AWS_ENV)


def weir_bin() -> Path:
    path = Path(os.environ.get("WEIR_BIN") or DEFAULT_BIN)
    if not path.is_file():
        raise RuntimeError(
            f"weir binary not found at {path}: set WEIR_BIN or build it with "
            "`source scripts/cargo-env.sh && cargo build -p weir`"
        )
    return path


def unique(prefix: str) -> str:
    """A fresh lower-case name: `prefix_<8 hex digits>`."""
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


# --------------------------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------------------------


class PostgresServer:
    """The PostgreSQL server named by WEIR_TEST_PG_URL, driven through the `psql` CLI."""

    def __init__(self, admin_url: str):
        self.admin_url = admin_url
        self.created: list[str] = []

    def psql(self, sql: str, database_url: str | None = None) -> str:
        out = subprocess.run(
            ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", database_url or self.admin_url, "-c", sql],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if out.returncode != 0:
            raise RuntimeError(f"psql failed ({out.returncode}): {out.stderr.strip()}")
        return out.stdout

    def reachable(self) -> str | None:
        """None when the server answers, else why not."""
        if shutil.which("psql") is None:
            return "the psql CLI is not installed"
        try:
            self.psql("SELECT 1")
            return None
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            return f"PostgreSQL at {self.admin_url} is not reachable: {e}"

    def create_database(self) -> str:
        """Creates `weir_compat_<random>` and returns its URL."""
        name = f"weir_compat_{uuid.uuid4().hex[:12]}"
        self.psql(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        parts = urllib.parse.urlsplit(self.admin_url)
        return urllib.parse.urlunsplit(parts._replace(path="/" + name))

    def dump(self, database_url: str) -> bytes:
        """Every row of every table of a database, as pg_dump prints it."""
        out = subprocess.run(["pg_dump", "--data-only", database_url], capture_output=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError(f"pg_dump failed: {out.stderr.decode(errors='replace')}")
        return out.stdout

    def drop_all(self) -> None:
        for name in self.created:
            self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()


# --------------------------------------------------------------------------------------------
# The Weir server
# --------------------------------------------------------------------------------------------


@dataclass
class WeirServer:
    """One `weir serve` process on a loopback port chosen by the OS."""

    backend: str
    data_dir: Path
    metastore: str | None = None
    process: subprocess.Popen | None = None
    url: str = ""
    log_dir: Path | None = None
    # Extra environment of the process, e.g. {"WEIR__JOBS__LEASE_SECONDS": "2"}.
    env: dict | None = None

    def start(self) -> "WeirServer":
        log_dir = self.log_dir or self.data_dir.parent
        self.stdout_path = log_dir / f"weir-{self.backend}-{uuid.uuid4().hex[:6]}.out"
        self.stderr_path = self.stdout_path.with_suffix(".log")
        cmd = [str(weir_bin()), "serve", "--listen", "127.0.0.1:0", "--data-dir", str(self.data_dir)]
        if self.metastore:
            cmd += ["--metastore", self.metastore]
        env = {k: v for k, v in os.environ.items() if not k.startswith("WEIR__")}
        env.setdefault("RUST_BACKTRACE", "1")
        env.update(self.env or {})
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        self.url = self._wait_for_address()
        self._wait_for_health()
        return self

    def _wait_for_address(self) -> str:
        """Polls stdout for `weir listening on http://ADDR`."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            for line in self.stdout_path.read_text(errors="replace").splitlines():
                if line.startswith("weir listening on "):
                    return line.removeprefix("weir listening on ").strip()
            self._check_alive()
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"weir did not report its address within {STARTUP_TIMEOUT}s:\n{self.log_tail()}")

    def _wait_for_health(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError):
                pass
            self._check_alive()
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"weir /health did not answer 200 within {STARTUP_TIMEOUT}s:\n{self.log_tail()}")

    def _check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"weir exited with {self.process.returncode} during start-up:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.stderr_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def logged_errors(self) -> list[str]:
        """The ERROR lines of the server log (internal errors), without colour codes."""
        try:
            text = self.stderr_path.read_text(errors="replace")
        except OSError:
            return []
        plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
        return [line for line in plain.splitlines() if " ERROR " in line]

    def kill(self) -> None:
        """SIGKILL: the process ends at once, as in a crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM (graceful shutdown), then SIGKILL if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    # --- clients -------------------------------------------------------------------------

    def client(self, validate: bool = True):
        """A boto3 Glue client; with `validate=False` botocore sends what it would reject."""
        # total_max_attempts=1: no retries (botocore's "max_attempts" would still allow one), so
        # a 5xx reaches the test instead of being retried away.
        config = Config(parameter_validation=validate, retries={"mode": "standard", "total_max_attempts": 1})
        return boto3.client(
            "glue",
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=config,
        )

    def http(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        """A raw HTTP request: returns (status, headers with lower-case names, body bytes)."""
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()

    def post_glue(self, target: str, body: bytes | str = b"{}"):
        """POST / with `X-Amz-Target: target`; returns (status, parsed JSON body)."""
        data = body.encode() if isinstance(body, str) else body
        status, headers, raw = self.http(
            "POST",
            "/",
            data,
            {"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"},
        )
        return status, headers, json.loads(raw or b"{}")


# --------------------------------------------------------------------------------------------
# The AWS CLI
# --------------------------------------------------------------------------------------------


class CliError(Exception):
    """A failed `aws glue …` call: the error code and message it printed."""

    def __init__(self, code: str, message: str, returncode: int):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.returncode = returncode


def aws_executable() -> str:
    beside = Path(sys.executable).parent / "aws"
    found = str(beside) if beside.exists() else shutil.which("aws")
    if not found:
        raise RuntimeError("the AWS CLI (`aws`) is not installed: pip install -r tests/compat/requirements.txt")
    return found


class AwsCli:
    """Runs `aws glue <command> … --endpoint-url URL --output json` and parses the JSON."""

    def __init__(self, endpoint_url: str):
        self.endpoint_url = endpoint_url
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.env.update(AWS_ENV)

    def __call__(self, command: str, *args: str, **params) -> dict:
        """`params` become `--kebab-name value`; dicts and lists are passed as JSON, True as a flag."""
        argv = [aws_executable(), "glue", command, *args]
        for name, value in params.items():
            flag = "--" + name.replace("_", "-")
            if value is True:
                argv.append(flag)
            elif value is False:
                argv.append("--no-" + name.replace("_", "-"))
            elif isinstance(value, (dict, list)):
                argv += [flag, json.dumps(value)]
            else:
                argv += [flag, str(value)]
        argv += ["--endpoint-url", self.endpoint_url, "--output", "json"]
        out = subprocess.run(argv, capture_output=True, text=True, env=self.env, timeout=120)
        if out.returncode != 0:
            raise parse_cli_error(out.stderr, out.returncode)
        return json.loads(out.stdout) if out.stdout.strip() else {}


def parse_cli_error(stderr: str, returncode: int) -> CliError:
    """`An error occurred (Code) when calling the Op operation[ (reached max retries: 0)]: message`."""
    text = stderr.strip()
    match = CLI_ERROR.search(text)
    if match:
        return CliError(match.group(1), match.group(2).strip(), returncode)
    return CliError("CliFailure", text, returncode)


CLI_ERROR = re.compile(r"An error occurred \((\w+)\) when calling the \w+ operation(?: \([^)]*\))?: (.*)", re.DOTALL)
