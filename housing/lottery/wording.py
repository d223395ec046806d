"""Messages about the lottery, in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime, get_timezone_name
from flask_babel import force_locale, get_locale

from housing.applications.wording import rule_text
from housing.i18n import gettext as _

if TYPE_CHECKING:
    from housing.listings.models import Listing


def refusal_text(code: str, detail: Mapping[str, Any] | None = None) -> str:
    detail = detail or {}
    texts = {
        "not_preregistered": lambda: _("This listing has no lottery."),
        "already_frozen": lambda: _("The entrants are already frozen."),
        "bad_commitment": lambda: _("A commitment is 64 hexadecimal characters (a SHA-256 hash)."),
        "commitment_name": lambda: _("Give each commitment a name of its own."),
        "still_open": lambda: _(
            "The application period has not ended; the entrants cannot be frozen yet."
        ),
        "unresolved": lambda: _(
            "Possible duplicate groups not decided: %(duplicates)s. Paper applications still "
            "being entered: %(paper)s. Resolve them, or give a reason to freeze anyway.",
            duplicates=detail.get("duplicates", 0),
            paper=detail.get("paper_drafts", 0),
        ),
        "not_frozen": lambda: _("Freeze the entrants first."),
        "already_drawn": lambda: _("This lottery has already been drawn."),
        "other_algorithm": lambda: _(
            "This lottery was registered to be drawn by %(algorithm)s, and this version of the "
            "portal draws by %(current)s. A lottery is drawn only by the algorithm it was "
            "registered with.",
            algorithm=detail.get("algorithm", ""),
            current=detail.get("current", ""),
        ),
        "bad_beacon": lambda: _(
            "Enter the beacon round as a number, and the round's value and signature in "
            "hexadecimal, exactly as the beacon publishes them."
        ),
        "wrong_source": lambda: _(
            "The registered rule names the beacon %(source)s; use that beacon.",
            source=detail.get("source", ""),
        ),
        "round_not_yet": lambda: _(
            "Beacon round %(round)s is published at %(time)s. Nobody can know its value before "
            "then, so it cannot be entered and the lottery cannot be drawn until that time.",
            round=detail.get("round", ""),
            time=moment_text(detail["at"], detail.get("timezone", "UTC")),
        ),
        "value_not_signature": lambda: _(
            "The value given for beacon round %(round)s is not the SHA-256 of the signature "
            "given. Copy both from the beacon's record of that round. Nothing was saved.",
            round=detail.get("round", ""),
        ),
        "beacon_unreachable": lambda: _(
            "The beacon did not give round %(round)s: it could not be reached, or its answer "
            "was not that round. Nothing was saved; try again in a few minutes.",
            round=detail.get("round", ""),
        ),
        "beacon_mismatch": lambda: _(
            "The value or signature entered is not the one the beacon publishes for round "
            "%(round)s. Nothing was saved.",
            round=detail.get("round", ""),
        ),
        "nothing_changed": lambda: _(
            "The entrants are the same as at the last freeze, so they cannot be frozen again: "
            "a new freeze would only draw the same lottery with a new beacon round."
        ),
        "reveal_missing": lambda: _(
            "Reveal the secret committed by %(name)s.", name=detail.get("name", "")
        ),
        "reveal_mismatch": lambda: _(
            "The secret given for %(name)s does not match its commitment. Nothing was saved.",
            name=detail.get("name", ""),
        ),
        "already_drawing": lambda: _("A draw is already running for this listing."),
        "no_seed_inputs": lambda: _("Record the beacon value and the revealed secrets first."),
        "already_published": lambda: _("The results are already published."),
        "not_drawn": lambda: _("There is no finished draw to publish."),
        "self_check_failed": lambda: _(
            "The self-check failed, so the results cannot be published. The failure is logged."
        ),
        "reason_required": lambda: _("Give a reason; it is kept in the audit log."),
        "reason_too_long": lambda: _(
            "Keep the reason under %(maximum)s characters.", maximum=detail.get("maximum", 0)
        ),
        "retract_first": lambda: _("Retract the current results first."),
        "no_such_application": lambda: _(
            "No submitted application with that number applied to this listing."
        ),
        "not_claimed": lambda: _("That application does not claim this preference."),
        "not_in_manifest": lambda: _(
            "This claim was found invalid before the freeze, so it is not among the frozen "
            "entrants. Re-freeze the entrants to include it again."
        ),
        "no_such_group": lambda: _(
            "That group of possible duplicates has changed or is gone. Look at it again."
        ),
        "not_in_group": lambda: _("Choose one of the applications in the group."),
        "conflicting_decision": lambda: _(
            "Another group's decision keeps a different application of this household in the "
            "lottery. Decide the groups that share an application the same way."
        ),
        "no_groups_chosen": lambda: _("Tick the groups to decide, or all groups on this page."),
        "too_many_groups": lambda: _(
            "Decide at most %(maximum)s groups at once.", maximum=detail.get("maximum", 0)
        ),
        "kept_twice": lambda: _(
            "Other groups keep %(numbers)s in the lottery, so keeping one of them here would "
            "leave out another. Decide this group on its own.",
            numbers=", ".join(detail.get("numbers", [])),
        ),
        "no_complete_application": lambda: _(
            "None of its applications is both complete and left in the lottery by the other "
            "groups' decisions. Decide this group on its own."
        ),
        "conflict_with_group": lambda: _(
            "Another group keeps %(kept)s in the lottery, and the group %(other)s leaves it "
            "out. Decide these groups on their own.",
            kept=detail.get("kept", ""),
            other=group_label(detail.get("other_rule", ""), detail.get("other_numbers", [])),
        ),
        "wrong_round": lambda: _(
            "The registered rule names beacon round %(round)s for this freeze; use that round.",
            round=detail.get("round", ""),
        ),
        "refreeze_first": lambda: _(
            "A draw has used these seed inputs. To draw with new ones, freeze the entrants again."
        ),
        "queue_down": lambda: _(
            "The job queue is not answering, so the draw was not started. Nothing has changed; "
            "try again in a few minutes."
        ),
    }
    return texts[code]()


def group_label(rule: str, numbers: Sequence[str]) -> str:
    """A group of possible duplicates as people tell it apart: what the applications share,
    and their numbers."""
    return _("%(rule)s: %(numbers)s", rule=rule_text(rule), numbers=", ".join(numbers))


def moment_text(moment: datetime, timezone: str) -> str:
    """A moment to the second in the listing's time zone, spelled the reader's way: a beacon
    round comes every few seconds, so minutes are not enough."""
    zone = ZoneInfo(timezone)
    locale = get_locale() or Locale.parse("en")
    local = moment.astimezone(zone)
    spelled = format_datetime(local, "medium", tzinfo=zone, locale=locale)
    return f"{spelled} ({get_timezone_name(local, 'long', locale=locale)})"


def status_text(status: str) -> str:
    return {
        "preregistered": _("Rules registered; taking applications"),
        "frozen": _("Entrants frozen"),
        "drawing": _("Drawing"),
        "drawn": _("Drawn, not yet published"),
        "published": _("Results published"),
    }.get(status, status)


def described_rule(registered: str) -> str:
    """The registered rule (English, as it was fixed) told in the reader's language, where it
    is one of the portal's own; empty for a rule worded otherwise."""
    from housing.lottery.registration import DUPLICATE_RULE, RANDOMNESS_RULE

    return {
        DUPLICATE_RULE: lambda: _(
            "One application per household. Applications that share a household member's name "
            "and date of birth, an email address or a home address are reviewed by staff "
            "before the entrants are frozen."
        ),
        RANDOMNESS_RULE: lambda: _(
            "The first round of the public drand randomness beacon published at least one hour "
            "after the entrants are frozen."
        ),
    }.get(registered, lambda: "")()


def check_name(name: str) -> str:
    return {
        "submission_time_decile": _("Rank against when people applied (deciles)"),
        "channel": _("Rank against how people applied (online or paper)"),
    }.get(name, name)


def run_kind_text(kind: str) -> str:
    return {
        "draw": _("Draw"),
        "redraw": _("Drawn again"),
        "revision": _("Revised after a preference decision"),
    }.get(kind, kind)


def result_list_names(listing: Listing, language: str = "en") -> dict[str, str]:
    """Each preference's name in ``language``, and its veteran list's ("V-COP": "Veteran with
    Certificate of Preference") where it has one: every result list but the general one."""
    from housing.lottery.verify import veteran_list_code

    names: dict[str, str] = {}
    with force_locale(language):
        for choice in listing.preferences:
            name = choice.preference.localized("name", language)
            if choice.veterans_first:
                names[veteran_list_code(choice.preference.code)] = veteran_list_name(name)
            names[choice.preference.code] = name
    return names


def veteran_list_name(preference_name: str) -> str:
    """A preference's veteran list: those who claim it as veterans, served before the others."""
    return _("Veteran with %(preference)s", preference=preference_name)


def list_name(code: str, names: Mapping[str, str]) -> str:
    """A result list's name; ``names`` holds the preferences' names (and may hold their veteran
    lists' names, as ``result_list_names`` gives them)."""
    from housing.lottery.verify import GENERAL_LIST, VETERAN_PREFIX, base_code

    if code == GENERAL_LIST:
        return _("General list (everyone)")
    if code not in names and code.startswith(VETERAN_PREFIX):
        return veteran_list_name(names.get(base_code(code), base_code(code)))
    return names.get(code, code)
