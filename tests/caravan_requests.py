"""Caravan campaigns as the tests send them: the Boulemane campaign the page posts, and
the base, specialties and capacities the service tests plan with."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

BASE = "hosp-03.131.01.03-marche-verte"  # Hôpital provincial de Missour
BASE_FACILITY = BASE
SPECIALTIES = ["general_medicine", "gynaecology_obstetrics", "paediatrics", "ophthalmology"]
CAPACITY = {
    "general_medicine": 120,
    "gynaecology_obstetrics": 40,
    "paediatrics": 50,
    "ophthalmology": 50,
}


def campaign(start: date, days: int = 5, **changes: Any) -> dict[str, Any]:
    """A Boulemane campaign as the page posts it (JSON: dates as ISO strings)."""
    body: dict[str, Any] = {
        "name": "Caravane test Boulemane",
        "territory": "03.131",
        "start": start.isoformat(),
        "end": (start + timedelta(days=days - 1)).isoformat(),
        "specialties": ["general_medicine", "paediatrics"],
        "hours": {"start": "08:30:00", "end": "17:00:00"},
        "partners": [{"name": "Délégation provinciale de la santé de Boulemane"}],
        "bases": [{"name": "Hôpital provincial de Missour", "facility": BASE}],
        "teams": [{"name": "Équipe A", "staff": {"general_medicine": 2, "paediatrics": 1}}],
        "units": [
            {
                "name": "Unité mobile 1",
                "base": "Hôpital provincial de Missour",
                "team": "Équipe A",
                "capacity": {"general_medicine": 120, "paediatrics": 50},
            }
        ],
        "settings": {"time_limit_s": 1},
    }
    body.update(changes)
    return body
