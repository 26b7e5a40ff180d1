"""Bodies that are probably not an article's text: paywall teasers and fragments.

Such a body is imported (it may be all the archive will ever have of that article) but
reported as suspicious, and it never makes another article a duplicate: several distinct
articles of a paywalled site share the same teaser.
"""

from __future__ import annotations

import re

from ..textnorm import fold

# Folded (lowercase, no accents) phrases of paywall and subscription teasers. None of them
# occurs in the 2,295 articles of the shared corpus.
TEASER_PHRASES = (
    "pourquoi vous devez soutenir",
    "reserve aux abonnes",
    "reservee aux abonnes",
    "reserve a nos abonnes",
    "reservee a nos abonnes",
    "cet article est reserve",
    "la suite est reservee",
    "pour lire la suite",
    "abonnez-vous pour lire",
    "connectez-vous pour lire",
    "deja abonne",
)
MIN_WORDS = 30  # below this a body is a fragment, whatever the archive's usual length
USUAL_FRACTION = 10  # ... and below a tenth of the archive's median length


# A body that ends in an ellipsis between brackets was cut short by its source ("(...)", "[…]")
_CUT_SHORT = re.compile(r"[(\[]\s*(?:\.{3}|…)\s*[)\]]\s*$")
EDGE_CHARS = 1500  # teasers open or close a body: only its ends are looked at (folding is slow)


def suspicion(body: str, median_words: int | None = None) -> str | None:
    """Why a body looks like a teaser or a fragment rather than an article; None if it does not."""
    ends = body if len(body) <= 2 * EDGE_CHARS else f"{body[:EDGE_CHARS]}\n{body[-EDGE_CHARS:]}"
    folded = fold(ends)
    phrase = next((p for p in TEASER_PHRASES if p in folded), None)
    if phrase:
        return f"body looks like a paywall or subscription teaser (« {phrase} »)"
    if cut := _CUT_SHORT.search(body):
        return f"body ends with « {cut.group().strip()} »: the source cut the article short"
    words = len(re.findall(r"\w+", body))
    floor = max(MIN_WORDS, (median_words or 0) // USUAL_FRACTION)
    if words < floor:
        usual = f", the archive's median is {median_words}" if median_words else ""
        return f"body has only {words} words{usual}: a fragment?"
    return None
