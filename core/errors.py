"""One exception family per failure domain.

Every error carries a message written for the person who has to act on it
(a clinician in the app, a developer at the CLI): what went wrong and how to
fix it. Nothing here includes patient identifiers.
"""

from __future__ import annotations


class PixtralogistError(Exception):
    """Base class of every error the project raises on purpose."""


# --- input -----------------------------------------------------------------


class IngestError(PixtralogistError):
    """An uploaded study or image cannot be used."""


class UnsupportedFormatError(IngestError):
    """The file is not a PNG, JPEG or DICOM image."""


class CorruptImageError(IngestError):
    """The file claims a supported format but cannot be decoded (truncated, damaged, no pixel data)."""


class ImageTooLargeError(IngestError):
    """The file or its pixel count exceeds the configured limits."""


class TooManyImagesError(IngestError):
    """A case has fewer than one or more than the allowed number of images."""


class CaseError(PixtralogistError):
    """The case itself is invalid (e.g. notes too long, unknown specialty hint)."""


class StaleCaseError(CaseError):
    """An action was prepared on an older version of the case (someone else changed it since the
    clinician's screen was drawn): nothing was applied. ``current`` holds the case as it now stands."""

    def __init__(self, message: str, current: object = None) -> None:
        super().__init__(message)
        self.current = current


class MarkupError(CaseError):
    """Text meant for a report or a case carries markup (HTML tags, Markdown images or links,
    web or script addresses) or control characters. Reports are plain text: nothing is saved."""


# --- plugins ---------------------------------------------------------------


class PluginError(PixtralogistError):
    """A plugin is missing, broken, or contributed something invalid."""


class UnknownSpecialtyError(PluginError):
    """No installed plugin provides the requested specialty."""


class DuplicateRegistrationError(PluginError):
    """Two plugins registered the same name (specialty, template id, snippet id)."""


# --- drafting / models -----------------------------------------------------


class DraftingError(PixtralogistError):
    """A draft could not be produced."""


class BackendError(DraftingError):
    """A model backend failed (not configured, not loadable, server down, bad answer)."""


class ConfigError(PixtralogistError):
    """Configuration is invalid or refers to something that does not exist."""


class DataError(PixtralogistError):
    """A data set (IU X-Ray archive, annotation file, feedback store) is missing or malformed."""


class AuditError(DataError):
    """The audit log, its key or its anchor is missing or unreadable, or the log fails verification."""


class EngineUnavailableError(PixtralogistError):
    """The app cannot reach the agent's engine (its own process under ``pixtralogist serve``): it
    stopped or died. Nothing saved is lost; the app stops so that its supervisor starts it again."""


class ExportError(PixtralogistError):
    """A report cannot be exported in the requested format (e.g. DICOM SR for a case without DICOM images)."""


class RoutingError(PluginError):
    """No template fits a case confidently; the clinician must choose a specialty."""

    def __init__(self, message: str, candidates: list | tuple = ()) -> None:
        super().__init__(message)
        self.candidates = list(candidates)
