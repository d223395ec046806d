"""A claim's problems are named by the preference, never its code; the kinds of proof are
messages of the catalogue, and the value stored stays the one the preference lists."""

from __future__ import annotations

from babel.messages.extract import extract_python
from flask_babel import force_locale
from flask_babel import gettext as _

from housing.applications import wording
from housing.applications.presenters import problem_label
from housing.applications.wording import PROOF_TYPE_NAMES, proof_type_name

NAMES = {"COP": "Certificado de Preferencia", "LW": "Vivir o trabajar en Port Alder"}


def test_a_claims_problem_is_named_by_its_preference(app):
    with app.test_request_context(), force_locale("es"):
        assert problem_label("preferences.COP", NAMES) == "Certificado de Preferencia"
        assert problem_label("preferences.LW.proof_type", NAMES) == "{} · {}".format(
            NAMES["LW"], _("Kind of proof")
        )
        # A claim of a preference the listing does not have is still not shown by its code.
        assert problem_label("preferences.XYZ", NAMES) == _("Lottery preferences")
        assert problem_label("applicant.first_name", NAMES) == _("First name")


def test_each_known_kind_of_proof_is_its_own_catalogue_message(app):
    with open(wording.__file__, "rb") as source:
        extracted = {
            message
            for _line, function, message, _comments in extract_python(source, {"_l": None}, [], {})
            if function == "_l"
        }
    assert set(PROOF_TYPE_NAMES) <= extracted
    with app.test_request_context(), force_locale("es"):
        for stored in PROOF_TYPE_NAMES:
            assert proof_type_name(stored) == _(stored)
        # One a partner typed otherwise is shown as typed; no answer shows nothing.
        assert proof_type_name("Letter from a caseworker") == "Letter from a caseworker"
        assert proof_type_name(None) == ""
