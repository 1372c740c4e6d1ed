"""`gridgov serve` runs gunicorn on the project; `gridgov field_key` prints a usable key."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from gridgov.lib.crypto import FieldCipher
from gridgov.web.management.commands.serve import bind_address, default_workers, public_url


def test_it_runs_two_workers_per_core_plus_one_on_postgresql_and_one_per_core_on_sqlite() -> None:
    assert [default_workers(n, "postgresql") for n in (1, 2, 3, 16)] == [3, 5, 7, 8]
    # SQLite has one writer: one process per core.
    assert [default_workers(n, "sqlite") for n in (1, 2, 3, 16)] == [1, 2, 3, 8]


def test_it_shows_a_local_url_for_a_wildcard_address() -> None:
    assert public_url("0.0.0.0", 8000) == "http://127.0.0.1:8000/"
    assert public_url("::1", 8080) == "http://[::1]:8080/"
    assert bind_address("::", 80) == "[::]:80"


def test_field_key_prints_a_new_32_byte_key_each_time() -> None:
    keys = []
    for _ in range(2):
        out = StringIO()
        call_command("field_key", stdout=out)
        keys.append(out.getvalue().strip())
    assert len(base64.urlsafe_b64decode(keys[0])) == 32 and keys[0] != keys[1]
    cipher = FieldCipher(keys[0])
    assert cipher.decrypt(cipher.encrypt("430204199001011234")) == "430204199001011234"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_http_requests_until_stopped(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "GRIDGOV_VAR_DIR": str(tmp_path), "PORT": str(port)}
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gridgov.cli", "serve", "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        answer = _get_when_up(f"http://127.0.0.1:{port}/healthz", server)
        assert json.loads(answer) == {"status": "ok"}
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert f"http://127.0.0.1:{port}/" in output  # the URL to open, in whatever language the line is
    assert server.returncode == 0


def _get_when_up(url: str, server: subprocess.Popen[str], timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return str(response.read().decode())
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.2)
