"""The project's widgets write exactly what WTForms' own widgets write."""

from __future__ import annotations

from typing import Any

import pytest
from markupsafe import Markup
from wtforms import BooleanField, Form, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, RadioInput, Select, TextInput, html_params

from housing.widgets import CheckBox, Dropdown, RadioButton, TextBox, attributes


@pytest.mark.parametrize(
    "values",
    [
        {"name": "a", "id": "b", "class_": "input"},
        {"checked": True, "readonly": False, "value": 'say "hi" & <go>'},
        {"data_part": "year", "aria_describedby": "x-hint x-error", "aria_invalid": "true"},
        {"value": Markup("<b>safe</b>"), "inputmode": "numeric"},
        {"value": 0, "maxlength": 12},
        {},
    ],
)
def test_attributes_are_written_as_wtforms_writes_them(values: dict[str, Any]) -> None:
    assert attributes(**values) == html_params(**values)


class _Sample(Form):
    plain = StringField("Plain")
    required = StringField("Required", validators=[InputRequired(), Length(max=20)])
    optional = StringField("Optional", validators=[Optional()], render_kw={"required": False})
    choice = SelectField(
        "Choice",
        choices=[
            SelectChoice("", "Any"),
            SelectChoice("a", 'A "quoted" & <odd> label'),
            SelectChoice("b", "B", render_kw={"data_kind": "b"}),
        ],
        validators=[InputRequired()],
    )
    flagged = SelectField(
        "Flagged", choices=[SelectChoice(True, "Yes"), SelectChoice(False, "No")], coerce=str
    )


@pytest.mark.parametrize(
    ("data", "kwargs"),
    [
        ({}, {}),
        ({"plain": 'a "b" <c>', "required": "x", "choice": "a"}, {"class": "input"}),
        ({"choice": "b"}, {"aria-invalid": "true", "aria-describedby": "choice-error"}),
        ({"optional": "3"}, {"inputmode": "numeric", "autocomplete": "off"}),
    ],
)
def test_fields_render_as_with_wtforms_widgets(
    data: dict[str, str], kwargs: dict[str, str]
) -> None:
    form = _Sample(data=data)
    for name in ("plain", "required", "optional"):
        field = form[name]
        ours = TextBox()(field, **dict(field.render_kw or {}, **kwargs))
        theirs = TextInput()(field, **dict(field.render_kw or {}, **kwargs))
        assert ours == theirs
    for name in ("choice", "flagged"):
        field = form[name]
        assert Dropdown()(field, **kwargs) == Select()(field, **kwargs)


class _Choices(Form):
    tick = BooleanField("Tick")
    period = RadioField(
        "Period", choices=[SelectChoice("month", "A month"), SelectChoice("year", 'A "year"')]
    )


@pytest.mark.parametrize("data", [{}, {"tick": True, "period": "year"}])
def test_checkboxes_and_radio_buttons_render_as_with_wtforms_widgets(data: dict[str, Any]) -> None:
    form = _Choices(data=data)
    assert CheckBox()(form.tick, class_="checkbox-input") == CheckboxInput()(
        form.tick, class_="checkbox-input"
    )
    for option in form.period:
        assert RadioButton()(option, class_="radio-input") == RadioInput()(
            option, class_="radio-input"
        )
