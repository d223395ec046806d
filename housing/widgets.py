"""Form widgets that write the same HTML as WTForms' own, with less work per field.

The public pages render a dozen fields on every request (the directory's filters, the
household questions on the listing page and in the estimator). WTForms' widgets build each
attribute through ``Markup.format`` and look for validation flags with ``dir()``; these write
the same markup directly. ``tests/test_widgets.py`` holds them to WTForms' output.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape
from wtforms.widgets import CheckboxInput, RadioInput, Select, TextInput
from wtforms.widgets.core import clean_key


def attributes(**values: Any) -> Markup:
    """HTML attributes, as ``wtforms.widgets.html_params`` writes them: sorted by name, ``True``
    as a bare attribute, ``False`` left out, every value escaped."""
    parts = []
    for key, value in sorted(values.items()):
        if value is True:
            parts.append(clean_key(key))
        elif value is not False:
            parts.append(f'{clean_key(key)}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return Markup(" ".join(parts))  # noqa: S704 - every value escaped above


def _flagged(field: Any, names: list[str], given: dict[str, Any]) -> None:
    """The validation attributes a field's validators ask for (``required``, ``maxlength``...)."""
    flags = field.flags
    for name in names:
        if name not in given:
            value = getattr(flags, name)
            if value is not None:
                given[name] = value() if callable(value) else value


class TextBox(TextInput):
    """``<input type="text">``."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        if getattr(field, "_datalist", None) is not None:
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("type", self.input_type)
        if "value" not in kwargs:
            kwargs["value"] = field._value()
        _flagged(field, self.validation_attrs, kwargs)
        return Markup(f"<input {attributes(name=field.name, **kwargs)}>")  # noqa: S704 - escaped by attributes


class Dropdown(Select):
    """``<select>`` with its options (no option groups: those are left to WTForms)."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        if self.multiple or field.has_groups():
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        _flagged(field, self.validation_attrs, kwargs)
        html = [f"<select {attributes(name=field.name, **kwargs)}>"]
        for choice in field._iter_choices_normalized():
            value = choice.value
            options = {"value": str(value) if isinstance(value, bool) else value}
            options.update(choice.render_kw or {})
            if choice.selected:
                options["selected"] = True
            html.append(f"<option {attributes(**options)}>{escape(choice.label or value)}</option>")
        html.append("</select>")
        return Markup("".join(html))  # noqa: S704 - escaped by attributes and escape


class CheckBox(CheckboxInput):
    """``<input type="checkbox">``."""

    html_params = staticmethod(attributes)


class RadioButton(RadioInput):
    """One ``<input type="radio">`` of a ``RadioField``."""

    html_params = staticmethod(attributes)
