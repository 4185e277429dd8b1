"""Graphviz in the tests: its parser for syntax, its layout only where the layout is tested.

``nop`` is Graphviz's own DOT reader without a layout: it rejects what ``dot`` rejects (a
syntax error, a token over 16 KiB) in a fraction of a second, so a syntax check needs no
time limit, however big the graph or busy the machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

# CI installs Graphviz, so there a missing `dot` is a failure, never a skip.
needs_dot = pytest.mark.skipif(shutil.which("dot") is None and not os.environ.get("CI"),
                               reason="the Graphviz `dot` binary is not installed")


def parse_dot(source: str) -> str:
    """The canonical DOT that Graphviz's parser makes of ``source``; a rejection fails the test."""
    result = subprocess.run(["nop"], input=source.encode("utf-8"), capture_output=True, check=False)
    assert result.returncode == 0, result.stderr.decode()
    assert b"syntax error" not in result.stderr, result.stderr.decode()
    return result.stdout.decode("utf-8")


def layout_dot(source: str, fmt: str = "svg") -> str:
    """``dot -T<fmt>``: a full layout, for the tests of what Graphviz draws from our DOT."""
    result = subprocess.run(["dot", f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True, check=False)
    assert result.returncode == 0, result.stderr.decode()
    assert b"syntax error" not in result.stderr, result.stderr.decode()
    return result.stdout.decode("utf-8")
