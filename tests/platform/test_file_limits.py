"""Every file a user hands over has a budget, checked before it is read: its size, its
rows, and for a workbook the uncompressed size of its parts and its sheet's dimension. A
file over one is one clear error naming the file, the limit and the setting. A column
named twice is refused: which of the two to keep would be a guess."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from qurb.platform.files import InputFileError, read_records

BOMB_ROWS = 2_000_000


def _workbook(path: Path, rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def _bomb(path: Path, template: Path, dimension: bool, rows: int = BOMB_ROWS) -> Path:
    """A workbook whose sheet holds 2 million one-cell rows (66 MB of XML) that deflate to
    a few hundred KB: written straight into the zip, a block of rows at a time."""
    with (
        zipfile.ZipFile(template) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(item, source.read(item.filename))
                continue
            with bomb.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
                sheet.write(
                    b'<?xml version="1.0" encoding="UTF-8"?>'
                    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                )
                if dimension:
                    sheet.write(f'<dimension ref="A1:A{rows}"/>'.encode())
                sheet.write(b"<sheetData>")
                sheet.write(b'<row><c t="inlineStr"><is><t>count</t></is></c></row>')
                block = b'<row><c t="n"><v>1</v></c></row>' * min(rows - 1, 10_000)
                for _ in range(max(1, (rows - 1) // 10_000)):
                    sheet.write(block)
                sheet.write(b"</sheetData></worksheet>")
    return path


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    template = _workbook(folder / "template.xlsx", [["count"], [1]])
    return {
        "dimension": _bomb(folder / "bomb.xlsx", template, dimension=True),
        "no dimension": _bomb(folder / "bomb-nodim.xlsx", template, dimension=False),
    }


def test_a_workbook_bomb_is_refused_by_its_uncompressed_size(
    bombs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bombs["dimension"]
    assert path.stat().st_size < 2 << 20  # small on disk
    monkeypatch.setenv("QURB_MAX_XLSX_UNCOMPRESSED_MB", "20")
    with pytest.raises(InputFileError) as caught:
        read_records(path)
    message = str(caught.value)
    assert str(path) in message and "20 MB" in message
    assert "QURB_MAX_XLSX_UNCOMPRESSED_MB" in message


def test_a_workbook_bomb_is_refused_by_its_rows(bombs: dict[str, Path]) -> None:
    for kind, path in bombs.items():
        with pytest.raises(InputFileError) as caught:
            read_records(path)
        message = str(caught.value)
        assert str(path) in message and "100,000 rows" in message, kind
        assert "QURB_MAX_ROWS" in message, kind


def test_a_sheet_without_dimension_has_its_rows_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = _workbook(tmp_path / "template.xlsx", [["count"], [1]])
    path = _bomb(tmp_path / "plain.xlsx", template, dimension=False, rows=151)
    monkeypatch.setenv("QURB_MAX_ROWS", "150")
    records = read_records(path)
    assert len(records) == 150 and records[-1].values == {"count": 1}
    monkeypatch.setenv("QURB_MAX_ROWS", "120")
    with pytest.raises(InputFileError, match="more than 120 rows"):
        read_records(path)


def test_a_file_over_the_size_limit_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.csv"
    path.write_text("name,count\n" + "x,1\n" * 300_000)  # 1.2 MB
    monkeypatch.setenv("QURB_MAX_FILE_MB", "1")
    with pytest.raises(InputFileError) as caught:
        read_records(path)
    message = str(caught.value)
    assert str(path) in message and "1 MB" in message and "QURB_MAX_FILE_MB" in message


def test_a_csv_over_the_row_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("name,count\n" + "x,1\n" * 101)
    monkeypatch.setenv("QURB_MAX_ROWS", "100")
    with pytest.raises(InputFileError) as caught:
        read_records(path)
    message = str(caught.value)
    assert str(path) in message and "100 rows" in message and "QURB_MAX_ROWS" in message
    path.write_text("name,count\n" + "x,1\n" * 100)  # at the limit: read
    assert len(read_records(path)) == 100


@pytest.mark.parametrize("header", [["count", "count"], ["Count", " count "]])
def test_a_column_named_twice_is_refused(tmp_path: Path, header: list[str]) -> None:
    csv_path = tmp_path / "twice.csv"
    csv_path.write_text(",".join(header) + "\n1,1000\n")
    xlsx_path = _workbook(tmp_path / "twice.xlsx", [header, [1, 1000]])
    for path in (csv_path, xlsx_path):
        with pytest.raises(InputFileError) as caught:
            read_records(path)
        message = str(caught.value)
        assert str(path) in message and "'count'" in message and "twice" in message
