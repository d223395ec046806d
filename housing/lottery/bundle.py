"""The published results bundle: everything needed to re-run a draw, and nothing personal.

Pure: builds plain data from the draw's inputs; ``verify.py`` is its reader.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from housing.lottery.verify import (
    ALGORITHM,
    BUNDLE_FORMAT,
    UNPUBLISHED_LOG,
    canonical_invalidations,
    canonical_json_array,
    draw,
    parse_timestamp,
    preference_lists,
    result_hash,
)

# drand's mainnet (default) chain publishes a round every 30 s since its genesis at 1595431050
# (Unix time); with a delay after the freeze, this names the one round a draw must use, and
# the chain's address and hash say where anyone can read that round and its signature.
DRAND_MAINNET_SCHEDULE = {
    "source": "drand mainnet",
    "url": "https://api.drand.sh",
    "chain_hash": "8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce",
    "genesis_time": 1595431050,
    "period_seconds": 30,
    "delay_seconds": 3600,
}


def build_bundle(
    *,
    listing_id: str,
    listing_name: str,
    rules: Mapping[str, Any],
    entrants: Sequence[Mapping[str, Any]],
    beacon: Mapping[str, str],
    secrets: Sequence[Mapping[str, str]] = (),
    invalidations: Sequence[Mapping[str, Any]] = (),
    frozen_at: str,
    version: int = 1,
    frozen_manifest: bool = False,
    manifest_sha256: str | None = None,
) -> dict[str, Any]:
    """Draw, and lay the result out as the bundle ``docs/lottery.md`` specifies; publishing
    adds the audit log's head (``published_bundle``).

    ``rules`` carries ``preferences`` (code, unit share, whether it has a veteran list, in the
    listing's order) and the pre-registered ``duplicate_rule`` and ``randomness_rule``. A
    ``frozen_at`` without an explicit UTC offset is refused (ValueError). ``frozen_manifest``:
    the entrants are the manifest as the freeze stored it, in canonical form, and
    ``manifest_sha256`` the hash of the stored text they were read from."""
    frozen_at = parse_timestamp(frozen_at).isoformat()
    result = draw(
        listing_id,
        entrants,
        rules["preferences"],
        beacon,
        secrets,
        invalidations,
        frozen=frozen_manifest,
        manifest_sha256=manifest_sha256,
    )
    return {
        "format": BUNDLE_FORMAT,
        "algorithm": ALGORITHM,
        "version": version,
        "listing": {"id": listing_id, "name": listing_name},
        "rules": dict(rules),
        "frozen_at": frozen_at,
        "manifest": {
            "count": len(result["manifest"]),
            "sha256": result["manifest_sha256"],
            "entrants": result["manifest"],
        },
        "seed_inputs": {
            "manifest_sha256": result["manifest_sha256"],
            "beacon": dict(beacon),
            "secrets": [dict(secret) for secret in secrets],
        },
        "seed": result["seed"],
        "ranking": result["ranking"],
        "invalidations": result["invalidations"],
        "lists": result["lists"],
        "result_sha256": result["result_sha256"],
        "audit_log": dict(UNPUBLISHED_LOG),
    }


def stored_json(bundle: Mapping[str, Any], manifest_text: str) -> str:
    """The bundle as JSON text, keys in their order (which the published file keeps), with
    the manifest's entrants written as ``manifest_text``, their canonical JSON as the freeze
    stored it, and the ranking and lists joined (``canonical_json_array``): a million
    entrants are not serialised again."""

    def list_json(entry: Mapping[str, Any]) -> str:
        return _object_json(entry, {"entrants": _array_json(entry["entrants"])})

    return _object_json(
        bundle,
        {
            "manifest": _object_json(bundle["manifest"], {"entrants": manifest_text}),
            "ranking": _array_json(bundle["ranking"]),
            "lists": "[" + ",".join(map(list_json, bundle["lists"])) + "]",
        },
    )


def _object_json(value: Mapping[str, Any], written: Mapping[str, str]) -> str:
    """A JSON object of ``value``'s items in their order, those named in ``written`` as the
    JSON text given there."""
    items = (
        f"{json.dumps(key)}:{written[key] if key in written else _compact(item)}"
        for key, item in value.items()
    )
    return "{" + ",".join(items) + "}"


def _array_json(ids: Sequence[str]) -> str:
    return canonical_json_array(ids).decode("ascii")


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def published_bundle(bundle: Mapping[str, Any], head: str, length: int) -> dict[str, Any]:
    """The bundle as published: it names the audit log's head and length at publication, and
    its result hash covers them."""
    audit_log = {"head": head, "length": length}
    return {
        **bundle,
        "audit_log": audit_log,
        "result_sha256": result_hash(
            str(bundle["listing"]["id"]),
            bundle["seed"],
            bundle["ranking"],
            bundle["lists"],
            audit_log,
        ),
    }


def revised_bundle(
    bundle: Mapping[str, Any], invalidations: Sequence[Mapping[str, Any]], version: int
) -> dict[str, Any]:
    """The same draw with a different set of invalidated claims: the manifest, seed and master
    ranking stay as they are; only the preference lists and the result hash change."""
    invalid = canonical_invalidations(invalidations)
    listing_id = str(bundle["listing"]["id"])
    lists = preference_lists(
        bundle["ranking"], bundle["manifest"]["entrants"], bundle["rules"]["preferences"], invalid
    )
    return {
        **bundle,
        "version": version,
        "invalidations": invalid,
        "lists": lists,
        "result_sha256": result_hash(listing_id, bundle["seed"], bundle["ranking"], lists),
        "audit_log": dict(UNPUBLISHED_LOG),
    }


def ranks_of(bundle: Mapping[str, Any], entrant_id: str) -> dict[str, Any] | None:
    """An entrant's master rank and rank in each list they are on (1-based), or None."""
    ranking = bundle["ranking"]
    try:
        master = ranking.index(entrant_id) + 1
    except ValueError:
        return None
    lists = {
        entry["preference"]: entry["entrants"].index(entrant_id) + 1
        for entry in bundle["lists"]
        if entrant_id in entry["entrants"]
    }
    return {"master": master, "lists": lists}
