"""Starting and stopping `weir serve`, throw-away PostgreSQL databases, the AWS clients, and a
small SigV4 signer for raw HTTP requests.

Nothing here reads the developer's AWS configuration: every client and CLI subprocess gets the
fixed keys of a principal the test servers know (ADMIN unless told otherwise), `/dev/null`
config files and no retries.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
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
from datetime import datetime, timezone
from pathlib import Path

import boto3
from botocore.config import Config

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


@dataclass(frozen=True)
class Principal:
    """An identity of `[[auth.principals]]`: its name and keys (and session token, if any)."""

    name: str
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    @property
    def arn(self) -> str:
        """How the server names it in AccessDeniedException and CreatedBy."""
        return f"arn:aws:iam::{ACCOUNT_ID}:user/{self.name}"

    def env(self) -> dict:
        """The AWS_* credential variables of this principal."""
        env = {"AWS_ACCESS_KEY_ID": self.access_key_id, "AWS_SECRET_ACCESS_KEY": self.secret_access_key}
        if self.session_token:
            env["AWS_SESSION_TOKEN"] = self.session_token
        return env


#: May do everything (`glue:*`).
ADMIN = Principal("admin", "AKIAWEIRADMIN0000001", "Hi+jpu2bVVYG3iLVXQls71ToEjniwdqdvrG80OLl")
#: May only read (`glue:Get*`, `glue:List*`, `glue:BatchGet*`, `glue:Search*`).
READER = Principal("reader", "AKIAWEIRREADER000001", "GVx/X/GIshx4X3EVXHiMuDbkpTxYXBPB2aTqyAr5")
ADMIN_ALLOW = ["glue:*"]
READER_ALLOW = ["glue:Get*", "glue:List*", "glue:BatchGet*", "glue:Search*"]


def principal_toml(principal: Principal, allow: list[str], secret_file: Path | None = None) -> str:
    """One `[[auth.principals]]` entry; the secret inline, or read from `secret_file`."""
    lines = [
        "[[auth.principals]]",
        f"name = {json.dumps(principal.name)}",
        f"access_key_id = {json.dumps(principal.access_key_id)}",
    ]
    if secret_file is None:
        lines.append(f"secret_access_key = {json.dumps(principal.secret_access_key)}")
    else:
        lines.append(f"secret_access_key_file = {json.dumps(str(secret_file))}")
    if principal.session_token:
        lines.append(f"session_token = {json.dumps(principal.session_token)}")
    lines.append(f"allow = {json.dumps(allow)}")
    return "\n".join(lines) + "\n\n"


#: The `[auth]` section every test server starts with (unless `auth=False`).
AUTH_CONFIG = '[auth]\nmode = "sigv4"\n\n' + principal_toml(ADMIN, ADMIN_ALLOW) + principal_toml(READER, READER_ALLOW)

#: The environment every AWS client of the suite runs with: the admin's keys.
AWS_ENV = {
    **ADMIN.env(),
    "AWS_DEFAULT_REGION": REGION,
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_RETRY_MODE": "standard",
    "AWS_MAX_ATTEMPTS": "1",
    "AWS_PAGER": "",
}

#: Taken from the environment of `weir serve`: what its job scripts get as credentials and region,
#: the service gave them (the run's principal), not the suite.
SERVER_ENV_DROPPED = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_REGION")

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
# SigV4
# --------------------------------------------------------------------------------------------

SIGV4_ALGORITHM = "AWS4-HMAC-SHA256"
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
#: Headers botocore leaves out of the signature.
UNSIGNED_HEADERS = {"authorization", "user-agent", "expect", "x-amzn-trace-id"}


def amz_date(when: datetime) -> str:
    """`20261206T093700Z`: the X-Amz-Date of an instant (naive means UTC)."""
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc)
    return when.strftime(AMZ_DATE_FORMAT)


def _host_of(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    if parts.port is not None and parts.port == default:
        return parts.hostname or ""
    return parts.netloc


def _canonical_query(query: str) -> str:
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    encoded = sorted((urllib.parse.quote(k, safe="-_.~"), urllib.parse.quote(v, safe="-_.~")) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sigv4_headers(
    method: str,
    url: str,
    headers: dict,
    body: bytes | str | None,
    key: str,
    secret: str,
    region: str = REGION,
    service: str = "glue",
    when: datetime | None = None,
    token: str | None = None,
) -> dict:
    """The headers of a SigV4-signed request, as botocore's SigV4Auth signs it: `headers`
    plus Host (from `url` when absent), X-Amz-Date (`when`, default now), X-Amz-Security-Token
    (`token`) and Authorization. Every header but those botocore skips is signed."""
    data = body.encode() if isinstance(body, str) else (body or b"")
    stamp = amz_date(when or datetime.now(timezone.utc))
    day = stamp[:8]
    dropped = {"authorization", "x-amz-date", "x-amz-security-token"}
    out = {name: value for name, value in headers.items() if name.lower() not in dropped}
    if not any(name.lower() == "host" for name in out):
        out = {"Host": _host_of(url), **out}
    out["X-Amz-Date"] = stamp
    if token:
        out["X-Amz-Security-Token"] = token

    signed: dict[str, list[str]] = {}
    for name, value in out.items():
        if name.lower() not in UNSIGNED_HEADERS:
            signed.setdefault(name.lower(), []).append(" ".join(str(value).split()))
    names = sorted(signed)
    signed_headers = ";".join(names)
    parts = urllib.parse.urlsplit(url)
    canonical = "\n".join(
        [
            method.upper(),
            urllib.parse.quote(parts.path or "/", safe="/~"),
            _canonical_query(parts.query),
            "".join(f"{name}:{','.join(signed[name])}\n" for name in names),
            signed_headers,
            hashlib.sha256(data).hexdigest(),
        ]
    )
    scope = f"{day}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join([SIGV4_ALGORITHM, stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    signing_key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret}".encode(), day), region), service), "aws4_request")
    signature = hmac.new(signing_key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    out["Authorization"] = f"{SIGV4_ALGORITHM} Credential={key}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"
    return out


# --------------------------------------------------------------------------------------------
# The Weir server
# --------------------------------------------------------------------------------------------


@dataclass
class WeirServer:
    """One `weir serve` process on a loopback port chosen by the OS, started with a config file
    in its data dir: SigV4 authentication with ADMIN and READER (no `[auth]` when `auth` is
    False), then `extra_config` (TOML appended after the `[auth]` section, e.g. more
    `[[auth.principals]]`)."""

    backend: str
    data_dir: Path
    metastore: str | None = None
    process: subprocess.Popen | None = None
    url: str = ""
    log_dir: Path | None = None
    # Extra environment of the process, e.g. {"WEIR__JOBS__LEASE_SECONDS": "2"}.
    env: dict | None = None
    auth: bool = True
    extra_config: str = ""

    def config_text(self) -> str:
        return (AUTH_CONFIG if self.auth else "") + self.extra_config

    def start(self) -> "WeirServer":
        log_dir = self.log_dir or self.data_dir.parent
        self.stdout_path = log_dir / f"weir-{self.backend}-{uuid.uuid4().hex[:6]}.out"
        self.stderr_path = self.stdout_path.with_suffix(".log")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.config_path = self.data_dir / "weir-serve.toml"
        self.config_path.write_text(self.config_text())
        cmd = [str(weir_bin()), "serve", "--config", str(self.config_path), "--listen", "127.0.0.1:0",
               "--data-dir", str(self.data_dir)]
        if self.metastore:
            cmd += ["--metastore", self.metastore]
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("WEIR__") and k != "WEIR_CONFIG" and k not in SERVER_ENV_DROPPED}
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

    def log_lines(self) -> list[str]:
        """The lines of the server log, without colour codes."""
        try:
            text = self.stderr_path.read_text(errors="replace")
        except OSError:
            return []
        return re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines()

    def logged_errors(self) -> list[str]:
        """The ERROR lines of the server log (internal errors), without colour codes."""
        return [line for line in self.log_lines() if " ERROR " in line]

    def audit_records(self) -> list[dict]:
        """The audit lines of the log (`… audit: principal=… operation=… resource=… outcome=…`),
        as dicts of their fields (quotes around a value removed), with the line under `line`."""
        records = []
        for line in self.log_lines():
            if " audit: " not in line:
                continue
            fields = {k: v[1:-1] if v.startswith('"') else v
                      for k, v in AUDIT_FIELD.findall(line.split(" audit: ", 1)[1])}
            records.append({**fields, "line": line})
        return records

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

    def client(self, validate: bool = True, principal: Principal = ADMIN, region: str = REGION, **botocore_config):
        """A boto3 Glue client signing as `principal`; with `validate=False` botocore sends what
        it would reject. `botocore_config` goes to botocore's Config (e.g. signature_version=UNSIGNED)."""
        # total_max_attempts=1: no retries (botocore's "max_attempts" would still allow one), so
        # a 5xx reaches the test instead of being retried away.
        config = Config(parameter_validation=validate, retries={"mode": "standard", "total_max_attempts": 1}, **botocore_config)
        return boto3.client(
            "glue",
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id=principal.access_key_id,
            aws_secret_access_key=principal.secret_access_key,
            aws_session_token=principal.session_token,
            config=config,
        )

    def sign(self, method: str, path: str, body: bytes | str | None = None, headers: dict | None = None, *,
             principal: Principal = ADMIN, token: str | None = None, **signing) -> dict:
        """The headers of `method path` signed as `principal` (see sigv4_headers for `signing`:
        region, service, when); `token` defaults to the principal's session token."""
        return sigv4_headers(method, self.url + path, headers or {}, body, principal.access_key_id,
                             principal.secret_access_key, token=token or principal.session_token, **signing)

    def http(self, method: str, path: str, body: bytes | str | None = None, headers: dict | None = None, *,
             sign: bool = True, **signing):
        """An HTTP request, SigV4-signed as ADMIN unless `sign=False` (then the headers go as
        given, with Host added when absent); `signing` goes to `sign` (principal, token, region,
        service, when). Returns (status, headers with lower-case names, body bytes)."""
        headers = dict(headers or {})
        if sign:
            headers = self.sign(method, path, body, headers, **signing)
        elif not any(name.lower() == "host" for name in headers):
            headers = {"Host": _host_of(self.url), **headers}
        return self.send(method, path, list(headers.items()), body)

    def send(self, method: str, path: str, headers: list[tuple], body: bytes | str | None = None):
        """Sends exactly `headers` (str or bytes names and values, repeats kept; Content-Length
        added for a body), nothing signed or added. Returns (status, headers, body bytes)."""
        data = body.encode() if isinstance(body, str) else body
        parts = urllib.parse.urlsplit(self.url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                conn.putheader(name, value)
            lower = {(n.decode("latin-1") if isinstance(n, bytes) else n).lower() for n, _ in headers}
            if data is not None and "content-length" not in lower:
                conn.putheader("Content-Length", str(len(data)))
            conn.endheaders(data)
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()

    def post_glue(self, target: str, body: bytes | str = b"{}", **request):
        """POST / with `X-Amz-Target: target` (signed as ADMIN unless `request` says otherwise,
        see `http`); returns (status, headers, parsed JSON body)."""
        status, headers, raw = self.http(
            "POST",
            "/",
            body,
            {"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"},
            **request,
        )
        return status, headers, json.loads(raw or b"{}")


AUDIT_FIELD = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)')


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
    """Runs `aws glue <command> … --endpoint-url URL --output json` and parses the JSON; as
    ADMIN unless `env` says otherwise (e.g. `READER.env()`)."""

    def __init__(self, endpoint_url: str, env: dict | None = None):
        self.endpoint_url = endpoint_url
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.env.update(AWS_ENV)
        self.env.update(env or {})

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
