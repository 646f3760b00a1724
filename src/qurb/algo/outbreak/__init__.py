"""Outbreak detection on weekly counts, equal to the R package `surveillance`: EARS C1,
C2 and C3 (earsc.py), Farrington classic and flexible, with Noufaily's settings
(farrington.py on the quasi-Poisson fit of glm.py, the reference weeks of reference.py),
CUSUM (cusum.py). Pure: plain counts in, a `Detection` out (series.py)."""
