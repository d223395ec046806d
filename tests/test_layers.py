"""The feature packages depend one way. Each imports only the packages of the layers before its
own: module-level, function-level and ``TYPE_CHECKING`` imports alike, since a function-level
import is a dependency all the same, only a hidden one. The top-level modules are the core and
import no feature package, except those that put the whole portal together."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from housing.config import PROJECT_ROOT

SOURCE = PROJECT_ROOT / "housing"

# Lowest first, after the core (layer 1, the top-level modules). The packages of one layer may
# import each other, but never both ways.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("audit",),
    # The outbox, channels, templates and delivery: it knows no feature.
    ("notifications",),
    # Users, roles, sign-in, permissions; may write to the outbox.
    ("accounts",),
    ("listings",),
    ("applications",),
    ("lottery",),
    ("leaseup",),
    # The packages that gather from all of the above. ``schedule`` changes a listing's dates
    # after approval: it checks the lottery's registered rules and tells the applicants.
    # ``correspondence`` is the staff's pages of the messages sent to a listing's applicants.
    (
        "alerts",
        "api",
        "correspondence",
        "dashboard",
        "exports",
        "ops",
        "privacy",
        "residents",
        "schedule",
    ),
)
LAYER_OF = {package: number for number, layer in enumerate(LAYERS, 2) for package in layer}

# Top-level modules that assemble the whole portal (the app factory, the site map, the command
# line, the worker, the table registry, the demo data), and so import every package.
ASSEMBLERS = frozenset({"__init__.py", "blueprints.py", "cli.py", "worker.py", "models.py"})

# Imports that still go the wrong way, as (importing file, imported package); the pairs of
# packages that import each other and are next to untangle. Nothing may be added here: the list
# only shrinks, and a test fails once an entry is no longer needed, so it is taken out.
STILL_TO_UNTANGLE: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class Import:
    file: str  # relative to the project, as in STILL_TO_UNTANGLE
    line: int
    importer: str | None  # the importing package; None for a top-level module
    imported: str  # the imported feature package

    def __str__(self) -> str:
        importer = f"housing.{self.importer}" if self.importer else "the core"
        layer = LAYER_OF.get(self.importer, "?") if self.importer else 1
        return (
            f"{self.file}:{self.line}: {importer} (layer {layer}) imports "
            f"housing.{self.imported} (layer {LAYER_OF.get(self.imported, '?')})"
        )


def _packages() -> set[str]:
    return {path.name for path in SOURCE.iterdir() if (path / "__init__.py").is_file()}


def _imported_modules(node: ast.AST, module_parts: tuple[str, ...]) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        # Relative: counted from the importing module's package.
        base = ".".join(("housing", *module_parts[: len(module_parts) - node.level]))
        module = f"{base}.{node.module}" if node.module else base
    else:
        module = node.module or ""
    # ``from housing import accounts`` names a package as an imported name.
    return [f"{module}.{alias.name}" for alias in node.names] + [module]


def feature_imports() -> Iterator[Import]:
    """Every import, anywhere in a module, of a feature package other than the module's own."""
    packages = _packages()
    for path in sorted(SOURCE.rglob("*.py")):
        parts = path.relative_to(SOURCE).parts
        importer = parts[0] if len(parts) > 1 else None
        file = path.relative_to(PROJECT_ROOT).as_posix()
        seen: set[tuple[int, str]] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=file)):
            for module in _imported_modules(node, parts):
                names = module.split(".")
                if len(names) < 2 or names[0] != "housing" or names[1] not in packages:
                    continue
                if names[1] == importer or (node.lineno, names[1]) in seen:
                    continue
                seen.add((node.lineno, names[1]))
                yield Import(file, node.lineno, importer, names[1])


def _wrong_way() -> list[Import]:
    """Imports of a later layer's package by a feature package."""
    return [
        found
        for found in feature_imports()
        if found.importer is not None
        and LAYER_OF.get(found.imported, 0) > LAYER_OF.get(found.importer, 0)
    ]


def test_every_package_has_a_layer() -> None:
    unplaced = sorted(_packages() - set(LAYER_OF))
    assert not unplaced, f"put these packages in a layer of LAYERS: {unplaced}"


def test_the_core_imports_no_feature_package() -> None:
    wrong = [
        str(found)
        for found in feature_imports()
        if found.importer is None
        and Path(found.file).name not in ASSEMBLERS
        and not Path(found.file).name.startswith("demo")
    ]
    assert not wrong, "the core imports a feature package:\n" + "\n".join(wrong)


def test_packages_import_only_the_layers_before_their_own() -> None:
    new = [
        str(found)
        for found in _wrong_way()
        if (found.file, found.imported) not in STILL_TO_UNTANGLE
    ]
    assert not new, "imports against the layers (see LAYERS):\n" + "\n".join(new)


def test_every_import_still_to_untangle_is_still_there() -> None:
    present = {(found.file, found.imported) for found in _wrong_way()}
    gone = sorted(STILL_TO_UNTANGLE - present)
    assert not gone, "untangled: take these out of STILL_TO_UNTANGLE:\n" + "\n".join(
        f"{file} -> housing.{package}" for file, package in gone
    )


def test_no_two_packages_of_one_layer_import_each_other() -> None:
    same_layer: dict[tuple[str, str], Import] = {}
    for found in feature_imports():
        if found.importer is not None and LAYER_OF.get(found.importer) == LAYER_OF.get(
            found.imported
        ):
            same_layer.setdefault((found.importer, found.imported), found)
    both_ways = [
        f"{found} and back"
        for (one, other), found in sorted(same_layer.items())
        if one < other and (other, one) in same_layer
    ]
    assert not both_ways, "packages that import each other:\n" + "\n".join(both_ways)
