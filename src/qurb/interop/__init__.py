"""Exchanges with other health information systems: DHIS2 (`dhis2/`), and the
partnership conventions as IATI activities (`iati/`)."""
