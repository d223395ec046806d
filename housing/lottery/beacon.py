"""Fetching a public randomness beacon's round, where the network allows.

The beacon named by the randomness rule publishes a round every few seconds that nobody can
know in advance. A drand-style HTTP endpoint answers ``GET {url}/{chain_hash}/public/{round}``
(or ``GET {url}/public/{round}`` for its default chain) with JSON holding ``round``,
``randomness`` and ``signature`` (hex). drand's randomness is the SHA-256 of the signature, so
an answer where it is not is refused: a value that does not follow from its signature is not
the round's.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass

from housing.lottery.verify import round_url, value_from_signature

_HEX = re.compile(r"[0-9a-f]+")
MAX_RESPONSE = 64 * 1024
MAX_ROUND_DIGITS = 20
# drand signatures are 48 (G1) or 96 (G2) bytes; anything far outside that is not one.
SIGNATURE_HEX_LENGTHS = range(32, 1025)


class BeaconUnavailable(Exception):
    """The beacon could not be reached, has not published that round yet, or answered
    something that is not that round."""


@dataclass(frozen=True)
class BeaconRound:
    round: str
    value: str
    signature: str


def is_round_number(text: str) -> bool:
    return text.isascii() and text.isdecimal() and len(text) <= MAX_ROUND_DIGITS


def is_signature(text: str) -> bool:
    """Hexadecimal of a whole number of bytes, as long as a signature can be."""
    return len(text) in SIGNATURE_HEX_LENGTHS and len(text) % 2 == 0 and bool(_HEX.fullmatch(text))


def fetch_round(
    base_url: str, round_number: str, *, chain_hash: str = "", timeout: float = 5.0
) -> BeaconRound:
    """The round as the beacon publishes it, its value checked against its signature."""
    if not is_round_number(round_number):
        raise BeaconUnavailable("round")
    if chain_hash and not _HEX.fullmatch(chain_hash):
        raise BeaconUnavailable("chain")
    url = round_url(base_url, int(round_number), chain_hash)
    if not url.startswith(("https://", "http://")):
        raise BeaconUnavailable("url")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - scheme checked
            body = json.loads(response.read(MAX_RESPONSE + 1)[:MAX_RESPONSE])
    except (OSError, ValueError, urllib.error.URLError) as error:
        raise BeaconUnavailable(str(error)) from None
    if not isinstance(body, dict):
        raise BeaconUnavailable("shape")
    value = str(body.get("randomness", "")).lower()
    signature = str(body.get("signature", "")).lower()
    if (
        str(body.get("round")) != str(int(round_number))
        or len(value) != 64
        or not _HEX.fullmatch(value)
        or not is_signature(signature)
    ):
        raise BeaconUnavailable("shape")
    if value_from_signature(signature) != value:
        raise BeaconUnavailable("value is not the SHA-256 of the signature")
    return BeaconRound(round=str(int(round_number)), value=value, signature=signature)
