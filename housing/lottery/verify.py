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
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

ALGORITHM = "housing-lottery-v1"
BUNDLE_FORMAT = "housing-lottery-bundle/1"
GENERAL_LIST = "general"
# In invalidations: a veteran status found not to hold (preference codes are upper case).
VETERAN_CLAIM = "veteran"


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
    """Entrants sorted by id, each with its sorted preference codes and veteran flag."""
    return sorted(
        (
            {
                "id": str(entrant["id"]),
                "preferences": sorted(str(code) for code in entrant.get("preferences", [])),
                "veteran": bool(entrant.get("veteran", False)),
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
    moment = datetime.fromisoformat(frozen_at).timestamp() + int(beacon_rule["delay_seconds"])
    genesis = int(beacon_rule["genesis_time"])
    if moment <= genesis:
        return 1
    return math.ceil((moment - genesis) / int(beacon_rule["period_seconds"])) + 1


def ticket(seed_hex: str, listing_id: str, entrant_id: str) -> bytes:
    return hashlib.sha256(length_prefixed([ALGORITHM, seed_hex, listing_id, entrant_id])).digest()


def master_ranking(seed_hex: str, listing_id: str, entrant_ids: Iterable[str]) -> list[str]:
    """Entrant ids by ascending ticket, ties (never seen in practice) broken by id."""
    prefix = hashlib.sha256(length_prefixed([ALGORITHM, seed_hex, listing_id]))
    keyed = []
    for entrant_id in entrant_ids:
        digest = prefix.copy()
        digest.update(length_prefixed([entrant_id]))
        keyed.append((digest.digest(), entrant_id))
    keyed.sort()
    return [entrant_id for _ticket, entrant_id in keyed]


def canonical_invalidations(invalidations: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Claims staff found invalid after the freeze, as ``{"id", "preference"}`` sorted."""
    return sorted(
        ({"id": str(item["id"]), "preference": str(item["preference"])} for item in invalidations),
        key=lambda item: (item["id"], item["preference"]),
    )


def preference_lists(
    ranking: Sequence[str],
    entrants: Iterable[Mapping[str, Any]],
    preferences: Sequence[Mapping[str, Any]],
    invalidations: Iterable[Mapping[str, Any]] = (),
) -> list[dict[str, Any]]:
    """Each preference's list is the master order filtered to its holders (veterans first where
    the listing says so), less the claims invalidated after the freeze; the general list, last,
    is everyone in master order."""
    holders: dict[str, set[str]] = {}
    veterans = set()
    for entrant in entrants:
        for code in entrant.get("preferences", []):
            holders.setdefault(str(code), set()).add(str(entrant["id"]))
        if entrant.get("veteran"):
            veterans.add(str(entrant["id"]))
    for invalid in invalidations:
        if invalid["preference"] == VETERAN_CLAIM:
            veterans.discard(str(invalid["id"]))
        else:
            holders.get(str(invalid["preference"]), set()).discard(str(invalid["id"]))
    lists = []
    for preference in preferences:
        code = str(preference["code"])
        members = holders.get(code, set())
        ordered = [entrant_id for entrant_id in ranking if entrant_id in members]
        if preference.get("veterans_first"):
            ordered = [e for e in ordered if e in veterans] + [
                e for e in ordered if e not in veterans
            ]
        lists.append({"preference": code, "entrants": ordered})
    lists.append({"preference": GENERAL_LIST, "entrants": list(ranking)})
    return lists


def result_hash(listing_id: str, seed_hex: str, ranking: Sequence[str], lists: Any) -> str:
    return hashlib.sha256(
        canonical_json(
            {
                "algorithm": ALGORITHM,
                "listing_id": listing_id,
                "seed": seed_hex,
                "ranking": list(ranking),
                "lists": lists,
            }
        )
    ).hexdigest()


def draw(
    listing_id: str,
    entrants: Sequence[Mapping[str, Any]],
    preferences: Sequence[Mapping[str, Any]],
    beacon: Mapping[str, str],
    secrets: Sequence[Mapping[str, str]] = (),
    invalidations: Iterable[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The whole draw from its inputs: manifest hash, seed, ranking, lists, result hash."""
    manifest = canonical_manifest(entrants)
    manifest_sha256 = hashlib.sha256(canonical_json(manifest)).hexdigest()
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
    for position, (want, have) in enumerate(zip(expected, found, strict=False), start=1):
        if want != have:
            raise Mismatch(f"{name}: position {position} is {have!r}, the draw gives {want!r}")
    if len(expected) != len(found):
        raise Mismatch(f"{name}: {len(found)} entries, the draw gives {len(expected)}")


def verify_bundle(bundle: Mapping[str, Any]) -> str:
    """Re-run the draw a bundle describes; the summary line, or Mismatch."""
    try:
        return _verify(bundle)
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as malformed:
        raise Mismatch(f"the bundle is malformed: {type(malformed).__name__} {malformed}") from None


def _verify(bundle: Mapping[str, Any]) -> str:
    try:
        if bundle["format"] != BUNDLE_FORMAT or bundle["algorithm"] != ALGORITHM:
            raise Mismatch(
                f"unknown format or algorithm: {bundle['format']}, {bundle['algorithm']}"
            )
        listing_id = str(bundle["listing"]["id"])
        entrants = bundle["manifest"]["entrants"]
        inputs = bundle["seed_inputs"]
        preferences = bundle["rules"]["preferences"]
        claimed_lists = bundle["lists"]
    except (KeyError, TypeError) as missing:
        raise Mismatch(f"the bundle lacks {missing}") from None
    manifest = canonical_manifest(entrants)
    ids = [entrant["id"] for entrant in manifest]
    if len(set(ids)) != len(ids):
        raise Mismatch("manifest: an entrant id appears more than once")
    if manifest != entrants:
        raise Mismatch("manifest: entrants are not in canonical form (sorted by id, codes sorted)")
    if len(entrants) != bundle["manifest"].get("count"):
        raise Mismatch(
            f"manifest: count says {bundle['manifest'].get('count')}, it lists {len(entrants)}"
        )
    computed_manifest = hashlib.sha256(canonical_json(manifest)).hexdigest()
    for name, recorded in (
        ("manifest sha256", bundle["manifest"].get("sha256")),
        ("seed input manifest sha256", inputs.get("manifest_sha256")),
    ):
        if recorded != computed_manifest:
            raise Mismatch(
                f"{name}: bundle has {recorded}, the entrants hash to {computed_manifest}"
            )
    beacon_rule = bundle["rules"].get("beacon")
    if beacon_rule is not None:
        # When the rules name a beacon schedule, the round is fixed by the freeze time.
        want = required_round(beacon_rule, str(bundle.get("frozen_at", "")))
        used = str(inputs.get("beacon", {}).get("round", ""))
        if used != str(want):
            raise Mismatch(
                f"beacon round: the rules name round {want} for a freeze at "
                f"{bundle.get('frozen_at')}, the bundle uses round {used}"
            )
    for revealed in inputs.get("secrets", []):
        if commitment(str(revealed["secret"])) != revealed.get("commitment"):
            raise Mismatch(f"secret of {revealed.get('name')}: it does not match its commitment")
    seed_hex = seed(computed_manifest, inputs.get("beacon", {}), inputs.get("secrets", []))
    if seed_hex != bundle.get("seed"):
        raise Mismatch(f"seed: bundle has {bundle.get('seed')}, the inputs give {seed_hex}")
    ranking = master_ranking(seed_hex, listing_id, (entrant["id"] for entrant in manifest))
    _first_difference("ranking", ranking, bundle.get("ranking", []))
    invalidations = bundle.get("invalidations", [])
    try:
        invalid = canonical_invalidations(invalidations)
    except (KeyError, TypeError):
        raise Mismatch("invalidations: each needs an id and a preference") from None
    if invalid != invalidations:
        raise Mismatch("invalidations: not in canonical form (sorted by id, then preference)")
    if invalid:
        by_id = {entrant["id"]: entrant for entrant in manifest}
        for item in invalid:
            entrant = by_id.get(item["id"], {})
            held = (
                bool(entrant.get("veteran"))
                if item["preference"] == VETERAN_CLAIM
                else item["preference"] in entrant.get("preferences", [])
            )
            if not held:
                raise Mismatch(f"invalidations: {item['id']} holds no {item['preference']!r} claim")
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
    digest = result_hash(listing_id, seed_hex, ranking, lists)
    if digest != bundle.get("result_sha256"):
        raise Mismatch(
            f"result sha256: bundle has {bundle.get('result_sha256')}, the draw gives {digest}"
        )
    return (
        f"OK: listing {listing_id}, {len(ranking)} entrants, {len(lists) - 1} preference lists, "
        f"seed {seed_hex[:16]}…, result {digest[:16]}…"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python verify.py BUNDLE.json", file=sys.stderr)
        return 2
    # A million entrants are millions of small objects, none of them cyclic: the collector
    # would only rescan them, doubling the time.
    gc.disable()
    try:
        with open(args[0], encoding="utf-8") as source:
            bundle = json.load(source)
    except (OSError, ValueError) as error:
        print(f"MISMATCH: cannot read the bundle: {error}")
        return 1
    try:
        print(verify_bundle(bundle))
    except Mismatch as mismatch:
        print(f"MISMATCH: {mismatch}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
