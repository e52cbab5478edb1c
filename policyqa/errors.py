"""Domain errors. The CLI and the HTTP API translate them at the edges."""

from __future__ import annotations


class PolicyQAError(Exception):
    """Base of every error the product raises on purpose."""


class IngestError(PolicyQAError):
    """A file could not be ingested. The message names the file and the reason."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class UnsupportedFormatError(IngestError):
    """The file's content is not a format we read (whatever its extension says)."""


class DecodeError(IngestError):
    """Text whose encoding cannot be determined with confidence."""


class ResourceLimitError(IngestError):
    """The file exceeded a size, page, time or memory limit (bombs, huge files)."""


class NotFoundError(PolicyQAError):
    """A document or chunk that does not exist (or that the caller may not see)."""


class IndexMismatchError(PolicyQAError):
    """The index on disk was built with other settings than the ones in force."""


class IndexBusyError(PolicyQAError):
    """Another process holds the ingest lock."""


class AccessDeniedError(PolicyQAError):
    """The caller may not do this (an upload at an access level their key cannot see)."""

    def __init__(self, message: str, requested: str | None = None):
        super().__init__(message)
        self.requested = requested


class InvalidQueryError(PolicyQAError):
    """A query that cannot be served (empty, too long)."""


class InvalidAccessLevelError(PolicyQAError):
    """An access level that is not a plain name (``[a-z0-9_-]{1,32}``): never a path."""


class InvalidTextError(InvalidQueryError):
    """Text that is not valid Unicode text (a lone surrogate, a NUL, a non-character)."""


class StorageError(PolicyQAError):
    """The data directory cannot take a write (``policyqa.storage.storage_error`` builds these)."""


class DiskFullError(StorageError):
    """No space left on the data directory's file system (HTTP 507)."""


class ReadOnlyDataError(StorageError):
    """The data directory is read-only: reads work, writes cannot (HTTP 503)."""
