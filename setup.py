"""The build step that puts the catalogues and the migrations inside the wheel.

Translators work in ``translations/`` and migration authors in ``migrations/``, at the top of the
repository. A city installs only the wheel, so it carries them inside the package, as
``housing/_translations`` (each catalogue compiled from its ``.po`` file, so a wheel never ships
stale or missing translations) and ``housing/_migrations``; ``housing.config`` looks there
first. Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithCatalogues(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout's own folders
            return
        package = Path(self.build_lib) / "housing"
        _compile_catalogues(ROOT / "translations", package / "_translations")
        _copy_migrations(ROOT / "migrations", package / "_migrations")


def _compile_catalogues(source: Path, target: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
    catalogues = sorted(source.glob("*/LC_MESSAGES/messages.po"))
    if not catalogues:
        raise RuntimeError(f"No catalogues to compile in {source}")
    for po in catalogues:
        mo = target / po.relative_to(source).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as read:
            catalog = read_po(read)
        with mo.open("wb") as write:
            # As `make translations` does: a fuzzy entry still reads better than English.
            write_mo(write, catalog, use_fuzzy=True)


def _copy_migrations(source: Path, target: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithCatalogues})
