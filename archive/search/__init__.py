"""Search: a request in the French query language becomes a page of hits, facets, histogram.

`request` (what is asked, its checks, the result dataclasses), `querylang` (parsing),
`querybuild` (Whoosh queries), `docsets` (matching documents as arrays), `ranking` (the terms
that score a query), `snippets`, `suggest` (respellings), `run` (one search, start to end),
`plaintext` (results as text, for the command line), `records` (an article or a hit as the
record the API, the exports and the command line print). Postings, phrases and BM25F
arithmetic come from `archive.engine`.

Public API: `search`, `related`, `facet_values`, `SearchRequest`, `SearchResult`, `Hit`,
`FacetCount`.
"""

from .request import FacetCount, Hit, SearchRequest, SearchResult
from .run import facet_values, related, search

__all__ = ["FacetCount", "Hit", "SearchRequest", "SearchResult", "facet_values", "related",
           "search"]
