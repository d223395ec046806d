"""Request bodies checked against the OpenAPI document before any rule reads them.

The document is what a client builds its requests from, so the API takes exactly the bodies it
describes: a value outside its choices, of another type, past its length, or an unknown field is
refused by name, for a draft as for a submission. What the document cannot say (a date that
does not exist, an income too high for the listing) is left to the application's rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
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


# The keywords the document's bodies use that are checked here without jsonschema: a body that
# meets them all is taken at once (nearly every request), and only one that does not is handed
# to jsonschema, which names each problem. A schema using any other keyword always goes to
# jsonschema. The answers are the same either way (tests/api/test_contract_quick.py).
_CHECKED = frozenset(
    {
        "$ref",
        "type",
        "enum",
        "maxLength",
        "maxItems",
        "minimum",
        "maximum",
        "properties",
        "additionalProperties",
        "items",
        "oneOf",
        "description",
    }
)
Check = Callable[[Any], bool]


class _Unchecked(Exception):
    """The schema uses a keyword the quick check does not know."""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    # As JSON Schema counts them: 1.0 is an integer, True is not.
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


_TYPES: dict[str, Check] = {
    "null": lambda value: value is None,
    "boolean": lambda value: isinstance(value, bool),
    "string": lambda value: isinstance(value, str),
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "integer": _is_integer,
    "number": _is_number,
}


def _resolve(document: Mapping[str, Any], reference: str) -> Any:
    if not reference.startswith("#/"):
        raise _Unchecked(reference)
    target: Any = document
    for part in reference[2:].split("/"):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    return target


def _compile(schema: Any, document: Mapping[str, Any], references: dict[str, Check]) -> Check:
    if schema is True:
        return lambda value: True
    if schema is False:
        return lambda value: False
    if not isinstance(schema, Mapping) or not set(schema) <= _CHECKED:
        raise _Unchecked(schema)
    checks: list[Check] = []
    if "$ref" in schema:
        reference = schema["$ref"]
        if reference not in references:
            references[reference] = lambda value: True  # a reference to itself, while compiled
            references[reference] = _compile(_resolve(document, reference), document, references)
        checks.append(lambda value: references[reference](value))
    if "type" in schema:
        named = [schema["type"]] if isinstance(schema["type"], str) else schema["type"]
        if not all(name in _TYPES for name in named):
            raise _Unchecked(named)
        types = [_TYPES[name] for name in named]
        checks.append(lambda value: any(is_type(value) for is_type in types))
    if "enum" in schema:
        choices = list(schema["enum"])
        if not all(choice is None or isinstance(choice, str) for choice in choices):
            raise _Unchecked(choices)
        words, null = frozenset(c for c in choices if c is not None), None in choices
        checks.append(
            lambda value: (value is None and null) or (isinstance(value, str) and value in words)
        )
    if "maxLength" in schema:
        length = int(schema["maxLength"])
        checks.append(lambda value: not isinstance(value, str) or len(value) <= length)
    if "maxItems" in schema:
        items = int(schema["maxItems"])
        checks.append(lambda value: not isinstance(value, list) or len(value) <= items)
    if "minimum" in schema:
        low = schema["minimum"]
        checks.append(lambda value: not _is_number(value) or not value < low)
    if "maximum" in schema:
        high = schema["maximum"]
        checks.append(lambda value: not _is_number(value) or not value > high)
    if "properties" in schema or "additionalProperties" in schema:
        checks.append(_object_check(schema, document, references))
    if "items" in schema:
        each = _compile(schema["items"], document, references)
        checks.append(
            lambda value: not isinstance(value, list) or all(each(item) for item in value)
        )
    if "oneOf" in schema:
        options = [_compile(option, document, references) for option in schema["oneOf"]]
        checks.append(lambda value: sum(1 for option in options if option(value)) == 1)
    return lambda value: all(check(value) for check in checks)


def _object_check(
    schema: Mapping[str, Any], document: Mapping[str, Any], references: dict[str, Check]
) -> Check:
    known = {
        name: _compile(part, document, references)
        for name, part in (schema.get("properties") or {}).items()
    }
    other = _compile(schema.get("additionalProperties", True), document, references)

    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        return all(known.get(name, other)(part) for name, part in value.items())

    return check


@cache
def _quick_check(schema_name: str) -> Check | None:
    """Whether a body meets the schema, or None when the schema needs jsonschema itself."""
    document = load_openapi()
    try:
        return _compile({"$ref": f"#/components/schemas/{schema_name}"}, document, {})
    except _Unchecked:
        return None


def body_problems(body: Mapping[str, Any], schema_name: str) -> list[Problem]:
    """Where ``body`` departs from the document's schema ``schema_name``: one problem a field."""
    quick = _quick_check(schema_name)
    if quick is not None and quick(body):
        return []
    problems: dict[str, Problem] = {}
    for error in _validator(schema_name).iter_errors(body):
        for problem in _problems_of(error):
            problems.setdefault(problem.field, problem)
    return sorted(problems.values(), key=lambda problem: problem.field)
