"""Text normalisation: decoding raw bytes, cleaning text, slugs and content hashes."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from .errors import UnreadableInput

_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
_SPACES = re.compile(r"[ \t\u00a0\u2007\u202f]+")
_BLANKS = re.compile(r"\n\s*\n+")
# The combining marks that NFKD splits off Latin letters (a regex is ~20x faster than a loop).
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


def decode(raw: bytes, name: str = "input") -> str:
    """Decode bytes as UTF-8 (with or without BOM), else cp1252; refuse binary data."""
    if b"\x00" in raw[:4096] and raw.count(b"\x00") > len(raw) // 100:
        raise UnreadableInput(f"{name}: looks like a binary file, not text")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableInput(f"{name}: cannot be decoded as UTF-8 or Windows-1252 text")


def clean_text(text: str) -> str:
    """NFC-normalise, drop control characters, unify line ends and collapse spaces."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def clean_line(text: str) -> str:
    """A single-line value (title, name): cleaned, with all white space collapsed."""
    return " ".join(clean_text(text).split())


def join_paragraphs(paragraphs: list[str]) -> str:
    """The body format: one paragraph per block, blocks separated by a blank line."""
    return "\n\n".join(p for p in (clean_line(p) for p in paragraphs) if p)


def normalise_body(body: str) -> str:
    """Paragraphs cleaned and separated by exactly one blank line."""
    return join_paragraphs(_BLANKS.split(clean_text(body)))


def fold(text: str) -> str:
    """Lowercase, strip accents and expand ligatures (é→e, œ→oe)."""
    text = text.translate(_LIGATURES)
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).lower()


def content_hash(body: str) -> str:
    """Hash of the body's words, folded, so that layout and case changes do not count."""
    words = re.findall(r"\w+", fold(body))
    return "sha256:" + hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


def slugify(text: str, max_length: int = 60) -> str:
    """A readable ASCII slug: 'Élections à Kayes' → 'elections-a-kayes'."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug
