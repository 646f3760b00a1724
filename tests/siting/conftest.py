"""The siting tests' fixtures."""

from __future__ import annotations

import pytest

from tests.siting.scenario_people import Partners, make_partners
from tests.web_clients import TestClient


@pytest.fixture
def partners(edit_client: TestClient) -> Partners:
    """Planners of Fès-Meknès: two for the regional directorate, one for an association;
    the administrator's client beside them."""
    return make_partners(edit_client)
