"""`make bench`: flax_auto measured against transformers' own Flax auto classes.

Every number is a median of repeated, interleaved runs taken in the same
process or session as the upstream number it is compared with, so the ratios
hold even when the machine is busy. `python -m bench` runs it all and writes
bench/results.json and bench/RESULTS.md.
"""
