"""A `dataValueSets` JSON payload as DHIS2 writes one, validated for form (pydantic):
its meaning (codes, periods, counts) is checked by the import service, which names every
bad value by its index."""

from __future__ import annotations

import enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MAX_VALUES = 250_000  # values in one payload
# The request body a payload may weigh on `POST /api/dhis2/dataValueSets`: 100,000 values
# written as DHIS2 writes them (about 150 bytes each with Qurb's facility ids) fit well.
MAX_BODY_MB = 48


class IdScheme(enum.StrEnum):
    CODE = "code"  # data set id, data element and combo codes, HCP codes and facility ids
    UID = "uid"  # the UIDs Qurb derives from those codes (qurb.interop.dhis2.model)


Text = Field(default=None, max_length=230)


class DataValueIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    dataElement: str | None = Text
    period: str | None = Text
    orgUnit: str | None = Text
    categoryOptionCombo: str | None = Text
    attributeOptionCombo: str | None = Text
    value: Any = None  # a count: checked by the import, which names what is wrong


class DataValueSetIn(BaseModel):
    """DHIS2's top-level `dataSet`, `period` and `orgUnit` apply to every value that
    gives none."""

    model_config = ConfigDict(extra="ignore")

    dataSet: str | None = Text
    period: str | None = Text
    orgUnit: str | None = Text
    attributeOptionCombo: str | None = Text
    dataValues: list[DataValueIn] = Field(default_factory=list, max_length=MAX_VALUES)
