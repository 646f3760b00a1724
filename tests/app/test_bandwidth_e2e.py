"""Low bandwidth: a province's view, loaded fresh (an empty cache), transfers under 500 kB.
The count is of bytes on the wire, as Chromium received them: each response's headers and
its body as sent (gzip-compressed where the server compresses it). The figure and the
largest responses are printed and saved to test-artifacts/bandwidth-province.txt.

Same server, browser and skip rules as test_e2e.py."""

from __future__ import annotations

from tests.environment import ARTIFACTS

TAOUNATE = "03.531"
BUDGET = 500_000  # bytes


def test_a_province_view_transfers_under_500_kb(page) -> None:  # type: ignore[no-untyped-def]
    finished: list[object] = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(f"{page.base}/#{TAOUNATE}")
    page.wait_for_selector(f"body[data-ready='{TAOUNATE}']", timeout=20_000)
    # The last figures the view asks for: the access table, then nothing more in flight.
    page.wait_for_selector("#panel table.access", timeout=20_000)
    page.wait_for_load_state("networkidle")
    sizes: list[tuple[int, str, str]] = []
    for request in finished:
        size = request.sizes()  # type: ignore[attr-defined]
        response = request.response()  # type: ignore[attr-defined]
        encoding = (response.headers.get("content-encoding", "") if response else "") or "-"
        wire = size["responseHeadersSize"] + size["responseBodySize"]
        sizes.append((wire, encoding, request.url.removeprefix(page.base)))  # type: ignore[attr-defined]
    total = sum(s for s, _, _ in sizes)
    report = f"province {TAOUNATE}, fresh load: {total:,} bytes in {len(sizes)} responses\n"
    report += "".join(f"{s:>9,} {e:<5} {u}\n" for s, e, u in sorted(sizes, reverse=True))
    (ARTIFACTS / "bandwidth-province.txt").write_text(report, encoding="utf-8")
    print(report)
    urls = {u for _, _, u in sizes}
    # The count covers the view itself: its page, its script, its communes' shapes.
    assert {"/", "/static/js/app.js", f"/api/layers/communes?parent={TAOUNATE}"} <= urls, urls
    # The commune shapes, the largest data of the view, travel compressed.
    layer = next(e for _, e, u in sizes if u == f"/api/layers/communes?parent={TAOUNATE}")
    assert layer in {"gzip", "br"}, layer
    assert total < BUDGET, report
