"""The base of the errors a user can fix: bad input, an impossible request.

Faces map a `QurbError` to a clear message (CLI exit code 2, HTTP 4xx); anything else is
a bug and is allowed to surface as one.
"""

from __future__ import annotations


class QurbError(ValueError):
    """An error whose message names the file, row, field or parameter, and the reason."""
