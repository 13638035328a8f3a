"""Every error mlcore raises on purpose: one base, one kind per problem.

Messages are written for the person who has to act on them (an uploader, an operator
running a command), in one line. Callers catch :class:`MlcoreError` to handle them all, or
a kind to handle one; the web app maps the kinds to HTTP statuses in one place.
"""

from __future__ import annotations


def gettext_noop(message: str) -> str:
    """Marks ``message`` for translation: Django's makemessages finds it, and an app shows
    it in its user's language (:func:`translated`). mlcore itself speaks English."""
    return message


class MlcoreError(Exception):
    """Base of the errors mlcore raises; the message is fit to show as it is.

    ``template`` (marked with :func:`gettext_noop`) and ``params`` are the message before
    %-formatting, for an app to translate; they survive pickling (a decode in a sandboxed
    child process raises them in the parent)."""

    def __init__(self, template: str = "", **params: object) -> None:
        super().__init__(template % params if params else template)
        self.template, self.params = template, params

    def __reduce__(self):
        return (_rebuild, (type(self), self.template, self.params))


def _rebuild(kind: type[MlcoreError], template: str, params: dict) -> MlcoreError:
    return kind(template, **params)


def translated(error: MlcoreError, gettext) -> str:
    """``error``'s message through ``gettext`` (the app's), formatted as mlcore formats it."""
    template = gettext(error.template)
    return template % error.params if error.params else template


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
