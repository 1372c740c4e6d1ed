"""`gridgov bench intake`: Open311 reports per second over HTTP on loopback against `gridgov serve`.

A throwaway database is made first — a SQLite file in a temporary GRIDGOV_VAR_DIR, or, with
DATABASE_URL set, a new database on that PostgreSQL server — migrated, given the small test district
(`gridgov.testing`) and an API key without an hourly limit (the run measures the server, not
GRIDGOV_OPEN311_KEY_LIMIT_HOUR, which would refuse most of its 3,000 reports), in child processes.
`gridgov serve` (gunicorn, its usual workers for the cores here) then serves it on a free loopback
port, with DEBUG off as in production. A few client threads, each on its own keep-alive connection
(`http.client`), file N form-encoded Open311 reports at points spread over the four grids, timing
every request; then they ask the same server's `/healthz` (a bare Django view with one database
round trip) N times, which gives `baseline_per_s`.
Every acknowledged service request id is finally looked up in the database: `lost` counts those
that are missing. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.client import HTTPConnection, HTTPException
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

GOAL_REPORTS_PER_S = 300
GOAL_P99_MS = 100
REPORTS = 3_000
QUICK_REPORTS = 300
CLIENTS = 8
WARM_UP = 40  # requests of each kind before timing: every worker loads its caches
HOST = "127.0.0.1"
REQUESTS_PATH = "/open311/v2/requests.json"
BASELINE_PATH = "/healthz"
# The test district's four grids cover this 0.02° square (see gridgov.testing).
WEST, SOUTH, SPAN = 113.1005, 27.8605, 0.019
DESCRIPTIONS = ("楼下两户邻居因为停车位吵架", "小区门口有人摆摊占道", "楼道堆满杂物，存在消防隐患")
SERVICES = ("S01001", "09006", "S01001")
READY_SECONDS = 90
CLIENT = [sys.executable, "-m", "gridgov.benchmarks.intake"]
GRIDGOV = [sys.executable, "-m", "gridgov.cli"]


def run(
    quick: bool, seed: int, log: Callable[[str], Any], *, reports: int | None = None, clients: int = CLIENTS
) -> dict[str, Any]:
    """Serve a throwaway database, fire the reports and the baseline, and return the figures."""
    count = reports or (QUICK_REPORTS if quick else REPORTS)
    with (
        tempfile.TemporaryDirectory(prefix="gridgov-bench-intake-") as tmp,
        _throwaway(Path(tmp), log) as env,
    ):
        log(f"migrating a fresh {_engine(env)} database …")
        _child([*GRIDGOV, "migrate", "--noinput", "--verbosity", "0"], env)
        key = _child([*CLIENT, "setup"], env).strip().splitlines()[-1]
        log("the bench's API key has no hourly limit: the run measures the server, not the key's limit")
        with _server(env, Path(tmp), log) as server:
            _warm_up(server, key, seed)
            log(f"filing {count:,} Open311 reports from {clients} client threads …")
            reports_run = _fire(server, count, clients, lambda i: _report_request(key, seed, i))
            log(f"asking {BASELINE_PATH} {count:,} times …")
            baseline_run = _fire(server, count, clients, lambda i: ("GET", BASELINE_PATH, None))
        found = int(_child([*CLIENT, "count"], env, stdin="\n".join(reports_run.ids)).strip())
    figures = _figures(reports_run, baseline_run, found)
    log(
        f"{figures['reports_per_s']} reports/s (p99 {figures['p99_ms']} ms, {figures['lost']} lost), "
        f"baseline {figures['baseline_per_s']} requests/s"
    )
    return {
        "engine": _engine(env),
        "quick": quick,
        "seed": seed,
        "reports": count,
        "clients": clients,
        # The machine's load when the run started: other processes' share of the cores shows here.
        "load_average": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        **figures,
    }


# --- the database and the server ---------------------------------------------------------------------


def _engine(env: dict[str, str]) -> str:
    return "postgresql" if env.get("DATABASE_URL") else "sqlite"


@contextmanager
def _throwaway(tmp: Path, log: Callable[[str], Any]) -> Iterator[dict[str, str]]:
    """Yield the environment of the child processes, pointing at a new database; drop it afterwards."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "gridgov.settings"),
        "GRIDGOV_VAR_DIR": str(tmp),
        # Production settings: no query log, no debug pages. Fresh keys pass the system checks.
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "GRIDGOV_FIELD_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii"),
        "ALLOWED_HOSTS": HOST,
        "GRIDGOV_MANIFEST_STATIC": "false",
        "LOG_LEVEL": "WARNING",
    }
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        yield env
        return
    name = f"{urlsplit(url).path.lstrip('/') or 'gridgov'}_bench_intake_{os.getpid()}"
    log(f"creating the PostgreSQL database {name} …")
    _postgres(url, "CREATE DATABASE {}", name)
    try:
        yield {**env, "DATABASE_URL": urlunsplit(urlsplit(url)._replace(path=f"/{name}"))}
    finally:
        _postgres(url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


def _postgres(url: str, statement: str, database: str) -> None:
    """Run a statement about a database outside a transaction on the URL's server (CREATE/DROP DATABASE).

    It connects to the server's `postgres` database: the configured one need not exist yet.
    """
    import psycopg
    from psycopg import sql

    maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(sql.SQL(statement).format(sql.Identifier(database)))


def _child(command: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    """Run a child process to its end and return its output; its own messages go to our stderr."""
    result = subprocess.run(command, env=env, input=stdin, stdout=subprocess.PIPE, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[2:])} failed with exit status {result.returncode}")
    return result.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Server:
    """A running `gridgov serve`: its port and the process id of gunicorn's master."""

    port: int
    pid: int

    def cpu_seconds(self) -> float | None:
        """Return the CPU time the master and its workers used so far (Linux; None elsewhere)."""
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
            return sum(_cpu_seconds(int(pid)) for pid in [self.pid, *map(int, children)])
        except (OSError, ValueError):
            return None


def _cpu_seconds(pid: int) -> float:
    """Return the user + system CPU seconds of a process, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def _server(env: dict[str, str], tmp: Path, log: Callable[[str], Any]) -> Iterator[Server]:
    """Run `gridgov serve` on a free loopback port until the block ends; yield it."""
    port = _free_port()
    with (tmp / "serve.log").open("w") as output:
        server = subprocess.Popen(
            [*GRIDGOV, "serve", "--host", HOST, "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_ready(server, port)
            log(f"gridgov serve is up on port {port} (pid {server.pid})")
            yield Server(port, server.pid)
        finally:
            server.send_signal(signal.SIGTERM)  # gunicorn's graceful stop
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_ready(server: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gridgov serve exited with status {server.returncode}")
        try:
            connection = HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", BASELINE_PATH)
            if connection.getresponse().status == 200:
                connection.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gridgov serve did not answer within {READY_SECONDS} s")


# --- the clients ----------------------------------------------------------------------------------------

Request = tuple[str, str, bytes | None]
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _report_request(key: str, seed: int, i: int) -> Request:
    """Return the i-th report: a point in the district, one of a few matters, a reply address."""
    rng = random.Random(seed * 1_000_003 + i)
    form = {
        "api_key": key,
        "service_code": SERVICES[i % len(SERVICES)],
        "long": f"{WEST + rng.random() * SPAN:.6f}",
        "lat": f"{SOUTH + rng.random() * SPAN:.6f}",
        "description": f"{DESCRIPTIONS[i % len(DESCRIPTIONS)]}（{i}）",
        "email": f"resident{i}@example.org",
        "account_id": f"bench-{i}",
    }
    return "POST", REQUESTS_PATH, urlencode(form).encode()


@dataclass
class Run:
    """What one round of requests gave: wall seconds, each latency, acknowledged ids, failures."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    failures: int = 0
    server_cpu_seconds: float | None = None
    client_cpu_seconds: float = 0.0

    def cpu_ms_per_request(self) -> float | None:
        """Return the server's CPU milliseconds per answered request (its workers and, on SQLite, the database)."""
        if self.server_cpu_seconds is None or not self.latencies:
            return None
        return round(self.server_cpu_seconds / len(self.latencies) * 1000, 2)


def _warm_up(server: Server, key: str, seed: int) -> None:
    """Send a few requests of each kind so that every worker has loaded its caches (not timed)."""
    _fire(server, WARM_UP, 4, lambda i: _report_request(key, seed + 1, i))
    _fire(server, WARM_UP, 4, lambda i: ("GET", BASELINE_PATH, None))


def _fire(server: Server, count: int, clients: int, make: Callable[[int], Request]) -> Run:
    """Send `count` requests from `clients` threads; return the round's timings, ids and CPU time."""
    run, lock, numbers = Run(), threading.Lock(), itertools.count()
    requests = [make(i) for i in range(count)]  # made before the clock starts

    def client() -> None:
        connection = HTTPConnection(HOST, server.port, timeout=60)
        while (i := next(numbers)) < count:
            outcome = _send(connection, requests[i])
            with lock:
                if outcome is None:
                    run.failures += 1
                else:
                    run.latencies.append(outcome[0])
                    run.ids.extend(outcome[1])
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    cpu_before, client_before = server.cpu_seconds(), time.process_time()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.seconds = time.perf_counter() - started
    cpu_after = server.cpu_seconds()
    if cpu_before is not None and cpu_after is not None:
        run.server_cpu_seconds = cpu_after - cpu_before
    run.client_cpu_seconds = time.process_time() - client_before
    return run


def _send(connection: HTTPConnection, request: Request) -> tuple[float, list[str]] | None:
    """Send one request; return its seconds and the ids it acknowledged, None when it failed."""
    method, path, body = request
    started = time.perf_counter()
    try:
        connection.request(method, path, body=body, headers=FORM if body else {})
        response = connection.getresponse()
        payload = response.read()
    except (OSError, HTTPException):
        connection.close()  # the next request opens a new connection
        return None
    seconds = time.perf_counter() - started
    if response.status != 200:
        return None
    if path != REQUESTS_PATH:
        return seconds, []
    return seconds, [row["service_request_id"] for row in json.loads(payload)]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def _figures(reports: Run, baseline: Run, found: int) -> dict[str, Any]:
    ms = 1000
    return {
        "reports_per_s": round(len(reports.latencies) / reports.seconds),
        "p50_ms": round(_percentile(reports.latencies, 0.50) * ms, 1),
        "p99_ms": round(_percentile(reports.latencies, 0.99) * ms, 1),
        "acknowledged": len(reports.ids),
        "failed": reports.failures,
        "duplicate_ids": len(reports.ids) - len(set(reports.ids)),
        "lost": len(set(reports.ids)) - found,
        "baseline_per_s": round(len(baseline.latencies) / baseline.seconds),
        "baseline_p99_ms": round(_percentile(baseline.latencies, 0.99) * ms, 1),
        "baseline_failed": baseline.failures,
        "server_cpu_ms_per_report": reports.cpu_ms_per_request(),
        "server_cpu_ms_per_baseline": baseline.cpu_ms_per_request(),
        "client_cpu_ms_per_report": round(
            reports.client_cpu_seconds / max(1, len(reports.latencies)) * 1000, 2
        ),
        "goal_reports_per_s": GOAL_REPORTS_PER_S,
        "goal_p99_ms": GOAL_P99_MS,
    }


# --- child processes ------------------------------------------------------------------------------------


def _setup() -> None:
    """Give the fresh database the test district and print a new API key without a limit (child process)."""
    from gridgov.open311.actions import create_key
    from gridgov.testing import make_mini_district

    make_mini_district()
    print(create_key("bench", hourly_limit=0)[1])


def _count() -> None:
    """Print how many of the service request ids on stdin are stored cases (child process)."""
    from gridgov.cases.models import Case

    ids = {line.strip() for line in sys.stdin if line.strip()}
    found = sum(Case.objects.filter(tracking_no__in=chunk).count() for chunk in _chunks(sorted(ids), 500))
    print(found)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("task", choices=["setup", "count"])
    args = parser.parse_args()
    import django

    django.setup()
    {"setup": _setup, "count": _count}[args.task]()


if __name__ == "__main__":
    _main()
