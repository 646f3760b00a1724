"""The conventions' page in a real headless Chromium, in French and in Arabic, on a phone
and a laptop: the examples from the public record (Fès, Rabat, Tanger) imported, listed to
the signed-in account in full and to anyone as published summaries, and Fès's convention
opened: signed "1 December" with its year unknown, never completed, its parties and its
territory named.

Screenshots in test-artifacts/journeys/conventions-*.png, named by size and language.
Same server, browser and skip rules as test_e2e.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker

from qurb.conventions.imports import import_convention, read_convention_file
from qurb.kernel.actor import Actor
from qurb.platform.database import make_engine, transaction
from tests.environment import ARTIFACTS

SIZES = {"phone": (390, 844), "laptop": (1366, 768)}
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "conventions"
FOLDER = ARTIFACTS / "journeys"
FES = "EXAMPLE-FES-COUNCIL-CHU-ASSOCIATIONS"
SIGNED = {"fr": "1 décembre (année inconnue)", "ar": "السنة غير معروفة"}
TITLE = {"fr": "Conventions de partenariat", "ar": "اتفاقيات الشراكة"}


def _imported(url: str) -> dict[str, int]:
    """Every example imported into the page's database: reference → id."""
    engine = make_engine(url)
    try:
        ids = {}
        for path in sorted(EXAMPLES.glob("*.toml")):
            with transaction(sessionmaker(engine)) as session:
                made = import_convention(session, Actor.local("e2e"), read_convention_file(path))
                ids[made.convention.fields.reference] = made.convention.id
        return ids
    finally:
        engine.dispose()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_examples_listed_and_fes_opened(
    page: Any, scratch_db: str, lang: str, size: str
) -> None:
    from playwright.sync_api import expect

    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    FOLDER.mkdir(parents=True, exist_ok=True)
    ids = _imported(scratch_db)
    assert len(ids) == 4

    page.goto(f"{page.base}/conventions?lang={lang}")
    page.wait_for_selector(f"body[data-ready='{lang}'] .conventions-table")
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    expect(page.locator("h2")).to_have_text(TITLE[lang])
    rows = page.locator(".conventions-table tbody tr[data-id]")
    expect(rows).to_have_count(4)
    fes = page.locator(f".conventions-table tr[data-id='{ids[FES]}']")
    expect(fes).to_contain_text(SIGNED[lang])
    page.screenshot(path=str(FOLDER / f"conventions-{size}-{lang}.png"), full_page=True)

    fes.locator("a").first.click()
    page.wait_for_selector(f"body[data-ready='{lang}'] .convention-facts")
    expect(page.locator(".convention-facts")).to_contain_text(SIGNED[lang])
    # Fès's préfecture, by its census name, and the council among the parties.
    expect(page.locator(".convention-facts")).to_contain_text("03.231")
    expect(page.locator(".conventions-parties tbody tr")).to_have_count(8)
    # Nothing published about an amount, article or amendment: said unknown or none.
    expect(page.locator(".convention-articles")).to_have_count(0)
    page.screenshot(path=str(FOLDER / f"convention-fes-{size}-{lang}.png"), full_page=True)
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width + 1, f"the page is {wide}px wide in a {width}px window"


def test_anyone_reads_the_published_summaries(anonymous_page: Any, scratch_db: str) -> None:
    from playwright.sync_api import expect

    page = anonymous_page
    ids = _imported(scratch_db)
    page.goto(f"{page.base}/conventions?id={ids[FES]}&lang=fr")
    page.wait_for_selector("body[data-ready='fr'] .convention-facts")
    expect(page.locator(".convention-facts")).to_contain_text(SIGNED["fr"])
    # A summary: no documents, no contacts, no source of the record.
    expect(page.locator(".convention-documents")).to_have_count(0)
    expect(page.locator(".conventions-parties thead th")).to_have_count(3)
    expect(page.locator(".convention-source")).to_have_count(0)
