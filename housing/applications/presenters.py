"""Shaping applications and listings for the application's pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import url_for

from housing.applications.models import Application
from housing.applications.wording import SECTION_TITLES, label
from housing.i18n import gettext as _
from housing.listings.models import Listing


def person_name(person: Mapping[str, Any]) -> str:
    parts = (person.get("first_name"), person.get("last_name"))
    return " ".join(part for part in parts if isinstance(part, str) and part)


def member_choices(answers: Mapping[str, Any]) -> list[tuple[int, str]]:
    """(index, name) of everyone in the household; 0 is the applicant."""
    applicant = answers.get("applicant") or {}
    people = [(0, _("%(name)s (you)", name=person_name(applicant) or _("You")))]
    members = answers.get("household") or []
    for index, member in enumerate(members if isinstance(members, list) else [], start=1):
        if isinstance(member, Mapping):
            people.append((index, person_name(member) or _("Person %(number)s", number=index)))
    return people


@dataclass(frozen=True)
class PreferenceRow:
    code: str
    name: str
    description: str
    proof_types: list[str]
    unit_share_percent: int | None
    # A claim of it is asked whether it is made as a veteran.
    veteran_list: bool = False


def preference_rows(listing: Listing, locale: str) -> list[PreferenceRow]:
    return [
        PreferenceRow(
            choice.preference.code,
            choice.preference.localized("name", locale),
            choice.preference.localized("description", locale),
            list(choice.preference.proof_types or []),
            choice.unit_share_percent,
            bool(choice.veterans_first),
        )
        for choice in listing.preferences
    ]


def preference_names(listing: Listing, locale: str) -> dict[str, str]:
    """Each of the listing's preferences by code, named in ``locale``."""
    return {
        choice.preference.code: choice.preference.localized("name", locale)
        for choice in listing.preferences
    }


def problem_label(path: str, names: Mapping[str, str]) -> str:
    """What a problem is about, for the review page: a claim's problem names its preference
    ("Live or Work in Port Alder" or "Live or Work in Port Alder · Kind of proof"), never its
    code."""
    parts = path.split(".")
    if parts[0] == "preferences" and len(parts) >= 2:
        name = names.get(parts[1], _("Lottery preferences"))
        return name if len(parts) == 2 else f"{name} · {label(path)}"
    return label(path)


@dataclass(frozen=True)
class StepLink:
    step: str
    title: str
    url: str


def step_links(application: Application, steps: Sequence[str]) -> list[StepLink]:
    return [
        StepLink(
            step,
            str(SECTION_TITLES[step]),
            url_for("applications.step", public_id=application.public_id, step=step),
        )
        for step in steps
    ]
