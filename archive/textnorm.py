"""Text normalisation: decoding raw bytes, cleaning text, slugs and content hashes."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from .errors import UnreadableInput

_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u202a-\u202e"
    r"\u2060-\u2064\u2066-\u2069\ufeff]"
)
_SPACES = re.compile(r"[ \t\u00a0\u2007\u202f]+")
_BLANKS = re.compile(r"\n\s*\n+")
# The combining marks that NFKD splits off Latin letters (a regex is ~20x faster than a loop).
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


# Lone surrogates are not text (no UTF-8 input yields them) and break every later encoding.
_SURROGATE = re.compile("[\ud800-\udfff]")


def has_lone_surrogate(text: str) -> bool:
    """True when a str holds lone surrogates (only Python callers can make such strings)."""
    return _SURROGATE.search(text) is not None


def decode(raw: bytes, name: str = "input", notes: list[str] | None = None) -> str:
    """Decode bytes as UTF-8 (BOM or not), UTF-16 with a BOM, else line by line as UTF-8 or
    cp1252; refuse binary data. Repairs made are appended to `notes` when it is given."""
    notes = [] if notes is None else notes
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableInput(f"{name}: has a UTF-16 mark but is not UTF-16 text") from None
        notes.append("decoded as UTF-16 (byte order mark)")
        return text.lstrip("\ufeff")
    nuls = raw.count(b"\x00")
    if nuls > len(raw) // 100:
        raise UnreadableInput(f"{name}: looks like a binary file, not text")
    if nuls:
        # a few stray NULs (a botched save) carry no text: drop them, keep the page
        raw = raw.replace(b"\x00", b"")
        notes.append(f"{nuls} NUL byte(s) dropped")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Line by line: a UTF-8 page pasted into a cp1252 one keeps its accents on both sides.
    lines = raw.splitlines(keepends=True)
    out: list[str] = []
    fallback = utf8 = 0
    for number, line in enumerate(lines, start=1):
        try:
            out.append(line.decode("utf-8-sig" if number == 1 else "utf-8"))
            utf8 += not line.isascii()
            continue
        except UnicodeDecodeError:
            pass
        try:
            out.append(line.decode("cp1252"))
        except UnicodeDecodeError:
            raise UnreadableInput(
                f"{name}: line {number} cannot be decoded as UTF-8 or Windows-1252 text"
            ) from None
        fallback += 1
    if not utf8:
        notes.append("decoded as Windows-1252 (not UTF-8)")
    else:
        notes.append(f"mixed encodings: {fallback} line(s) decoded as Windows-1252, "
                     f"{utf8} as UTF-8")
    return "".join(out)


def clean_text(text: str) -> str:
    """Drop control characters, NFC-normalise, unify line ends and collapse spaces.

    Control characters go first: one between a letter and its accent (`e\u200b\u0301`) would
    otherwise keep them apart through NFC, and the result would not be clean text itself.
    """
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = unicodedata.normalize("NFC", text)
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
    # clean_text is idempotent and works line by line: the paragraphs of a cleaned body only
    # need their lines joined (what clean_line would do, without cleaning them a second time).
    paragraphs = (" ".join(p.split()) for p in _BLANKS.split(clean_text(body)))
    return "\n\n".join(p for p in paragraphs if p)


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
