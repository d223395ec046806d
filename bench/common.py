"""Shared pieces of the benchmarks: a throwaway PostgreSQL database, a gunicorn server, wrk."""

from __future__ import annotations

import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
ADMIN_URL = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def median_and_percentile(times: list[float], share: float) -> tuple[float, float]:
    """The median and the value below which ``share`` of the times fall (0.9 for p90)."""
    ordered = sorted(times)
    return statistics.median(ordered), ordered[
        min(len(ordered) - 1, round(share * (len(ordered) - 1)))
    ]


def load_average() -> str:
    """The machine's load averages over 1, 5 and 15 minutes, as a benchmark's context."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def forget_redis_keys(redis_url: str, prefix: str) -> None:
    """A run's keys on Redis: those under its prefix, and rq's entries that name it."""
    from redis import Redis

    connection = Redis.from_url(redis_url)
    for key in connection.scan_iter(f"{prefix}*"):
        connection.delete(key)
    for key in connection.scan_iter("rq:*"):
        if prefix in key.decode(errors="replace"):
            connection.delete(key)


def peak_memory_mb() -> float:
    """This process's peak resident memory (VmHWM). Unlike getrusage's ru_maxrss, it does not
    carry over a parent's memory into a child it started."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


# Runs the standalone verifier, then reports its own peak memory on stderr.
VERIFY_AND_MEASURE = (
    "import runpy, sys\n"
    "sys.argv = sys.argv[1:]\n"
    "try:\n"
    "    runpy.run_path(sys.argv[0], run_name='__main__')\n"
    "finally:\n"
    "    status = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
    "    print(f'peak {int(status) / 1024:.0f} MB', file=sys.stderr)\n"
)


def bench_app(url: str, folder: str, **settings: object):  # type: ignore[no-untyped-def]
    """The portal on a benchmark's throwaway PostgreSQL database and storage folder; ``settings``
    overrides the configuration (rate limits off, a queue prefix, a mail server...)."""
    sys.path.insert(0, str(ROOT))
    from housing import create_app
    from housing.config import Config

    values: dict[str, object] = {
        "secret_key": "bench",  # a throwaway benchmark database
        "database_url": url.replace("postgresql://", "postgresql+psycopg://"),
        "storage_folder": Path(folder),
    }
    values.update(settings)
    return create_app(Config(**values))  # type: ignore[arg-type]


@contextmanager
def postgres_database() -> Iterator[str]:
    name = f"housing_bench_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def flask(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", *args], check=True, cwd=ROOT, env=env)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(env: dict[str, str], workers: int = 2, threads: int = 1) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@dataclass(frozen=True)
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def _milliseconds(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(
    url: str, *, connections: int, seconds: int, threads: int = 2, script: str | None = None
) -> Load:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    output = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            *(["-s", script] if script else []),
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _milliseconds(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _milliseconds(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    errors_match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = int(errors_match.group(1)) if errors_match else 0
    if socket_errors:
        errors += sum(int(part) for part in socket_errors.groups())
    return Load(rate, p50, p99, errors)
