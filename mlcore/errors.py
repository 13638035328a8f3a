"""Every error mlcore raises on purpose: one base, one kind per problem.

Messages are written for the person who has to act on them (an uploader, an operator
running a command), in one line. Callers catch :class:`MlcoreError` to handle them all, or
a kind to handle one; the web app maps the kinds to HTTP statuses in one place.
"""

from __future__ import annotations


class MlcoreError(Exception):
    """Base of the errors mlcore raises; the message is fit to show as it is."""


class ImageError(MlcoreError, ValueError):
    """The bytes are not an image this library can read (or break one of its limits)."""


class ArtifactError(MlcoreError):
    """The model artifact is missing, cannot be read, or is newer than this code."""


class VersionNotInstalled(ArtifactError):
    """The version the site activated has no files on this machine."""


class DatasetError(MlcoreError):
    """A data set is missing, malformed or cannot be downloaded."""


class InvalidOption(MlcoreError, ValueError):
    """An option or argument is out of its range (a caller's mistake, not the data's)."""


class TrainingError(MlcoreError):
    """Training cannot go on (beyond a data set or artifact problem)."""


class ModelBuildError(TrainingError, ValueError):
    """Unknown backbone or unusable weights."""


class ModelBusy(MlcoreError):
    """The model stayed busy with other requests for longer than the caller would wait."""


class OutOfTime(MlcoreError):
    """A command ran past the time budget it was given."""
