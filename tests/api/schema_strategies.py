"""Hypothesis strategies for the JSON schemas of the OpenAPI document.

Covers what the document uses: $ref, objects with properties, type lists, enums, arrays,
oneOf, strings, booleans and integers. Each property may be left out, so both complete and
partial bodies come up; strings lean towards plausible values (dates, amounts, markup).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

INTERESTING_TEXT = st.sampled_from(
    [
        "",
        " ",
        "1985-04-23",
        "2026-02-30",
        "94999",
        "CA",
        "5500",
        "-1",
        "1e309",
        "NaN",
        "maria@example.org",
        "555-234-5678",
        "PO Box 1",
        "<script>alert(1)</script>",
        "'; DROP TABLE applications;--",
        "Ana\r\nBcc: x@example.org",
        "A" * 3000,
    ]
)


def strategy(schema: dict[str, Any], document: dict[str, Any]) -> st.SearchStrategy[Any]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return st.deferred(lambda: strategy(document["components"]["schemas"][name], document))
    if "oneOf" in schema:
        return st.one_of([strategy(option, document) for option in schema["oneOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    types = schema.get("type", "object")
    types = types if isinstance(types, list) else [types]
    return st.one_of([_of_type(kind, schema, document) for kind in types])


def _of_type(kind: str, schema: dict[str, Any], document: dict[str, Any]) -> st.SearchStrategy[Any]:
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(min_value=-(2**40), max_value=2**40)
    if kind == "string":
        return INTERESTING_TEXT | st.text(max_size=40)
    if kind == "array":
        return st.lists(
            strategy(schema.get("items", {}), document), max_size=schema.get("maxItems", 5)
        )
    properties = schema.get("properties", {})
    if not properties:
        return st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=8), max_size=3)
    return st.fixed_dictionaries(
        {},
        optional={name: strategy(part, document) for name, part in properties.items()},
    )
