"""The HCP census columns Qurb keeps for each (unit, census, area, sex)."""

from __future__ import annotations

AGE_BANDS = [
    "age_0_4",
    "age_5_9",
    "age_10_14",
    "age_15_19",
    "age_20_24",
    "age_25_29",
    "age_30_34",
    "age_35_39",
    "age_40_44",
    "age_45_49",
    "age_50_54",
    "age_55_59",
    "age_60_64",
    "age_65_69",
    "age_70_74",
    "age_75_plus",
]

# Percentages are HCP's, of the municipal population (the legal population also counts
# people "comptés à part": barracks, boarding schools, ...).
PEOPLE_COLUMNS = [
    "population_legal",
    "population_municipal",
    *AGE_BANDS,
    "fertility_total_fertility_rate",
    "disability_prevalence",
]
# Households: count, and their mean distance to a paved road (km; rural areas).
HOUSEHOLD_COLUMNS = ["households_count", "households_distance_to_paved_road_km"]
