"""Periodic reports from facilities: data sets, reports, completeness and timeliness."""
