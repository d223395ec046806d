"""Request bodies checked against the OpenAPI document before any rule reads them.

The document is what a client builds its requests from, so the API takes exactly the bodies it
describes: a value outside its choices, of another type, past its length, or an unknown field is
refused by name, for a draft as for a submission. What the document cannot say (a date that
does not exist, an income too high for the listing) is left to the application's rules.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from housing.api.views import load_openapi
from housing.applications.rules import Problem

# Each JSON Schema keyword as the application's problem codes name it (wording.problem_text).
CODES = {
    "type": "invalid",
    "enum": "invalid_choice",
    "maxLength": "too_long",
    "maxItems": "too_many",
}
MAX_FIELD = 200


@cache
def _validator(schema_name: str) -> Draft202012Validator:
    registry = Registry().with_resource(
        "urn:openapi", Resource.from_contents(load_openapi(), default_specification=DRAFT202012)
    )
    return Draft202012Validator(
        {"$ref": f"urn:openapi#/components/schemas/{schema_name}"}, registry=registry
    )


def _field(path: Any) -> str:
    # A key a client made up is repeated back, but never at any length.
    return ".".join(str(part) for part in path)[:MAX_FIELD]


def _innermost(error: ValidationError) -> Iterator[ValidationError]:
    """For "one of these" (a mailing address or none), the errors of the options of the value's
    own type: those name the field that is wrong. A value of no option's type is wrong itself."""
    fitting = [
        inner
        for inner in error.context or []
        if not (inner.validator == "type" and inner.absolute_path == error.absolute_path)
    ]
    if not fitting:
        yield error
        return
    for inner in fitting:
        yield from _innermost(inner)


def _problems_of(error: ValidationError) -> Iterator[Problem]:
    for inner in _innermost(error):
        if inner.validator == "additionalProperties":
            known = inner.schema.get("properties", {}) if isinstance(inner.schema, dict) else {}
            for name in inner.instance:
                if name not in known:
                    yield Problem(_field([*inner.absolute_path, name]), "unknown_field")
            continue
        code = CODES.get(str(inner.validator), "invalid")
        detail = {"maximum": inner.validator_value} if code in ("too_long", "too_many") else {}
        yield Problem(_field(inner.absolute_path) or "_", code, detail)


def body_problems(body: Mapping[str, Any], schema_name: str) -> list[Problem]:
    """Where ``body`` departs from the document's schema ``schema_name``: one problem a field."""
    problems: dict[str, Problem] = {}
    for error in _validator(schema_name).iter_errors(body):
        for problem in _problems_of(error):
            problems.setdefault(problem.field, problem)
    return sorted(problems.values(), key=lambda problem: problem.field)
