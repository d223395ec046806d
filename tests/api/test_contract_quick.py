"""The quick check of request bodies takes exactly what jsonschema takes: it only decides when
a body needs jsonschema to name its problems, so it must never let through a body that
jsonschema would refuse, nor send every good body the slow way."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from housing.api import contract
from housing.api.views import load_openapi
from tests.applications.helpers import valid_answers

# Values of every JSON type, at and past the limits the document sets.
PROBES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    1.0,
    2.5,
    -1,
    14,
    15,
    float("nan"),
    "",
    "x",
    "month",
    "cell",
    "2020-01-01",
    "x" * 2,
    "x" * 11,
    "x" * 101,
    "x" * 255,
    [],
    [{}],
    [None],
    {},
    {"unknown": 1},
]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, part in value.items():
            yield from _paths(part, (*path, key))
    elif isinstance(value, list):
        for index, part in enumerate(value):
            yield from _paths(part, (*path, index))


def _replaced(body: dict[str, Any], path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return copy.deepcopy(value)
    changed = copy.deepcopy(body)
    target = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = copy.deepcopy(value)
    return changed


def _variants(body: dict[str, Any]) -> Iterator[Any]:
    """The body with each value in turn replaced by each probe, each object given a field of no
    name the document knows, and each field left out."""
    yield body
    for path in list(_paths(body)):
        for probe in PROBES:
            yield _replaced(body, path, probe)
        if path:
            changed = copy.deepcopy(body)
            target = changed
            for part in path[:-1]:
                target = target[part]
            if isinstance(target, dict):
                del target[path[-1]]
                yield changed
    for path in list(_paths(body)):
        target = body
        for part in path:
            target = target[part]
        if isinstance(target, dict):
            yield _replaced(body, path, {**target, "made_up": "x"})


def _bodies() -> list[dict[str, Any]]:
    mailing = valid_answers()
    mailing["applicant"]["mailing_address"] = dict(mailing["applicant"]["address"])
    claimed = valid_answers()
    claimed["preferences"] = {
        "live_work": {"claimed": True, "member": 0, "proof_type": "lease", "document": "d"},
        "veteran": {"claimed": False, "veteran": True, "veteran_proof_type": "dd214"},
    }
    return [valid_answers(), valid_answers(language="es"), mailing, claimed]


def test_the_application_schema_is_checked_quickly():
    quick = contract._quick_check("ApplicationAnswers")
    assert quick is not None
    for body in _bodies():
        assert quick(body)
        assert contract.body_problems(body, "ApplicationAnswers") == []


@pytest.mark.parametrize("index", range(len(_bodies())))
def test_the_quick_check_takes_what_jsonschema_takes_and_nothing_else(index):
    quick = contract._quick_check("ApplicationAnswers")
    assert quick is not None
    slow = contract._validator("ApplicationAnswers")
    checked = refused = 0
    for variant in _variants(_bodies()[index]):
        expected = slow.is_valid(variant)
        assert quick(variant) is expected, variant
        checked += 1
        refused += not expected
    # Both ways were tried many times over.
    assert checked > 1000
    assert refused > checked // 3


def test_every_schema_of_the_document_agrees_or_is_left_to_jsonschema():
    schemas = load_openapi()["components"]["schemas"]
    quick_ones = 0
    for name in schemas:
        quick = contract._quick_check(name)
        if quick is None:
            continue
        quick_ones += 1
        slow = contract._validator(name)
        for probe in PROBES:
            assert quick(probe) is slow.is_valid(probe), (name, probe)
    assert quick_ones >= 6


def test_a_schema_with_a_keyword_it_does_not_know_is_left_to_jsonschema():
    with pytest.raises(contract._Unchecked):
        contract._compile({"type": "string", "pattern": "^a$"}, {}, {})
    with pytest.raises(contract._Unchecked):
        contract._compile({"type": "object", "required": ["a"]}, {}, {})
