"""A refused visit record names at most the first 50 problems, with their total, in its
message and in the problems it hands to the API."""

from __future__ import annotations

from qurb.caravans.records import RecordError
from qurb.kernel.errors import FieldError
from qurb.kernel.rows import MAX_REPORTED


def test_a_refused_visit_record_carries_the_first_50_problems_and_the_total() -> None:
    problems = [(f"f.csv: row {n}: count: bad", FieldError("count", "bad", n)) for n in range(2000)]
    error = RecordError.of(problems, "f.csv")
    assert len(error.errors) == MAX_REPORTED + 1
    assert error.errors[-1].reason == "and 1,950 more problem(s) (2,000 in all)"
    assert str(error).startswith("2000 problem(s), nothing was recorded")
