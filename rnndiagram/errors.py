"""Errors raised by rnndiagram: one base class, each subclass also the matching built-in."""

from __future__ import annotations


class RnnDiagramError(Exception):
    """Base of every error rnndiagram raises on purpose."""


class NotAModelError(RnnDiagramError, TypeError):
    """The object given is not a Keras model."""


class NotBuiltError(RnnDiagramError, ValueError):
    """The Keras model has no input shape yet, so its shapes cannot be known."""


class UnsupportedLayerError(RnnDiagramError, ValueError):
    """A layer cannot be handled the way it was asked to be."""


class OptionError(RnnDiagramError, ValueError):
    """A diagram option has a value it cannot take."""


class UnknownFormatError(RnnDiagramError, ValueError):
    """An output format (or file suffix) that rnndiagram does not write."""


class SourceError(RnnDiagramError, ValueError):
    """A model source (a file, ``module:attr``, ``example:NAME``) that cannot be read."""


class MissingDependencyError(RnnDiagramError, ImportError):
    """An optional package or program that this output needs is not installed."""


class OutputError(RnnDiagramError, OSError):
    """A file or folder that cannot be written where the user asked."""


class RnnDiagramWarning(UserWarning):
    """Something the user asked for that cannot be honoured, said rather than dropped
    (the command line prints it as one ``Warning:`` line)."""
