"""The DHIS2 exchange: the territory and facility tree as organisation units, the data
sets as DHIS2 metadata, reports as `dataValueSets` out and in."""
