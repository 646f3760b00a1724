"""Benchmark: `TerritoryIndex.resolve` on the national index for the worst text a user may
send (issue figure: under 50 ms at the 100-character limit; a 120 KB name used to take
8-14 s of CPU in fuzzy matching).

Worst cases at the limit: a name that matches nothing (folded comparison of every unit,
then fuzzy suggestions over all 1,853 names), Latin and Arabic; and, for contrast, a
text just over the limit, refused before any matching.

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
from qurb.kernel.names import MAX_NAME_CHARS
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
    print(f"resolve on {len(index.by_code):,} territories, {args.repeat} runs each")
    for label, text in CASES.items():
        runs = [timed(index, text) for _ in range(args.repeat)]
        print(
            f"  {label:<26} {len(text):>7,} chars  median {1000 * statistics.median(runs):7.2f} ms"
            f"  max {1000 * max(runs):7.2f} ms"
        )


if __name__ == "__main__":
    main()
