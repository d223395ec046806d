"""The draw and the verifier at 100,000 and 1,000,000 entrants with four preferences.

Each size runs in a fresh process so its peak memory (max RSS) is its own. Prints the time to
draw (manifest hash, seed, tickets, ranking, lists, result hash), to write the bundle as JSON,
and to verify it from the file with the standalone verifier.

    .venv/bin/python bench/lottery_draw.py [--sizes 100000 1000000]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, VERIFY_AND_MEASURE, machine, peak_memory_mb

PREFERENCES = [
    {"code": "COP", "unit_share_percent": 100, "veteran_list": True},
    {"code": "DTHP", "unit_share_percent": 20, "veteran_list": True},
    {"code": "NRHP", "unit_share_percent": 40, "veteran_list": True},
    {"code": "LW", "unit_share_percent": None, "veteran_list": True},
]


def one_size(count: int, folder: str) -> None:
    sys.path.insert(0, str(ROOT))
    from housing.lottery.bundle import build_bundle, published_bundle

    entrants = []
    for number in range(count):
        digest = hashlib.sha256(number.to_bytes(8, "big")).digest()
        held = [p["code"] for p, byte in zip(PREFERENCES, digest[1:5], strict=True) if byte < 64]
        as_veteran = held if digest[6] < 16 else []
        entrants.append(
            {"id": digest[:5].hex().upper(), "preferences": held, "veteran_preferences": as_veteran}
        )
    gc.disable()  # as the draw job does: millions of small objects, none of them cyclic
    started = time.perf_counter()
    drawn_bundle = build_bundle(
        listing_id="1",
        listing_name="Bench",
        rules={"preferences": PREFERENCES, "duplicate_rule": "", "randomness_rule": ""},
        entrants=entrants,
        beacon={"source": "bench", "round": "1", "value": "ab" * 32},
        frozen_at="2026-12-01T17:00:00+00:00",
    )
    bundle = published_bundle(drawn_bundle, "cd" * 32, 1_000)
    drawn = time.perf_counter()
    path = Path(folder) / f"bundle-{count}.json"
    path.write_text(json.dumps(bundle, separators=(",", ":")))
    written = time.perf_counter()
    peak = peak_memory_mb()
    verifier = subprocess.run(
        [
            sys.executable,
            "-c",
            VERIFY_AND_MEASURE,
            str(ROOT / "housing" / "lottery" / "verify.py"),
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    verified = time.perf_counter()
    verifier_peak = float(verifier.stderr.split("peak ")[-1].split()[0])
    print(
        f"{count:>9,} entrants: draw {drawn - started:6.2f} s, write bundle {written - drawn:5.2f} s "
        f"({path.stat().st_size / 1e6:5.1f} MB), verify {verified - written:6.2f} s; "
        f"peak memory draw {peak:6.0f} MB, verifier {verifier_peak:6.0f} MB"
    )
    assert verifier.stdout.startswith("OK:"), verifier.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one_size(args.one, args.folder)
        return
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            subprocess.run(
                [sys.executable, __file__, "--one", str(size), "--folder", folder], check=True
            )


if __name__ == "__main__":
    main()
