"""Starting `weir serve` for a benchmark: loopback, a port the OS picks, logs at `warn`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path


def start_server(weir: str, data_dir: Path, metastore: str | None = None,
                 config: str | None = None) -> tuple[subprocess.Popen, str]:
    """Starts `weir serve` with its state in `data_dir` (and `config` as its TOML file, when
    given); returns the process and its URL once it listens."""
    cmd = [weir, "serve", "--listen", "127.0.0.1:0", "--data-dir", str(data_dir)]
    if metastore:
        cmd += ["--metastore", metastore]
    if config is not None:
        (data_dir / "weir.toml").write_text(config)
        cmd += ["--config", str(data_dir / "weir.toml")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEIR__")}
    env["WEIR__LOG"] = "warn"
    out = data_dir / "serve.out"
    proc = subprocess.Popen(cmd, stdout=open(out, "w"), stderr=open(data_dir / "serve.log", "w"), env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for line in out.read_text().splitlines():
            if line.startswith("weir listening on "):
                return proc, line.removeprefix("weir listening on ").strip()
        if proc.poll() is not None:
            sys.exit(f"weir serve exited: {(data_dir / 'serve.log').read_text()[-2000:]}")
        time.sleep(0.05)
    proc.kill()
    sys.exit("weir serve did not start")
