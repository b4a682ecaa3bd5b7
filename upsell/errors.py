"""Errors meant for the person running the pipeline: one clear sentence, no traceback."""


class UpsellError(Exception):
    """A problem the user can fix (bad option, bad path, bad input file)."""
