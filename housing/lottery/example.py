"""Writes the example bundle of docs/lottery-example.json: 300 made-up entrants, four
preferences each with a veteran list, a made-up beacon round (a signature and its SHA-256 as the
value, as drand publishes them), one commit-reveal secret, one preference claim and one veteran
status invalidated after the freeze, and an audit-log head. Deterministic.

    python -m housing.lottery.example > docs/lottery-example.json
"""

from __future__ import annotations

import hashlib
import json
import sys
from typing import Any

from housing.lottery.bundle import DRAND_MAINNET_SCHEDULE, build_bundle, published_bundle
from housing.lottery.verify import commitment, value_from_signature, veteran_list_code

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
PREFERENCES = [
    {"code": "COP", "unit_share_percent": 100, "veteran_list": True},
    {"code": "DTHP", "unit_share_percent": 20, "veteran_list": True},
    {"code": "NRHP", "unit_share_percent": 40, "veteran_list": True},
    {"code": "LW", "unit_share_percent": None, "veteran_list": True},
]


def example_entrants(count: int) -> list[dict[str, Any]]:
    entrants: list[dict[str, Any]] = []
    for number in range(count):
        digest = hashlib.sha256(f"example entrant {number}".encode()).digest()
        public_id = "".join(ALPHABET[byte % len(ALPHABET)] for byte in digest[:10])
        held = [
            code
            for code, bit, rarity in (("COP", 0, 20), ("DTHP", 1, 10), ("NRHP", 2, 3), ("LW", 3, 2))
            if digest[11 + bit] % rarity == 0
        ]
        # A veteran status is claimed per preference: on some claims of a household, not all.
        as_veteran = [code for code in held if digest[16 + len(code)] % 6 == 0]
        entrants.append({"id": public_id, "preferences": held, "veteran_preferences": as_veteran})
    return entrants


def example_bundle() -> dict[str, object]:
    secret = "example staff secret 7f3a"  # noqa: S105 - a published example, not a credential
    entrants = example_entrants(300)
    # One claim found invalid after the freeze: that entrant leaves the NRHP list only. One
    # veteran status found not to hold: that entrant moves from V-LW to LW.
    invalid = next(entrant for entrant in entrants if "NRHP" in entrant["preferences"])
    not_veteran = next(entrant for entrant in entrants if "LW" in entrant["veteran_preferences"])
    signature = (hashlib.sha256(b"example beacon round 4412345").digest() * 3).hex()
    drawn = build_bundle(
        listing_id="1",
        listing_name="Harbor Flats Commons (example)",
        rules={
            "preferences": PREFERENCES,
            "duplicate_rule": "one application per household: same member name and birth date, "
            "email or home address flagged and resolved by staff before the freeze",
            "randomness_rule": "the first drand mainnet round at or after the freeze plus 1 hour",
            "beacon": DRAND_MAINNET_SCHEDULE,
        },
        # Round 4412345 is published one hour after this freeze.
        frozen_at="2024-10-01T15:49:30+00:00",
        entrants=entrants,
        beacon={
            "source": "drand mainnet (example value)",
            "round": "4412345",
            "value": value_from_signature(signature),
            "signature": signature,
            "obtained": "typed",
        },
        secrets=[{"name": "housing staff", "commitment": commitment(secret), "secret": secret}],
        invalidations=[
            {"id": invalid["id"], "preference": "NRHP"},
            {"id": not_veteran["id"], "preference": veteran_list_code("LW")},
        ],
    )
    return published_bundle(drawn, hashlib.sha256(b"example audit log head").hexdigest(), 42)


if __name__ == "__main__":
    json.dump(example_bundle(), sys.stdout, indent=1)
    sys.stdout.write("\n")
