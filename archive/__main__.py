"""`python -m archive` runs the archive command."""

from .cli import main

main()
