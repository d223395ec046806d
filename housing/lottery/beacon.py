"""Fetching a public randomness beacon's round, where the network allows.

The beacon named by the randomness rule publishes a value every few seconds that nobody can
know in advance. A drand-style HTTP endpoint answers ``GET {url}/public/{round}`` with JSON
holding ``round`` and ``randomness`` (hex). Staff may always type the round and value instead;
what is fetched is only shown for them to check and save.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass

_HEX = re.compile(r"[0-9a-f]{16,128}")
MAX_RESPONSE = 64 * 1024


class BeaconUnavailable(Exception):
    """The beacon could not be reached or answered something other than that round."""


@dataclass(frozen=True)
class BeaconRound:
    round: str
    value: str


def fetch_round(base_url: str, round_number: str, *, timeout: float = 5.0) -> BeaconRound:
    if not (round_number.isascii() and round_number.isdecimal()) or len(round_number) > 20:
        raise BeaconUnavailable("round")
    url = f"{base_url.rstrip('/')}/public/{int(round_number)}"
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
    if str(body.get("round")) != str(int(round_number)) or not _HEX.fullmatch(value):
        raise BeaconUnavailable("shape")
    return BeaconRound(round=str(int(round_number)), value=value)
