"""The lottery protocol, and a verifier that re-runs a published draw from its bundle.

Standard library only, so anyone can copy this one file and run it:

    python verify.py BUNDLE.json
    python -m housing.lottery.verify BUNDLE.json

It recomputes the manifest hash, checks each revealed secret against its commitment, then
recomputes the seed, every ticket, the master ranking, each preference list and the result
hash (applying the preference claims invalidated after the freeze, which take an entrant out of
a list and change nobody else's order), and exits 0 with a one-line summary, or 1 naming the first thing that does not match.
The portal draws with these same functions (through ``housing/lottery/bundle.py``); ``docs/lottery.md``
is the specification, with test vectors.
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

ALGORITHM = "housing-lottery-v2"
BUNDLE_FORMAT = "housing-lottery-bundle/2"
GENERAL_LIST = "general"
# A preference's veteran list is named by this prefix and the preference's code ("V-COP").
VETERAN_PREFIX = "V-"
# Before the bundle names the audit log at publication.
UNPUBLISHED_LOG: dict[str, Any] = {"head": "", "length": 0}


def veteran_list_code(code: str) -> str:
    return f"{VETERAN_PREFIX}{code}"


def base_code(list_code: str) -> str:
    """The preference a list belongs to: ``COP`` for both ``V-COP`` and ``COP``."""
    return list_code.removeprefix(VETERAN_PREFIX)


def parse_timestamp(text: str) -> datetime:
    """An ISO 8601 moment with an explicit offset; one without (local time, read differently
    in Tokyo and in Los Angeles) is refused."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return moment


def round_time(beacon_rule: Mapping[str, Any], beacon_round: int) -> int:
    """When a beacon round is published (Unix seconds): round 1 at genesis, then one a period."""
    return int(beacon_rule["genesis_time"]) + (beacon_round - 1) * int(
        beacon_rule["period_seconds"]
    )


def value_from_signature(signature_hex: str) -> str:
    """drand's rule: a round's randomness is the SHA-256 of its signature."""
    return hashlib.sha256(bytes.fromhex(signature_hex)).hexdigest()


def round_url(base_url: str, beacon_round: object, chain_hash: str = "") -> str:
    """A round's address on a drand-style HTTP API: under its chain's hash when one is given,
    else on the API's default chain."""
    base = base_url.rstrip("/")
    return (
        f"{base}/{chain_hash}/public/{beacon_round}"
        if chain_hash
        else f"{base}/public/{beacon_round}"
    )


def round_address(beacon_rule: Mapping[str, Any], beacon_round: str) -> str:
    """Where anyone can read a round as the beacon publishes it."""
    return round_url(
        str(beacon_rule.get("url", "")), beacon_round, str(beacon_rule.get("chain_hash", ""))
    )


def length_prefixed(fields: Iterable[str]) -> bytes:
    """Each field as its UTF-8 length (8 bytes, big-endian) followed by its bytes, so no two
    different field lists can ever produce the same input to a hash."""
    out = bytearray()
    for field in fields:
        data = field.encode("utf-8")
        out += len(data).to_bytes(8, "big")
        out += data
    return bytes(out)


def sha256_hex(fields: Iterable[str]) -> str:
    return hashlib.sha256(length_prefixed(fields)).hexdigest()


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def canonical_manifest(entrants: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Entrants sorted by id, each with its sorted preference codes and, sorted, the codes of
    the claims it makes as a veteran."""
    return sorted(
        (
            {
                "id": str(entrant["id"]),
                "preferences": sorted(str(code) for code in entrant.get("preferences", [])),
                "veteran_preferences": sorted(
                    str(code) for code in entrant.get("veteran_preferences", [])
                ),
            }
            for entrant in entrants
        ),
        key=lambda entrant: entrant["id"],
    )


def manifest_hash(entrants: Iterable[Mapping[str, Any]]) -> str:
    return hashlib.sha256(canonical_json(canonical_manifest(entrants))).hexdigest()


def commitment(secret: str) -> str:
    """What a party publishes before the freeze; revealing ``secret`` later proves it."""
    return sha256_hex([f"{ALGORITHM}/commit", secret])


def seed(
    manifest_sha256: str,
    beacon: Mapping[str, str],
    secrets: Sequence[Mapping[str, str]] = (),
) -> str:
    """The draw's seed: the frozen entrants, a public beacon value nobody knew at the freeze,
    and any revealed commit-reveal secrets (ordered by the name of who committed them)."""
    fields = [
        f"{ALGORITHM}/seed",
        manifest_sha256,
        str(beacon.get("source", "")),
        str(beacon.get("round", "")),
        str(beacon.get("value", "")),
    ]
    for revealed in sorted(secrets, key=lambda item: str(item["name"])):
        fields += [str(revealed["name"]), str(revealed["secret"])]
    return sha256_hex(fields)


def required_round(beacon_rule: Mapping[str, Any], frozen_at: str) -> int:
    """The beacon round the pre-registered rule names: the first one published at or after
    the freeze plus the rule's delay. Round r is published at genesis + (r - 1) * period."""
    moment = parse_timestamp(frozen_at).timestamp() + int(beacon_rule["delay_seconds"])
    genesis = int(beacon_rule["genesis_time"])
    if moment <= genesis:
        return 1
    return math.ceil((moment - genesis) / int(beacon_rule["period_seconds"])) + 1


def ticket(seed_hex: str, listing_id: str, entrant_id: str) -> bytes:
    return hashlib.sha256(length_prefixed([ALGORITHM, seed_hex, listing_id, entrant_id])).digest()


def master_ranking(seed_hex: str, listing_id: str, entrant_ids: Iterable[str]) -> list[str]:
    """Entrant ids by ascending ticket, ties (never seen in practice) broken by id."""
    prefix = hashlib.sha256(length_prefixed([ALGORITHM, seed_hex, listing_id])).copy
    lengths = {size: size.to_bytes(8, "big") for size in range(256)}

    def ticket_of(entrant_id: str) -> bytes:
        data = entrant_id.encode("utf-8")
        digest = prefix()
        size = len(data)
        digest.update((lengths[size] if size < 256 else size.to_bytes(8, "big")) + data)
        return digest.digest()

    # Sorted by id first (nearly free for a manifest, already in that order), then by ticket:
    # the sort is stable, so equal tickets stay in id order.
    ranking = sorted(entrant_ids)
    ranking.sort(key=ticket_of)
    return ranking


def canonical_invalidations(invalidations: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Claims staff found invalid after the freeze, as ``{"id", "preference"}`` sorted; the
    preference is a code (the claim) or a veteran list's code (the veteran status of the claim)."""
    return sorted(
        ({"id": str(item["id"]), "preference": str(item["preference"])} for item in invalidations),
        key=lambda item: (item["id"], item["preference"]),
    )


def list_codes(preferences: Sequence[Mapping[str, Any]]) -> list[str]:
    """The lists a draw publishes, in order: each preference's veteran list (where the rules
    give it one) ahead of the preference itself, then the general list."""
    codes = []
    for preference in preferences:
        code = str(preference["code"])
        if preference.get("veteran_list"):
            codes.append(veteran_list_code(code))
        codes.append(code)
    return [*codes, GENERAL_LIST]


def preference_lists(
    ranking: Sequence[str],
    entrants: Iterable[Mapping[str, Any]],
    preferences: Sequence[Mapping[str, Any]],
    invalidations: Iterable[Mapping[str, Any]] = (),
) -> list[dict[str, Any]]:
    """Each list is the master order filtered to its holders. A claim made as a veteran puts
    the entrant on the preference's veteran list, any other claim on the preference's own list,
    less the claims (or veteran statuses) invalidated after the freeze; the general list, last,
    is everyone in master order."""
    veteran_lists = {str(p["code"]) for p in preferences if p.get("veteran_list")}
    invalid = {(str(item["id"]), str(item["preference"])) for item in invalidations}
    corrected = {entrant_id for entrant_id, _code in invalid}
    # The lists an entrant is on follow from its two code lists alone; entrants share a few
    # dozen combinations, each worked out once.
    combinations: dict[Any, tuple[Any, ...]] = {}

    def lists_of(
        entrant_id: str, codes: Sequence[str], as_veteran: Sequence[str]
    ) -> tuple[str, ...]:
        on = []
        for code in codes:
            if (entrant_id, code) in invalid:
                continue
            veteran = code in veteran_lists and code in as_veteran
            if veteran and (entrant_id, veteran_list_code(code)) not in invalid:
                on.append(veteran_list_code(code))
            else:
                on.append(code)
        return tuple(on)

    codes_in_order = list_codes(preferences)
    members: dict[str, list[str]] = {code: [] for code in codes_in_order[:-1]}
    appends = {code: found.append for code, found in members.items()}

    def adders(on: Iterable[str]) -> tuple[Any, ...]:
        return tuple(appends[code] for code in on if code in appends)

    # Each entrant's lists, as the appends that put it on them.
    held: dict[str, tuple[Any, ...]] = {}
    for entrant in entrants:
        if entrant.__class__ is CompactEntrant:
            entrant_id, codes, as_veteran = (
                entrant.id,
                entrant.preferences,
                entrant.veteran_preferences,
            )
        else:
            entrant_id = str(entrant["id"])
            codes = entrant.get("preferences", ())
            as_veteran = entrant.get("veteran_preferences", ())
        if not codes:
            continue
        if entrant_id in corrected:
            held[entrant_id] = adders(lists_of(entrant_id, codes, as_veteran))
            continue
        # Shared code lists (read from a file) are told apart by identity, cheaply.
        key: Any = (
            (id(codes), id(as_veteran))
            if entrant.__class__ is CompactEntrant
            else (tuple(codes), tuple(as_veteran))
        )
        on = combinations.get(key)
        if on is None:
            on = combinations[key] = adders(lists_of("", codes, as_veteran))
        held[entrant_id] = on
    # One pass over the master order fills every list in that order.
    place = held.get
    for entrant_id in ranking:
        on = place(entrant_id)
        if on:
            for add in on:
                add(entrant_id)
    lists: list[dict[str, Any]] = [
        {"preference": code, "entrants": members[code]} for code in codes_in_order[:-1]
    ]
    lists.append({"preference": GENERAL_LIST, "entrants": list(ranking)})
    return lists


def result_hash(
    listing_id: str,
    seed_hex: str,
    ranking: Sequence[str],
    lists: Sequence[Mapping[str, Any]],
    audit_log: Mapping[str, Any] | None = None,
) -> str:
    """SHA-256 of the canonical JSON of ``{"algorithm", "audit_log", "listing_id", "lists",
    "ranking", "seed"}``. It covers the draw and, once published, the audit log's head and
    length at publication: a log later cut short no longer holds the head it vouches for.

    Written in slices, key by key in sorted order, so a million ids are never one string."""
    digest = hashlib.sha256()
    digest.update(b'{"algorithm":' + canonical_json(ALGORITHM))
    digest.update(b',"audit_log":' + canonical_json(dict(audit_log or UNPUBLISHED_LOG)))
    digest.update(b',"listing_id":' + canonical_json(listing_id))
    digest.update(b',"lists":[')
    for position, entry in enumerate(lists):
        if sorted(entry) != ["entrants", "preference"]:
            # Not the shape a draw makes: hashed as it is, which no draw reproduces.
            digest.update((b"," if position else b"") + canonical_json(entry))
            continue
        digest.update(b',{"entrants":' if position else b'{"entrants":')
        _json_array_into(digest, entry["entrants"])
        digest.update(b',"preference":' + canonical_json(entry["preference"]) + b"}")
    digest.update(b'],"ranking":')
    _json_array_into(digest, ranking)
    digest.update(b',"seed":' + canonical_json(seed_hex) + b"}")
    return digest.hexdigest()


# What canonical JSON escapes in ASCII text besides the double quote.
_ESCAPED = re.compile(r"[\x00-\x1f\\\x7f]")


def canonical_json_array(items: Sequence[Any]) -> bytes:
    """``canonical_json(list(items))``. Text that needs no escape in JSON (ids and codes) is
    joined as it is: the same bytes in a fraction of the time a million ids take to encode."""
    try:
        joined = '","'.join(items)
    except TypeError:  # not all text
        return canonical_json(list(items))
    if (
        items
        and joined.isascii()
        and joined.count('"') == 2 * (len(items) - 1)  # the separators' quotes, no others
        and _ESCAPED.search(joined) is None
    ):
        return b'["' + joined.encode("ascii") + b'"]'
    return canonical_json(list(items))


def _json_array_into(digest: Any, items: Sequence[Any]) -> None:
    """Feed ``canonical_json(items)`` to ``digest`` in slices: the same bytes, never all held
    at once."""
    digest.update(b"[")
    step = 20_000
    for start in range(0, len(items), step):
        text = canonical_json_array(items[start : start + step])[1:-1]
        digest.update(b"," + text if start else text)
    digest.update(b"]")


def manifest_sha256_of(manifest: Sequence[Mapping[str, Any]]) -> str:
    """The SHA-256 of the canonical JSON of a manifest already in canonical form."""
    digest = hashlib.sha256()
    if not all(entrant.keys() == _ENTRANT_KEY_SET for entrant in manifest):
        _json_array_into(digest, manifest)  # not canonical: hashed as it is, and refused
        return digest.hexdigest()
    # Each entrant written as canonical_json writes it (keys in sorted order, ASCII escapes),
    # each distinct code list written once: entrants share a few dozen.
    text_of: dict[Any, str] = {}
    quote = json.encoder.encode_basestring_ascii

    def codes_text(codes: list[str], shared: bool) -> str:
        key = id(codes) if shared else tuple(codes)
        found = text_of.get(key)
        if found is None:
            found = text_of[key] = canonical_json(list(codes)).decode()
        return found

    def entrant_text(entrant: Any) -> str:
        if entrant.__class__ is CompactEntrant:
            # Lists read by the compact loader are shared, so told apart by identity.
            return (
                f'{{"id":{quote(entrant.id)},'
                f'"preferences":{codes_text(entrant.preferences, True)},'
                f'"veteran_preferences":{codes_text(entrant.veteran_preferences, True)}}}'
            )
        return (
            f'{{"id":{quote(entrant["id"])},'
            f'"preferences":{codes_text(entrant["preferences"], False)},'
            f'"veteran_preferences":{codes_text(entrant["veteran_preferences"], False)}}}'
        )

    digest.update(b"[")
    step = 20_000
    for start in range(0, len(manifest), step):
        text = ",".join(map(entrant_text, manifest[start : start + step]))
        digest.update(("," + text if start else text).encode("ascii"))
    digest.update(b"]")
    return digest.hexdigest()


class CompactEntrant:
    """A manifest entrant as the verifier reads it from a file: a third of a dict's memory,
    with the code lists shared between the entrants that hold the same ones."""

    __slots__ = ("id", "preferences", "veteran_preferences")

    def __init__(self, entrant_id: Any, preferences: Any, veteran_preferences: Any) -> None:
        self.id = entrant_id
        self.preferences = preferences
        self.veteran_preferences = veteran_preferences

    def __getitem__(self, key: str) -> Any:
        if key not in _ENTRANT_KEY_SET:
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key) if key in _ENTRANT_KEY_SET else default

    def keys(self) -> frozenset[str]:
        return _ENTRANT_KEY_SET

    def __iter__(self) -> Iterator[str]:
        return iter(_ENTRANT_KEYS)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "preferences": list(self.preferences),
            "veteran_preferences": list(self.veteran_preferences),
        }


_ENTRANT_KEYS = ("id", "preferences", "veteran_preferences")
_ENTRANT_KEY_SET = frozenset(_ENTRANT_KEYS)


def compact_loader() -> Any:
    """A ``json`` ``object_hook`` that reads each manifest entrant as a ``CompactEntrant`` and
    shares equal code lists: a million entrants fit in a fraction of the memory."""
    shared: dict[tuple[Any, ...], list[Any]] = {}
    keep = shared.setdefault
    empty: list[Any] = []

    def hook(found: dict[str, Any]) -> Any:
        if len(found) != 3:
            return found
        try:
            entrant_id = found["id"]
            codes = found["preferences"]
            as_veteran = found["veteran_preferences"]
        except KeyError:
            return found
        if codes.__class__ is not list or as_veteran.__class__ is not list:
            return found  # not canonical: kept as read, and refused
        try:
            codes = keep(tuple(codes), codes) if codes else empty
            as_veteran = keep(tuple(as_veteran), as_veteran) if as_veteran else empty
        except TypeError:  # a code that is not text
            return found
        return CompactEntrant(entrant_id, codes, as_veteran)

    return hook


def draw(
    listing_id: str,
    entrants: Sequence[Mapping[str, Any]],
    preferences: Sequence[Mapping[str, Any]],
    beacon: Mapping[str, str],
    secrets: Sequence[Mapping[str, str]] = (),
    invalidations: Iterable[Mapping[str, Any]] = (),
    *,
    frozen: bool = False,
    manifest_sha256: str | None = None,
) -> dict[str, Any]:
    """The whole draw from its inputs: manifest hash, seed, ranking, lists, and the result
    hash before publication (publishing adds the audit log's head to it). ``frozen``: the
    entrants are a manifest as the freeze wrote it, already canonical, so used as they are
    (any other list is put in canonical form first). ``manifest_sha256``: their hash, where
    the caller took it from the canonical JSON the entrants were read from, rather than
    writing a million entrants out again to hash them."""
    if frozen and isinstance(entrants, list):
        manifest = entrants
    elif _is_canonical(entrants):
        manifest = entrants  # type: ignore[assignment]
    else:
        manifest = canonical_manifest(entrants)
    if manifest_sha256 is None:
        manifest_sha256 = manifest_sha256_of(manifest)
    seed_hex = seed(manifest_sha256, beacon, secrets)
    ranking = master_ranking(seed_hex, listing_id, (entrant["id"] for entrant in manifest))
    invalid = canonical_invalidations(invalidations)
    lists = preference_lists(ranking, manifest, preferences, invalid)
    return {
        "manifest": manifest,
        "manifest_sha256": manifest_sha256,
        "seed": seed_hex,
        "ranking": ranking,
        "invalidations": invalid,
        "lists": lists,
        "result_sha256": result_hash(listing_id, seed_hex, ranking, lists),
    }


class Mismatch(Exception):
    """The bundle does not reproduce; the message names the first difference."""


def _first_difference(name: str, expected: Sequence[Any], found: Sequence[Any]) -> None:
    if expected == found:
        return
    for position, (want, have) in enumerate(zip(expected, found, strict=False), start=1):
        if want != have:
            raise Mismatch(f"{name}: position {position} is {have!r}, the draw gives {want!r}")
    raise Mismatch(f"{name}: {len(found)} entries, the draw gives {len(expected)}")


def verify_bundle(bundle: Mapping[str, Any]) -> str:
    """Re-run the draw a bundle describes; the summary (its first line starts with "OK:"), or
    Mismatch."""
    try:
        return _verify(bundle)
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as malformed:
        raise Mismatch(f"the bundle is malformed: {type(malformed).__name__} {malformed}") from None


_HEX_DIGITS = frozenset("0123456789abcdef")


def _check_canonical(entrants: Sequence[Any]) -> None:
    """The manifest is in canonical form, checked in place (a copy of a million entrants would
    double the verifier's memory): ids strictly increasing, so each appears once; codes sorted;
    veteran claims among the claims."""
    previous = None
    checked: set[tuple[int, int]] = set()  # code lists already found in order, by identity
    for entrant in entrants:
        if isinstance(entrant, CompactEntrant):
            entrant_id, codes, as_veteran = (
                entrant.id,
                entrant.preferences,
                entrant.veteran_preferences,
            )
        elif isinstance(entrant, Mapping) and entrant.keys() == _ENTRANT_KEY_SET:
            entrant_id, codes, as_veteran = (
                entrant["id"],
                entrant["preferences"],
                entrant["veteran_preferences"],
            )
        else:
            raise Mismatch(f"manifest: an entrant is not an object with the keys {_ENTRANT_KEYS}")
        if type(entrant_id) is not str or (previous is not None and entrant_id <= previous):
            raise Mismatch(
                f"manifest: {entrant_id!r} is out of order or repeated (ids sorted, each once)"
            )
        previous = entrant_id
        pair = (id(codes), id(as_veteran))
        if pair in checked:
            continue
        if type(codes) is not list or type(as_veteran) is not list:
            raise Mismatch(f"manifest: {entrant_id}'s codes are not lists")
        if not all(type(code) is str for code in (*codes, *as_veteran)):
            raise Mismatch(f"manifest: {entrant_id}'s codes are not text")
        if codes != sorted(set(codes)) or as_veteran != sorted(set(as_veteran)):
            raise Mismatch(f"manifest: {entrant_id}'s codes are not sorted, each once")
        if not set(as_veteran) <= set(codes):
            raise Mismatch(
                f"manifest: {entrant_id} claims a veteran status on a preference it does not claim"
            )
        if isinstance(entrant, CompactEntrant):
            checked.add(pair)  # shared lists: the same objects are seen again and again


def _ids(manifest: Sequence[Any]) -> list[str]:
    return [
        entrant.id if entrant.__class__ is CompactEntrant else entrant["id"] for entrant in manifest
    ]


def _is_canonical(entrants: Sequence[Any]) -> bool:
    """A frozen manifest, read back as it was stored, needs no second sorting."""
    if not isinstance(entrants, list):
        return False
    try:
        _check_canonical(entrants)
    except (Mismatch, KeyError, TypeError):
        return False
    return True


def _timestamp(name: str, text: Any) -> datetime:
    try:
        return parse_timestamp(str(text))
    except ValueError:
        raise Mismatch(
            f"{name}: {text!r} is not a moment with an explicit UTC offset (a time without one "
            "reads differently in every time zone)"
        ) from None


def _check_beacon(bundle: Mapping[str, Any], beacon: Mapping[str, Any]) -> str:
    """The round the rules name for this freeze, and a value that is the SHA-256 of the
    round's signature; the address where anyone can compare the round."""
    rule = bundle["rules"].get("beacon")
    if rule is None:
        return ""
    frozen_at = _timestamp("frozen_at", bundle.get("frozen_at", ""))
    want = required_round(rule, frozen_at.isoformat())
    used = str(beacon.get("round", ""))
    if used != str(want):
        raise Mismatch(
            f"beacon round: the rules name round {want} for a freeze at "
            f"{bundle.get('frozen_at')}, the bundle uses round {used}"
        )
    signature = str(beacon.get("signature", ""))
    if not signature or len(signature) % 2 or not set(signature) <= _HEX_DIGITS:
        raise Mismatch(f"beacon round {used}: the bundle carries no signature for it (hex)")
    if value_from_signature(signature) != beacon.get("value"):
        raise Mismatch(
            f"beacon round {used}: the value is not the SHA-256 of the round's signature"
        )
    return round_address(rule, used)


def _check_invalidations(
    bundle: Mapping[str, Any], manifest: Sequence[Mapping[str, Any]]
) -> list[dict[str, str]]:
    invalidations = bundle.get("invalidations", [])
    try:
        invalid = canonical_invalidations(invalidations)
    except (KeyError, TypeError):
        raise Mismatch("invalidations: each needs an id and a preference") from None
    if invalid != invalidations:
        raise Mismatch("invalidations: not in canonical form (sorted by id, then preference)")
    if invalid:
        veteran_lists = {
            str(p["code"]) for p in bundle["rules"]["preferences"] if p.get("veteran_list")
        }
        wanted = {item["id"] for item in invalid}
        by_id = {
            entrant_id: entrant
            for entrant_id, entrant in zip(_ids(manifest), manifest, strict=True)
            if entrant_id in wanted
        }
        for item in invalid:
            entrant = by_id.get(item["id"], {})
            code = base_code(item["preference"])
            if item["preference"] == code:
                held = code in entrant.get("preferences", [])
            else:
                held = code in veteran_lists and code in entrant.get("veteran_preferences", [])
            if not held:
                raise Mismatch(f"invalidations: {item['id']} holds no {item['preference']!r} claim")
    return invalid


def _check_audit_log(bundle: Mapping[str, Any]) -> dict[str, Any]:
    """The audit log's head and length the bundle names: a 64-digit hash and a count, or, in a
    draw not yet published, none (``UNPUBLISHED_LOG``)."""
    audit_log = bundle.get("audit_log")
    if audit_log == UNPUBLISHED_LOG:
        return dict(UNPUBLISHED_LOG)
    if (
        not isinstance(audit_log, dict)
        or sorted(audit_log) != ["head", "length"]
        or not isinstance(audit_log["head"], str)
        or len(audit_log["head"]) != 64
        or not set(audit_log["head"]) <= _HEX_DIGITS
        or not isinstance(audit_log["length"], int)
        or audit_log["length"] < 1
    ):
        raise Mismatch(
            "audit log: the bundle names no valid audit-log head and length (a published "
            "bundle records both)"
        )
    return audit_log


def _verify(bundle: Mapping[str, Any]) -> str:
    try:
        if bundle["format"] != BUNDLE_FORMAT or bundle["algorithm"] != ALGORITHM:
            raise Mismatch(
                f"unknown format or algorithm: {bundle['format']}, {bundle['algorithm']}"
            )
        listing_id = str(bundle["listing"]["id"])
        manifest = bundle["manifest"]["entrants"]
        inputs = bundle["seed_inputs"]
        preferences = bundle["rules"]["preferences"]
        claimed_lists = bundle["lists"]
    except (KeyError, TypeError) as missing:
        raise Mismatch(f"the bundle lacks {missing}") from None
    _check_canonical(manifest)
    if len(manifest) != bundle["manifest"].get("count"):
        raise Mismatch(
            f"manifest: count says {bundle['manifest'].get('count')}, it lists {len(manifest)}"
        )
    computed_manifest = manifest_sha256_of(manifest)
    for name, recorded in (
        ("manifest sha256", bundle["manifest"].get("sha256")),
        ("seed input manifest sha256", inputs.get("manifest_sha256")),
    ):
        if recorded != computed_manifest:
            raise Mismatch(
                f"{name}: bundle has {recorded}, the entrants hash to {computed_manifest}"
            )
    _timestamp("frozen_at", bundle.get("frozen_at", ""))
    beacon = inputs.get("beacon", {})
    address = _check_beacon(bundle, beacon)
    for revealed in inputs.get("secrets", []):
        if commitment(str(revealed["secret"])) != revealed.get("commitment"):
            raise Mismatch(f"secret of {revealed.get('name')}: it does not match its commitment")
    seed_hex = seed(computed_manifest, beacon, inputs.get("secrets", []))
    if seed_hex != bundle.get("seed"):
        raise Mismatch(f"seed: bundle has {bundle.get('seed')}, the inputs give {seed_hex}")
    ranking = master_ranking(seed_hex, listing_id, _ids(manifest))
    _first_difference("ranking", ranking, bundle.get("ranking", []))
    invalid = _check_invalidations(bundle, manifest)
    lists = preference_lists(ranking, manifest, preferences, invalid)
    if len(lists) != len(claimed_lists):
        raise Mismatch(f"lists: bundle has {len(claimed_lists)}, the draw gives {len(lists)}")
    for computed, claimed in zip(lists, claimed_lists, strict=True):
        if computed["preference"] != claimed.get("preference"):
            raise Mismatch(
                f"lists: {claimed.get('preference')!r} where the rules give {computed['preference']!r}"
            )
        _first_difference(
            f"list {computed['preference']}", computed["entrants"], claimed.get("entrants", [])
        )
    audit_log = _check_audit_log(bundle)
    digest = result_hash(listing_id, seed_hex, ranking, lists, audit_log)
    if digest != bundle.get("result_sha256"):
        raise Mismatch(
            f"result sha256: bundle has {bundle.get('result_sha256')}, the draw gives {digest} "
            "(it covers the draw and the audit-log head and length)"
        )
    lines = [
        f"OK: listing {listing_id}, {len(ranking)} entrants, {len(lists) - 1} preference lists, "
        f"seed {seed_hex[:16]}…, result {digest[:16]}…",
        f"audit log: head {audit_log['head']} after {audit_log['length']} entries; a log that "
        "no longer holds this head at that position was cut short or changed"
        if audit_log["head"]
        else "audit log: none named: this draw was not published",
    ]
    if address:
        how = beacon.get("obtained", "not recorded")
        lines.append(
            f"beacon: round {beacon['round']} ({how}); compare its signature and value at {address}"
        )
    return "\n".join(lines)


def fetch_beacon_round(url: str, chain_hash: str, beacon_round: str) -> dict[str, Any]:
    """A round as the beacon at ``url`` publishes it (a drand-style HTTP API)."""
    import urllib.request

    address = round_url(url, beacon_round, chain_hash)
    if not address.startswith(("https://", "http://")):
        raise Mismatch(f"beacon: {url!r} is not an http(s) address")
    try:
        with urllib.request.urlopen(address, timeout=20) as response:  # noqa: S310 - scheme checked
            answer = json.loads(response.read(65_536))
    except (OSError, ValueError) as error:
        raise Mismatch(f"beacon: cannot read {address}: {error}") from None
    if not isinstance(answer, dict):
        raise Mismatch(f"beacon: {address} did not answer with a round")
    return answer


def compare_with_beacon(bundle: Mapping[str, Any], url: str) -> str:
    """Fetch the bundle's beacon round from ``url`` and compare its value and signature."""
    beacon = bundle["seed_inputs"]["beacon"]
    rule = bundle["rules"].get("beacon") or {}
    answer = fetch_beacon_round(url, str(rule.get("chain_hash", "")), str(beacon["round"]))
    for key, published in (
        ("value", answer.get("randomness")),
        ("signature", answer.get("signature")),
    ):
        if str(published).lower() != str(beacon.get(key, "")).lower():
            raise Mismatch(
                f"beacon round {beacon['round']}: the beacon publishes {key} {published}, the "
                f"bundle has {beacon.get(key)}"
            )
    return f"beacon: round {beacon['round']} matches what {url} publishes"


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="verify.py", description="Re-run a published lottery draw from its bundle."
    )
    parser.add_argument("bundle", help="the bundle's JSON file")
    parser.add_argument(
        "--beacon",
        metavar="URL",
        help="also fetch the beacon round from this drand-style HTTP API and compare it",
    )
    args = parser.parse_args(argv)
    # A million entrants are millions of small objects, none of them cyclic: the collector
    # would only rescan them, doubling the time.
    gc.disable()
    try:
        with open(args.bundle, encoding="utf-8") as source:
            bundle = json.load(source, object_hook=compact_loader())
    except (OSError, ValueError) as error:
        print(f"MISMATCH: cannot read the bundle: {error}")
        return 1
    try:
        print(verify_bundle(bundle))
        if args.beacon:
            print(compare_with_beacon(bundle, args.beacon))
    except Mismatch as mismatch:
        print(f"MISMATCH: {mismatch}")
        return 1
    except (KeyError, TypeError, AttributeError) as malformed:
        print(f"MISMATCH: the bundle is malformed: {type(malformed).__name__} {malformed}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
