"""The PACS family of errors: one type per failure family, each message says what to do."""

from __future__ import annotations

from pixtralogist.core.errors import PixtralogistError

__all__ = ["PacsError", "PacsInputError", "PacsUnavailableError"]


class PacsError(PixtralogistError):
    """Anything that goes wrong talking to a PACS, a listener peer or a FHIR server."""


class PacsUnavailableError(PacsError):
    """The PACS (or FHIR server) cannot be reached, refuses the connection or answers with a server error:
    worth retrying later (the outbox does)."""


class PacsInputError(PacsError):
    """What came from the network cannot be used: a study with no images, an unsupported SOP class, an
    oversize series, a malformed DICOMweb answer. Retrying does not help; the message says why."""
