"""``python -m benchmarks``: run every benchmark and print the figures (see run.py)."""

from benchmarks.run import main

main()
