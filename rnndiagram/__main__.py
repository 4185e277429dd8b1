"""``python -m rnndiagram``: the command line, as the ``rnndiagram`` script runs it."""

from .cli import main

main(prog_name="rnndiagram")
