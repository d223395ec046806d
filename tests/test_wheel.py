"""What a city installs is the wheel: built from this checkout, installed into an environment of
its own, and run from an empty folder with environment variables alone. It must migrate the
database, load the demo, work the queues and serve pages in every language, with nothing from
the checkout in reach."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import sysconfig
import time
import tomllib
import urllib.error
import urllib.request
import venv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from housing.config import PROJECT_ROOT
from tests.conftest import free_port, postgres_database

REDIS_URL = os.environ.get("HOUSING_TEST_REDIS", "redis://127.0.0.1:6379/11")
# What the build reads (pyproject.toml, setup.py, MANIFEST.in): copied, so that the build
# leaves nothing in the checkout and sees nothing a previous build left there.
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE")
SOURCE_FOLDERS = ("housing", "translations", "migrations")
PIP = (sys.executable, "-m", "pip")
# Nothing is fetched: the build backend and every dependency are in this checkout's environment.
OFFLINE = ("--quiet", "--no-index", "--no-deps")


@dataclass(frozen=True)
class Site:
    environment: Path  # the virtual environment the wheel is installed in
    folder: Path  # the empty folder every command runs from
    variables: dict[str, str]

    def run(self, *command: str, extra: dict[str, str] | None = None) -> str:
        result = subprocess.run(
            [str(self.environment / "bin" / command[0]), *command[1:]],
            cwd=self.folder,
            env={**self.variables, **(extra or {})},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout


def build_wheel(into: Path) -> Path:
    source = into / "source"
    source.mkdir()
    for name in SOURCES:
        shutil.copy2(PROJECT_ROOT / name, source / name)
    for name in SOURCE_FOLDERS:
        shutil.copytree(
            PROJECT_ROOT / name,
            source / name,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo"),
        )
    dist = into / "dist"
    subprocess.run(
        [
            *PIP,
            "wheel",
            *OFFLINE,
            "--no-build-isolation",
            "-w",
            str(dist),
            str(source),
        ],
        check=True,
        cwd=into,
    )
    (wheel,) = dist.glob("housing-*.whl")
    return wheel


@pytest.fixture(scope="module")
def site(database_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The wheel installed alone in a fresh environment; its dependencies are read from this
    checkout's environment (no index is reached), which does not hold the package itself."""
    root = tmp_path_factory.mktemp("wheel")
    wheel = build_wheel(root)
    environment = root / "env"
    venv.create(environment, with_pip=False)
    subprocess.run(
        [*PIP, "--python", str(environment / "bin" / "python"), "install", *OFFLINE, str(wheel)],
        check=True,
    )
    folder = root / "site"
    folder.mkdir()
    variables = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": sysconfig.get_paths()["purelib"],
        "SECRET_KEY": secrets.token_hex(16),
        "HOUSING_QUEUE_PREFIX": f"wheel-{os.getpid()}-{secrets.token_hex(3)}-",
    }
    if database_kind == "sqlite":
        database = f"sqlite:///{folder / 'site.sqlite3'}"
        yield Site(environment, folder, {**variables, "DATABASE_URL": database})
        return
    with postgres_database() as database:
        variables |= {"DATABASE_URL": database.url, "DATABASE_OWNER_URL": database.owner_url}
        yield Site(environment, folder, variables)


def test_the_lock_pins_every_dependency_within_its_range() -> None:
    """`make install` installs requirements.lock, then the package without its dependencies: one
    added to pyproject.toml and not locked would be missing."""
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    lock = (PROJECT_ROOT / "requirements.lock").read_text()
    pinned = {
        canonicalize_name(name): Version(version)
        for name, version in re.findall(r"^([\w.-]+)(?:\[[^]]*\])?==([^\s;\\]+)", lock, re.M)
    }
    for line in [*project["dependencies"], *project["optional-dependencies"]["dev"]]:
        wanted = Requirement(line)
        name = canonicalize_name(wanted.name)
        assert name in pinned, f"{name} is not in requirements.lock: run `make lock`"
        assert wanted.specifier.contains(pinned[name], prereleases=True), (
            f"requirements.lock pins {name} {pinned[name]}, outside {wanted.specifier}"
        )


def test_the_package_is_the_installed_one_and_the_checkout_is_out_of_reach(site: Site) -> None:
    found = site.run("python", "-c", "import housing; print(housing.__file__)").strip()
    assert Path(found).is_relative_to(site.environment)
    assert not Path(found).is_relative_to(PROJECT_ROOT)
    assert list(site.folder.iterdir()) == []


def test_the_housing_command_migrates_loads_the_demo_and_works_the_queues(site: Site) -> None:
    site.run("housing", "db", "upgrade")
    assert "Demo data ready" in site.run("housing", "demo", "load")
    # An installed site keeps its files in its environment, whatever folder a command runs from.
    assert (site.environment / "var" / "housing-instance" / "storage").is_dir()
    assert "0 listing(s)" in site.run("housing", "demo", "load")
    assert "Created staff account" in site.run(
        "housing", "accounts", "create", "chief@city.example", "--name", "Chief"
    )
    assert "lottery log is intact" in site.run("housing", "lottery", "verify-log")

    prefix = site.variables["HOUSING_QUEUE_PREFIX"]
    try:
        site.run("housing", "worker", "--burst", extra={"REDIS_URL": REDIS_URL})
    finally:
        connection = redis.Redis.from_url(REDIS_URL)
        for key in connection.scan_iter(f"*{prefix}*"):
            connection.delete(key)
    if site.variables["DATABASE_URL"].startswith("sqlite"):
        assert (site.folder / "site.sqlite3").is_file()


def test_gunicorn_serves_the_installed_app_with_its_translations(site: Site) -> None:
    site.run("housing", "db", "upgrade")
    site.run("housing", "demo", "load")
    port = free_port()
    with subprocess.Popen(
        [
            *(str(site.environment / "bin" / "python"), "-m", "gunicorn"),
            *("--bind", f"127.0.0.1:{port}", "--workers", "1", "housing:create_app()"),
        ],
        cwd=site.folder,
        env=site.variables,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as server:
        try:
            english = fetch(server, f"http://127.0.0.1:{port}/listings", "en")
            spanish = fetch(server, f"http://127.0.0.1:{port}/listings", "es")
        finally:
            server.terminate()
            server.wait(timeout=10)
    assert "Harbor Flats Commons" in english and "Listings" in english
    assert "Harbor Flats Commons" in spanish and "Anuncios" in spanish
    assert 'lang="es"' in spanish


def fetch(server: subprocess.Popen[str], url: str, language: str) -> str:
    """The page's text once the server answers 200; fails if it stops or never does."""
    request = urllib.request.Request(url, headers={"Accept-Language": language})  # noqa: S310
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                assert response.status == 200
                return str(response.read().decode())
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{url} answered {error.code}") from None
        except OSError:
            if server.poll() is not None:
                raise AssertionError(server.stderr.read() if server.stderr else "") from None
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
