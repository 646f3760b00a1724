"""Every error a user can get carries a code (and its values), so that each face words it
in its reader's language: a static check over the source. A call to a QurbError class or
to FieldError passes `code=` (a FieldError may give it as its fourth argument), or goes
through `problem(...)` / `FieldError.of(...)`, or hands on problems that carry their own
codes (a list of them). What is left is listed below, by file, with the reason."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "qurb"
ROOTS = {"QurbError", "FieldError"}

HANDS_ON = "hands on a list of problems, each with its code"

# Calls that cannot carry a code of their own, and why: (file, enclosing function) → count.
WITHOUT_CODE: dict[tuple[str, str], tuple[int, str]] = {
    ("kernel/errors.py", "NotFound.__init__"): (
        1,
        "words a NotFound's problems as a refused write; each problem has its code",
    ),
    ("kernel/rows.py", "validation_errors"): (
        1,
        "pydantic's own words for a complaint whose type the catalogues do not word (the "
        "others are coded `reason.pydantic.<type>`): a type no row model of Qurb raises",
    ),
    ("kernel/rows.py", "too_many"): (2, HANDS_ON),
    ("registry/service.py", "checked_facilities"): (1, HANDS_ON),
    ("registry/service.py", "create_facilities"): (1, HANDS_ON),
    ("registry/service.py", "update_facility"): (1, HANDS_ON),
    ("registry/imports.py", "import_facilities"): (1, HANDS_ON),
    ("registry/capacity.py", "set_capacity"): (2, HANDS_ON),
    ("registry/capacity.py", "write_capacity_batch"): (2, HANDS_ON),
    ("registry/equipment.py", "add_equipment"): (1, HANDS_ON),
    ("registry/equipment.py", "update_equipment"): (1, HANDS_ON),
    ("registry/equipment.py", "write_equipment_rows"): (1, HANDS_ON),
    ("registry/capacity_cli.py", "capacity_set"): (1, HANDS_ON),
    ("access/network.py", "read_points"): (2, HANDS_ON),
    ("identity/partner_service.py", "create_partners"): (1, HANDS_ON),
    ("conventions/model.py", "refused"): (1, HANDS_ON),
    ("identity/partner_service.py", "update_partner"): (1, HANDS_ON),
    ("algo/outbreak/series.py", "series_from"): (1, HANDS_ON),
    ("watch/detect_cli.py", "read_series"): (2, HANDS_ON),
    ("algo/commune_graph_edges.py", "check_edges"): (
        5,
        "a stored set of edges checked before use: the graph store catches the refusal, "
        "logs it and builds the edges again; no user meets it",
    ),
}

# Not yet coded: English on every face (README, "Languages"). Lower a count when you give
# codes in a file; the test fails when one grows (a new error without a code).
NOT_YET_CODED: dict[str, int] = {
    # Checks of the arrays and parameters the services hand to the algorithms (shapes,
    # finite values, the solver's status); a user of the server or the command line meets
    # them only through a Solomon instance, or a road network or model parameter file
    # whose arrays do not match.
    "algo/accessibility.py": 9,
    "algo/commune_graph.py": 2,
    "algo/commune_graph_edges.py": 1,
    "algo/commune_graph_fit.py": 1,
    "algo/commune_graph_inputs.py": 2,
    "algo/mclp.py": 3,
    "algo/pmedian.py": 1,
    "algo/road_network.py": 3,
    "algo/roadgraph.py": 4,
    "algo/routing.py": 16,
    "algo/siting_problem.py": 23,
    "algo/travel.py": 4,
    "platform/solomon.py": 3,
    # A population points file's own listing ("nothing was used", with the reasons of
    # its own checks), a campaign field's check by the model's validators (pydantic's
    # "value_error" text), the reviewed services file.
    "access/points.py": 1,
    "caravans/model.py": 2,
    "registry/facility_services.py": 1,
    "databuild/facility_services.py": 3,
}


def _error_classes(trees: dict[str, ast.Module]) -> set[str]:
    bases: dict[str, set[str]] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                named = {
                    b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
                }
                bases.setdefault(node.name, set()).update(named)
    found = set(ROOTS)
    while grown := {c for c, b in bases.items() if c not in found and b & found}:
        found |= grown
    return found


def _coded_classes(trees: dict[str, ast.Module]) -> set[str]:
    """Classes that name their own code (`code = "not_recorded"`)."""
    return {
        node.name
        for tree in trees.values()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        and any(
            isinstance(item, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "code" for t in item.targets)
            and isinstance(item.value, ast.Constant)
            and item.value.value
            for item in node.body
        )
    }


def _has_code(call: ast.Call, name: str) -> bool:
    keywords = {k.arg for k in call.keywords}
    if "code" in keywords or "errors" in keywords:
        return True
    if name == "FieldError" and len(call.args) >= 4:
        return True
    first = call.args[0] if call.args else None
    return isinstance(first, ast.List | ast.ListComp | ast.Tuple)


def _uncoded() -> Counter[tuple[str, str]]:
    trees = {
        str(p.relative_to(SRC)): ast.parse(p.read_text(encoding="utf-8"))
        for p in sorted(SRC.rglob("*.py"))
    }
    classes = _error_classes(trees)
    coded = _coded_classes(trees)
    found: Counter[tuple[str, str]] = Counter()
    for path, tree in trees.items():
        for scope, call in _calls(tree):
            func = call.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in classes and name not in coded and not _has_code(call, name):
                found[(path, scope)] += 1
    return found


def _calls(tree: ast.Module) -> list[tuple[str, ast.Call]]:
    out: list[tuple[str, ast.Call]] = []

    def visit(node: ast.AST, scope: list[str]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                visit(child, [*scope, child.name])
            else:
                if isinstance(child, ast.Call):
                    out.append((".".join(scope), child))
                visit(child, scope)

    visit(tree, [])
    return out


def test_every_error_carries_a_code() -> None:
    found = _uncoded()
    gone = {where: n for where, (n, _) in WITHOUT_CODE.items() if found[where] < n}
    assert gone == {}, f"lower these counts of WITHOUT_CODE to what is found: {gone}"
    by_file: Counter[str] = Counter()
    for (path, scope), n in found.items():
        by_file[path] += n - WITHOUT_CODE.get((path, scope), (0, ""))[0]
    over = {p: n for p, n in by_file.items() if n > NOT_YET_CODED.get(p, 0)}
    assert over == {}, f"errors raised without a code (give each `code=`): {over}"
    # The list only shrinks: a file whose errors got their codes leaves it.
    stale = {p: n for p, n in NOT_YET_CODED.items() if by_file[p] < n}
    assert stale == {}, f"lower these counts to what is left: {dict(by_file)}"


def test_the_check_sees_an_error_without_a_code() -> None:
    tree = ast.parse(
        "def f():\n"
        "    raise Conflict('clash')\n"
        "    raise Conflict(code='facility_closed')\n"
        "    FieldError('x', 'bad', 3)\n"
        "    FieldError('x', 'bad', 3, 'bad_x', {})\n"
    )
    calls = [c for _, c in _calls(tree) if getattr(c.func, "id", "") in ROOTS | {"Conflict"}]
    assert [_has_code(c, c.func.id) for c in calls] == [False, True, False, True]  # type: ignore[attr-defined]
