"""Ingest: pages and exports become article files in data/.

The pipeline detects each input's format (`importers/`, one module per format), cleans and
completes each record (bylines, organisations, ids), merges re-imports three ways with what
the last import wrote (`importbase`), and writes the files.

Public API: `import_paths`, `check_archive`, `ImportReport`, `parse_mapping`.
"""

from .pipeline import ImportReport, check_archive, import_paths, parse_mapping

__all__ = ["ImportReport", "check_archive", "import_paths", "parse_mapping"]
