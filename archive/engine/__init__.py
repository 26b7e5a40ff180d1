"""The engine: the only code that relies on Whoosh's private internals.

`segmentwriter` (a cheaper postings pool for Whoosh's segment writer, writing the same files).
"""
