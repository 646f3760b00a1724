"""Benchmark: `TerritoryIndex.resolve` on the national index for the worst text a user may
send (issue figure: under 50 ms at the 100-character limit; a 120 KB name used to take
8-14 s of CPU in fuzzy matching).

Worst cases at the limit: a name that matches nothing (folded comparison of every unit,
then fuzzy suggestions over all 1,853 names), Latin and Arabic; and, for contrast, a
text just over the limit, refused before any matching.

Peer, same run: the bare fuzzy search `resolve` ends with when nothing matches —
rapidfuzz's `process.extract` (WRatio, top 5) over the same folded names, with the text
already folded: the floor of what a search by similarity costs on this index.

Run:  .venv/bin/python benchmarks/territory_resolve.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import time
from pathlib import Path

from qurb.app.dataset import init_database
from qurb.kernel.names import MAX_NAME_CHARS, fold_name
from qurb.platform.database import make_engine, make_sessionmaker
from qurb.territory.service import TerritoryIndex, TerritoryNotFound

CASES = {
    "latin, no match": ("Sidi Bou Othmane Ouled " * 10)[:MAX_NAME_CHARS],
    "arabic, no match": ("سيدي بوعثمان أولاد " * 10)[:MAX_NAME_CHARS],
    "spaces and punctuation": ("- ' ." * 50)[: MAX_NAME_CHARS - 1] + "z",
    "over the limit (120 KB)": "Fès " * 30_000,
}


def timed(index: TerritoryIndex, text: str) -> float:
    start = time.perf_counter()
    with contextlib.suppress(TerritoryNotFound):
        index.resolve(text)
    return time.perf_counter() - start


def timed_peer(choices: dict[str, str], text: str) -> float:
    from rapidfuzz import fuzz, process

    folded = fold_name(text)
    start = time.perf_counter()
    process.extract(folded, choices, scorer=fuzz.WRatio, limit=5)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'qurb.sqlite'}")
        init_database(engine)
        with make_sessionmaker(engine)() as session:
            index = TerritoryIndex.from_session(session)
        engine.dispose()
    index.resolve("Fès")  # fold the names once (the app does it at start-up)
    choices = {code: names[0] for code, names in index.folded.items()}
    print(f"resolve on {len(index.by_code):,} territories, {args.repeat} runs each")
    print("  (peer: rapidfuzz process.extract over the same folded names, same text)")
    for label, text in CASES.items():
        runs = [timed(index, text) for _ in range(args.repeat)]
        median = statistics.median(runs)
        line = (
            f"  {label:<26} {len(text):>7,} chars  median {1000 * median:7.2f} ms"
            f"  max {1000 * max(runs):7.2f} ms"
        )
        if len(text) <= MAX_NAME_CHARS:
            peer = statistics.median([timed_peer(choices, text) for _ in range(args.repeat)])
            line += f"  peer {1000 * peer:6.2f} ms  ratio {median / peer:4.1f}×"
        print(line)
    print(f"target: under 50 ms at the {MAX_NAME_CHARS}-character limit")


if __name__ == "__main__":
    main()
