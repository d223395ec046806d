"""The form fields written in Python write what the Jinja macros they replaced wrote."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from jinja2 import Environment
from markupsafe import Markup
from wtforms import BooleanField, Form, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired

from housing import form_fields

# The macros as they were in macros/forms.html, kept here as the reference.
MACROS = """\
{% macro error_summary(forms) %}
  {% set ns = namespace(items=[]) %}
  {% for form in forms if form %}
    {% for field in form if field.errors %}
      {% for message in field.errors %}
        {% set ns.items = ns.items + [(field, message)] %}
      {% endfor %}
    {% endfor %}
  {% endfor %}
  {% if ns.items %}
    <div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">
      <h2 id="error-summary-title">{{ _("Please correct the following") }}</h2>
      <ul>
        {% for field, message in ns.items %}
          <li><a href="#{{ field.id }}">{{ field.label.text }}: {{ message }}</a></li>
        {% endfor %}
      </ul>
    </div>
  {% endif %}
{% endmacro %}

{% macro field_errors(field) %}
  {% if field.errors %}
    <p class="field-error" id="{{ field.id }}-error">
      {% for message in field.errors %}<span>{{ message }}</span> {% endfor %}
    </p>
  {% endif %}
{% endmacro %}

{# read_back: what the site understood of the answer ("We read this as $20,000 a year."). #}
{% macro text_field(field, hint=None, inputmode=None, autocomplete=None, width=None, read_back=None) %}
  <div class="field{% if field.errors %} has-error{% endif %}">
    <label class="label" for="{{ field.id }}">{{ field.label.text }}</label>
    {% if hint %}<p class="hint" id="{{ field.id }}-hint">{{ hint }}</p>{% endif %}
    {{ field_errors(field) }}
    {% set attrs = {"class": "input" ~ (" input-" ~ width if width else "")} %}
    {% if inputmode %}{% do attrs.update(inputmode=inputmode) %}{% endif %}
    {% if autocomplete %}{% do attrs.update(autocomplete=autocomplete) %}{% endif %}
    {% set described = [] %}
    {% if hint %}{% do described.append(field.id ~ "-hint") %}{% endif %}
    {% if field.errors %}{% do described.append(field.id ~ "-error") %}{% do attrs.update({"aria-invalid": "true"}) %}{% endif %}
    {% if read_back and not field.errors %}{% do described.append(field.id ~ "-read") %}{% endif %}
    {% if described %}{% do attrs.update({"aria-describedby": described|join(" ")}) %}{% endif %}
    {{ field(**attrs) }}
    {% if read_back and not field.errors %}<p class="hint read-back" id="{{ field.id }}-read">{{ read_back }}</p>{% endif %}
  </div>
{% endmacro %}

{% macro select_field(field) %}
  <div class="field{% if field.errors %} has-error{% endif %}">
    <label class="label" for="{{ field.id }}">{{ field.label.text }}</label>
    {{ field_errors(field) }}
    {{ field(class="select", **({"aria-invalid": "true", "aria-describedby": field.id ~ "-error"} if field.errors else {})) }}
  </div>
{% endmacro %}

{% macro checkbox_field(field) %}
  <div class="field checkbox">
    {{ field(class="checkbox-input") }} <label for="{{ field.id }}">{{ field.label.text }}</label>
    {{ field_errors(field) }}
  </div>
{% endmacro %}

{% macro radio_field(field) %}
  {# tabindex: the error summary links to the group, and following the link focuses it. #}
  <fieldset class="field{% if field.errors %} has-error{% endif %}" id="{{ field.id }}" tabindex="-1">
    <legend class="label">{{ field.label.text }}</legend>
    {{ field_errors(field) }}
    {% for option in field %}
      <div class="radio">{{ option(class="radio-input") }} <label for="{{ option.id }}">{{ option.label.text }}</label></div>
    {% endfor %}
  </fieldset>
{% endmacro %}
"""

_ENVIRONMENT = Environment(autoescape=True, extensions=["jinja2.ext.do"])
_ENVIRONMENT.globals["_"] = lambda text, **variables: text % variables
REFERENCE = _ENVIRONMENT.from_string(MACROS).module


def _same_markup(html: str) -> str:
    """Markup with the whitespace between tags left out, as a browser builds the same page
    either way."""
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(html))).strip()


class _Household(Form):
    income = StringField('Income <&> "yearly"', validators=[InputRequired()])
    size = StringField("People")
    kind = SelectField(
        "Kind", choices=[SelectChoice("", "Any"), SelectChoice("a", 'A "b" <c>')], coerce=str
    )
    voucher = BooleanField("Voucher & more")
    period = RadioField(
        "Period", choices=[SelectChoice("month", "A month"), SelectChoice("year", 'A "year"')]
    )


def _form(errors: bool) -> _Household:
    form = _Household(data={"income": '<b>"20,000"</b>', "kind": "a", "period": "year"})
    if errors:
        for field in form:
            field.errors = ["Enter a <number> & try again", "Second"]
    return form


TEXT_OPTIONS: list[dict[str, Any]] = [
    {},
    {"hint": "Add up <every> income", "inputmode": "decimal", "width": "medium"},
    {"hint": Markup("<em>safe</em>"), "autocomplete": "off", "read_back": "We read $20,000"},
    {"read_back": "We read <this>", "width": "short"},
]


@pytest.mark.parametrize("errors", [False, True])
@pytest.mark.parametrize("options", TEXT_OPTIONS)
def test_a_text_field_is_written_as_the_macro_wrote_it(
    errors: bool, options: dict[str, Any]
) -> None:
    form = _form(errors)
    for field in (form.income, form.size):
        ours = form_fields.text_field(field, **options)
        theirs = REFERENCE.text_field(field, **options)
        assert _same_markup(ours) == _same_markup(theirs)


@pytest.mark.parametrize("errors", [False, True])
def test_selects_checkboxes_radios_and_errors_are_written_as_the_macros_wrote_them(
    errors: bool,
) -> None:
    form = _form(errors)
    assert _same_markup(form_fields.error_summary([form, None])) == _same_markup(
        REFERENCE.error_summary([form, None])
    )
    for name in ("select_field", "checkbox_field", "radio_field", "field_errors"):
        for field in form:
            if name != "field_errors" and (
                (name == "select_field") != isinstance(field, SelectField)
                or (name == "checkbox_field") != isinstance(field, BooleanField)
                or (name == "radio_field") != isinstance(field, RadioField)
            ):
                continue
            ours = getattr(form_fields, name)(field)
            theirs = getattr(REFERENCE, name)(field)
            assert _same_markup(ours) == _same_markup(theirs), (name, field.name)


def test_the_templates_import_the_python_fields(app: Flask) -> None:
    with app.test_request_context():
        module = app.jinja_env.get_template("macros/forms.html").module
        for name, function in form_fields.FIELDS.items():
            assert getattr(module, name) is function
        assert "field-error" in str(module.date_field(_DateLike()))


class _DateLike:
    """Just enough of a date field for the macro that still calls ``field_errors``."""

    id = "born"
    name = "born"
    errors = ["Enter a date"]
    part_order = ("month", "day", "year")
    parts = {"month": "", "day": "", "year": ""}
    birthday = True
    label = type("Label", (), {"text": "Date of birth"})()

    def example(self, part: str) -> str:
        return part

    def part_label(self, part: str) -> str:
        return part
