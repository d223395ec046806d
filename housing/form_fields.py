"""A form field with its label, hint and errors, written in Python for the templates.

Every form page renders its fields through these (``macros/forms.html`` exports them under the
same names the templates import). As Jinja macros they cost a macro call, a dictionary and a
list built in template code and a nested macro call for the errors, for each field; the
directory, the listing page and the estimator render a dozen fields on every request. The
markup is the same: ``tests/test_form_fields.py`` holds it to the macros they replaced.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from housing.i18n import gettext as _


def error_summary(forms: Any) -> Markup:
    """Every error of the page's forms at the top, each linking to its field."""
    items = "".join(
        f'<li><a href="#{escape(field.id)}">{escape(field.label.text)}: {escape(message)}</a></li>'
        for form in forms
        if form
        for field in form
        if field.errors
        for message in field.errors
    )
    if not items:
        return Markup("")
    return Markup(  # noqa: S704 - every value escaped
        '<div class="error-summary" role="alert" aria-labelledby="error-summary-title" '
        f'tabindex="-1">\n<h2 id="error-summary-title">{escape(_("Please correct the following"))}'
        f"</h2>\n<ul>\n{items}\n</ul>\n</div>"
    )


def field_errors(field: Any) -> Markup:
    """The field's errors beside it, with an id its input points to (``aria-describedby``)."""
    if not field.errors:
        return Markup("")
    messages = "".join(f"<span>{escape(message)}</span> " for message in field.errors)
    return Markup(f'<p class="field-error" id="{escape(field.id)}-error">{messages}</p>')  # noqa: S704 - escaped above


def text_field(
    field: Any,
    hint: Any = None,
    inputmode: str | None = None,
    autocomplete: str | None = None,
    width: str | None = None,
    read_back: Any = None,
) -> Markup:
    """A text box. ``read_back``: what the site understood of the answer ("We read this as
    $20,000 a year."), shown while the answer has no error."""
    errors = bool(field.errors)
    identifier = escape(field.id)
    attrs: dict[str, Any] = {"class": f"input input-{width}" if width else "input"}
    if inputmode:
        attrs["inputmode"] = inputmode
    if autocomplete:
        attrs["autocomplete"] = autocomplete
    described = []
    if hint:
        described.append(f"{field.id}-hint")
    if errors:
        described.append(f"{field.id}-error")
        attrs["aria-invalid"] = "true"
    shows_read_back = bool(read_back) and not errors
    if shows_read_back:
        described.append(f"{field.id}-read")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    parts = [
        f'<div class="field{" has-error" if errors else ""}">',
        f'<label class="label" for="{identifier}">{escape(field.label.text)}</label>',
    ]
    if hint:
        parts.append(f'<p class="hint" id="{identifier}-hint">{escape(hint)}</p>')
    parts.append(field_errors(field))
    parts.append(field(**attrs))
    if shows_read_back:
        parts.append(f'<p class="hint read-back" id="{identifier}-read">{escape(read_back)}</p>')
    parts.append("</div>")
    return Markup("\n".join(parts))  # noqa: S704 - every value escaped above


def select_field(field: Any) -> Markup:
    errors = bool(field.errors)
    attrs: dict[str, Any] = {"class": "select"}
    if errors:
        attrs.update({"aria-invalid": "true", "aria-describedby": f"{field.id}-error"})
    return Markup(  # noqa: S704 - every value escaped
        f'<div class="field{" has-error" if errors else ""}">\n'
        f'<label class="label" for="{escape(field.id)}">{escape(field.label.text)}</label>\n'
        f"{field_errors(field)}\n{field(**attrs)}\n</div>"
    )


def checkbox_field(field: Any) -> Markup:
    return Markup(  # noqa: S704 - every value escaped
        f'<div class="field checkbox">\n{field(**{"class": "checkbox-input"})} '
        f'<label for="{escape(field.id)}">{escape(field.label.text)}</label>\n'
        f"{field_errors(field)}\n</div>"
    )


def radio_field(field: Any) -> Markup:
    """Options in a fieldset; ``tabindex``: the error summary links to the group, and following
    the link focuses it."""
    errors = bool(field.errors)
    options = "".join(
        f'<div class="radio">{option(**{"class": "radio-input"})} '
        f'<label for="{escape(option.id)}">{escape(option.label.text)}</label></div>\n'
        for option in field
    )
    return Markup(  # noqa: S704 - every value escaped
        f'<fieldset class="field{" has-error" if errors else ""}" id="{escape(field.id)}" '
        f'tabindex="-1">\n<legend class="label">{escape(field.label.text)}</legend>\n'
        f"{field_errors(field)}\n{options}</fieldset>"
    )


FIELDS = {
    "error_summary": error_summary,
    "field_errors": field_errors,
    "text_field": text_field,
    "select_field": select_field,
    "checkbox_field": checkbox_field,
    "radio_field": radio_field,
}
