"""Checks that the translation template is current and every shipped locale complete."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from housing.glossary import check_glossary, load_glossary
from housing.i18n import DEFAULT_LOCALE, LOCALE_CODES


def _messages(catalog: Catalog) -> set[tuple[str, str | None]]:
    return {(str(message.id), message.context) for message in catalog if message.id}


def extract_template(root: Path, output: Path) -> None:
    subprocess.run(  # noqa: S603 - fixed arguments, no user input
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "--no-location",
            "--sort-output",
            "-F",
            str(root / "babel.cfg"),
            "-k",
            "_l",
            "-o",
            str(output),
            ".",
        ],
        check=True,
        cwd=root,
        capture_output=True,
    )


def check_catalogs(root: Path) -> list[str]:
    problems = []
    template_path = root / "translations" / "messages.pot"
    with template_path.open("rb") as handle:
        template = read_po(handle)
    with tempfile.TemporaryDirectory() as folder:
        fresh_path = Path(folder) / "messages.pot"
        extract_template(root, fresh_path)
        with fresh_path.open("rb") as handle:
            fresh = read_po(handle)
    if _messages(fresh) != _messages(template):
        added = len(_messages(fresh) - _messages(template))
        removed = len(_messages(template) - _messages(fresh))
        problems.append(
            f"translations/messages.pot is stale ({added} new, {removed} gone): run `make translations-update`"
        )
    wanted = _messages(fresh)
    catalogs: dict[str, Catalog] = {}
    for code in LOCALE_CODES:
        if code == DEFAULT_LOCALE:
            continue
        path = root / "translations" / code / "LC_MESSAGES" / "messages.po"
        if not path.exists():
            problems.append(f"{path}: missing")
            continue
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=code)
        catalogs[code] = catalog
        present = {(str(m.id), m.context): m for m in catalog if m.id}
        for key in sorted(wanted, key=lambda k: k[0]):
            message = present.get(key)
            if message is None:
                problems.append(f"{path}: missing {key[0]!r}")
            elif message.fuzzy:
                problems.append(f"{path}: fuzzy {key[0]!r}")
            elif not _translated(message.string):
                problems.append(f"{path}: untranslated {key[0]!r}")
    glossary = root / "translations" / "glossary.toml"
    problems.extend(
        f"{glossary}: {problem}" for problem in check_glossary(load_glossary(glossary), catalogs)
    )
    return problems


def _translated(string: object) -> bool:
    if isinstance(string, tuple | list):
        return all(bool(part) for part in string)
    return bool(string)
