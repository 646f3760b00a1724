"""One hierarchy for the errors a user can fix: bad input, a missing thing, a clash, a
refusal. Each face maps them by class in one place (`qurb.platform.cli.exit_code_for`,
`qurb.app.errors.status_for`); anything else is a bug and is allowed to surface as one.

    QurbError            an impossible request; the message says why          (HTTP 422)
    ├── InputError       bad input, with the file, row and field of each problem   (422)
    ├── NotFound         a territory, facility, campaign… that does not exist      (404)
    ├── Conflict         a write that clashes with what is stored                  (409)
    │   └── StaleVersion the record changed since the version the write read       (409)
    ├── PreconditionRequired  a write that did not say which version it read       (428)
    ├── Forbidden        the actor may not do this here                            (403)
    └── Unavailable      not now: the server is busy, or the work ran out of time  (503)

Every one exits the CLI with 2 (fix the input, or wait, and run again).

An error, and each of its problems, may carry a `code` and its `values`: the catalogue
message `error.<code>` (a problem's `reason.<code>`) words it in the reader's language
(`qurb.kernel.i18n`); the English text given beside them is what a reader of no
catalogue (a log, `str(error)`) sees, and reads as the English catalogue does: an error
raised with a code and no message takes the English catalogue's words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, ClassVar

# How a face words a message: (catalogue key, values) → text in its reader's language.
Say = Callable[[str, Mapping[str, Any]], str]


@dataclass(frozen=True)
class FieldError:
    """One problem: the field, the reason, and the row (and file) it was found in."""

    field: str
    reason: str
    row: int | None = None
    code: str = dataclass_field(default="", compare=False)
    values: Mapping[str, Any] = dataclass_field(default_factory=dict, compare=False, hash=False)
    # The catalogue's family of the code: a problem's own `reason.<code>`, or the
    # `error.<code>` of an error kept as one problem of many (`FieldError.of`).
    family: str = dataclass_field(default="reason", compare=False)

    @classmethod
    def of(cls, field: str, error: QurbError, row: int | None = None) -> FieldError:
        """An error (a territory not found…) as the problem of one field and row."""
        return cls(field, str(error), row, error.code, error.values, "error" if error.code else "")

    def __str__(self) -> str:
        where = f"row {self.row}, " if self.row is not None else ""
        return f"{where}field '{self.field}': {self.reason}"

    def rendered(self, say: Say) -> str:
        """The reason in the reader's language (as given when it has no code); a problem
        that quotes the value given (`got`) ends with it (`reason.got`)."""
        if not self.code:
            return self.reason
        text = say(f"{self.family}.{self.code}", self.values)
        return f"{text} {say('reason.got', self.values)}" if "got" in self.values else text

    def located(self, say: Say) -> str:
        """`row 3, field 'x': reason` in the reader's language."""
        values = {"row": self.row, "field": self.field, "reason": self.rendered(say)}
        return say("error.row_field" if self.row is not None else "error.field", values)


class QurbError(ValueError):
    """An error whose message names the file, row, field or parameter, and the reason.

    `hint` says what to do next (shown under the message by the CLI)."""

    hint: str = ""
    code: str = ""
    values: Mapping[str, Any] = {}

    def __init__(
        self,
        message: str = "",
        *,
        hint: str = "",
        code: str = "",
        values: Mapping[str, Any] | None = None,
    ) -> None:
        if code and not message:
            message = _english(f"error.{code}", values or {})
        super().__init__(message)
        if hint:
            self.hint = hint
        if code:
            self.code = code
            self.values = dict(values or {})

    def rendered(self, say: Say) -> str:
        """The message in the reader's language: `error.<code>` with its values (a value
        that is itself an error, the cause named in a field, worded too), else the message
        as given."""
        if not self.code:
            return str(self)
        values = {
            k: v.rendered(say) if isinstance(v, QurbError) else v for k, v in self.values.items()
        }
        return say(f"error.{self.code}", values)

    @property
    def message(self) -> str:
        return str(self)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled whole (its args and attributes, whatever its __init__ takes): an error
        # raised in a worker process reaches the server as the same error.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))

    @property
    def errors(self) -> Sequence[FieldError]:
        """The problems one by one (none when the message says it all)."""
        return ()


class InputError(QurbError):
    """Bad input: every problem found, each with its row and field; nothing was written.

    A subclass that words its own message (`worded`) keeps it on every face: the API
    shows `str(error)` rather than a summary of the first problems."""

    worded: ClassVar[bool] = False

    def __init__(
        self,
        errors: Sequence[FieldError] | str = (),
        source: str = "",
        *,
        hint: str = "",
        code: str = "",
        values: Mapping[str, Any] | None = None,
    ) -> None:
        if isinstance(errors, str) or (code and not errors):  # a message naming the file or field
            errors = errors if isinstance(errors, str) else ""
            self._errors: tuple[FieldError, ...] = ()
            self.source = source
            super().__init__(errors, hint=hint, code=code, values=values)
            return
        self._errors = tuple(errors)
        self.source = source
        head = f"{source}: " if source else ""
        lines = "\n".join(f"  - {e}" for e in self._errors)
        super().__init__(
            f"{head}{len(self._errors)} problem(s), nothing was written:\n{lines}", hint=hint
        )

    @property
    def errors(self) -> Sequence[FieldError]:
        return self._errors

    def rendered(self, say: Say) -> str:
        if self.code or self.worded or not self._errors:
            return super().rendered(say)
        return listed(self._errors, say, self.source)


class NotFound(QurbError, LookupError):
    """The thing asked for does not exist (the message names it and may suggest others)."""

    def __init__(
        self,
        message: str = "",
        *,
        hint: str = "",
        errors: Sequence[FieldError] = (),
        code: str = "",
        values: Mapping[str, Any] | None = None,
    ) -> None:
        self._errors = tuple(errors)
        if not message and not code:  # worded as a refused write, as the registry always has
            message = str(InputError(self._errors))
        super().__init__(message, hint=hint, code=code, values=values)

    @property
    def errors(self) -> Sequence[FieldError]:
        return self._errors

    def rendered(self, say: Say) -> str:
        if self.code or not self._errors:
            return super().rendered(say)
        return listed(self._errors, say)


class Conflict(QurbError):
    """A write that clashes with what is stored; nothing was written."""


class StaleVersion(Conflict):
    """A write that named the version it read (`If-Match`, `--if-version`), while the
    record is now at `current`: someone changed it meanwhile. Nothing was written; read
    it again, then write."""

    code = "stale_version"

    def __init__(self, kind: str, entity_id: str, given: int | None, current: int) -> None:
        values = {"kind": kind, "id": entity_id, "given": given, "current": current}
        super().__init__(code="stale_version", values=values)
        self.current = current


class PreconditionRequired(QurbError):
    """A write to a record that did not say which version of it it read (the web's
    `If-Match`, answered 428): without it, it could overwrite a change it never saw."""


class Forbidden(QurbError):
    """The actor may not do this (read-only server, no grant on this territory)."""


class Unauthenticated(Forbidden):
    """Who asks is not proven: a wrong username or password, an unknown, expired or
    revoked token (the web answers 401)."""


class Throttled(Unauthenticated):
    """Too many failed attempts: try again after `retry_after_s` seconds (the web answers
    429 with Retry-After). Nothing was checked."""

    def __init__(
        self,
        message: str = "",
        *,
        retry_after_s: int,
        code: str = "",
        values: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, code=code, values=values)
        self.retry_after_s = retry_after_s


class Unavailable(QurbError):
    """The server cannot do this now: every slot for heavy work is taken
    (`retry_after_s` says when to try again), or the work ran past its deadline or lost
    its worker (ask for less). Nothing was written."""

    def __init__(
        self,
        message: str = "",
        *,
        hint: str = "",
        retry_after_s: int | None = None,
        code: str = "",
        values: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, hint=hint, code=code, values=values)
        self.retry_after_s = retry_after_s


def listed(errors: Sequence[FieldError], say: Say, source: str = "") -> str:
    """`N problem(s), nothing was written:` and one line per problem, as `str(InputError)`
    words them, in the reader's language."""
    lines = "\n".join(f"  - {e.located(say)}" for e in errors)
    text = say("error.not_written", {"count": len(errors), "lines": lines})
    return f"{source}: {text}" if source else text


def _english(key: str, values: Mapping[str, Any]) -> str:
    from qurb.kernel.i18n import say_in  # the catalogues import this module

    return say_in("en")(key, values)


def _rebuild(kind: type[QurbError], args: tuple[Any, ...], state: dict[str, Any]) -> QurbError:
    error = kind.__new__(kind)
    error.args = args
    error.__dict__.update(state)
    return error
