"""The IATI exchange: partnership conventions as IATI 2.03 activities (`activity.py`
writes the XML from `model.py`'s plain values)."""
