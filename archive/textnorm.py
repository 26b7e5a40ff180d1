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
# In a text holding non-breaking spaces: runs of spaces other than one plain space (so that the
# callback judging them does not run for every word), and runs of any white space.
_ODD_SPACES = re.compile(r"(?: +(?=[ \t\u00a0\u2007\u202f])|[\t\u00a0\u2007\u202f])"
                         r"[ \t\u00a0\u2007\u202f]*")
_ODD_WHITE = re.compile(r"(?: +(?=\s)|[^\S ])\s*")
# French typography puts a non-breaking space (U+00A0) or a narrow one (U+202F) inside « » and
# before : ; ! ?. It is kept there (one of it); everywhere else a run of spaces becomes one
# ordinary space, since scraped pages use &nbsp; for layout and in names.
_NO_BREAK = ("\u202f", "\u00a0")
_BEFORE_TYPO_SPACE = "»:;!?"
_BLANKS = re.compile(r"\n\s*\n+")
# The combining marks that NFKD splits off Latin letters (a regex is ~20x faster than a loop).
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_LIGATURES = (("œ", "oe"), ("Œ", "OE"), ("æ", "ae"), ("Æ", "AE"), ("ß", "ss"))


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


# Mojibake: UTF-8 bytes read as Windows-1252/Latin-1 ("Ã©tÃ©", "lâ€™") or as Mac Roman
# ("Pr√©sent", "l‚Äô"): the lead byte of an accented letter (C2, C3, C5) or of punctuation (E2)
# followed by continuation bytes, as those encodings show them. None of these pairs occurs in
# the 2,295 articles and 35 pages of the shared corpus.
_CONTINUATION = "\x80-\xbf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
_MAC_CONTINUATION = "ÄÅÇÉÑÖÜáàâäãåçéèêëíìîïñóòôöõúùûü†°¢£§•¶ß®©™´¨≠ÆØ∞±≤≥¥µ∂∑∏π∫ªºΩæø"
# Punctuation (’ “ ” – …) starts with E2 80: "â€" or "‚Ä" is mojibake even cut short.
MOJIBAKE = re.compile(f"[ÂÃÅ][{_CONTINUATION}]|â[€\x80][{_CONTINUATION}]?|â[{_CONTINUATION}]{{2}}"
                      f"|[¬√≈][{_MAC_CONTINUATION}]|‚[{_MAC_CONTINUATION}]{{1,2}}")


def mojibake_count(text: str) -> int:
    """How many typical mojibake sequences a text holds (see MOJIBAKE)."""
    return len(MOJIBAKE.findall(text))


def repair_mojibake(text: str) -> tuple[str, int, int]:
    """The text with its mojibake repaired by ftfy, line by line; also how many typical
    sequences were repaired and how many are left (those ftfy could not decode).

    Only lines holding a typical sequence are given to ftfy, and only its encoding fixes are
    used: quotes, ligatures, widths and line breaks stay as the page has them.
    """
    if MOJIBAKE.search(text) is None:
        return text, 0, 0
    import ftfy  # only a text with mojibake pays for it
    import ftfy.bad_codecs  # noqa: F401  (registers the sloppy-windows-1252 codec)

    config = ftfy.TextFixerConfig(
        unescape_html=False, remove_terminal_escapes=False, fix_encoding=True,
        restore_byte_a0=True, replace_lossy_sequences=False, decode_inconsistent_utf8=True,
        fix_c1_controls=True, fix_latin_ligatures=False, fix_character_width=False,
        uncurl_quotes=False, fix_line_breaks=False, fix_surrogates=False,
        remove_control_chars=False, normalization=None, explain=False)
    lines = text.split("\n")
    found = left = 0
    for number, line in enumerate(lines):
        before = mojibake_count(line)
        if not before:
            continue
        lines[number], after = _fix_line(line, before, ftfy, config)
        # a character the wrong decoding lost for good (� in the line) is not repaired either
        after = min(before, after + lines[number].count("\ufffd"))
        found += before
        left += after
    return "\n".join(lines), found - left, left


def _fix_line(line: str, count: int, ftfy, config) -> tuple[str, int]:
    """One line repaired whole, then word by word where sequences remain (a line mixing two
    kinds, say a Mac Roman name in a Windows-1252 sentence: ftfy decodes one kind a line)."""
    fixed, left = _fixed(line, count, ftfy, config)
    if left:
        words = re.split(r"(\s+)", fixed)
        for index, word in enumerate(words):
            if MOJIBAKE.search(word):
                words[index] = _fixed(word, mojibake_count(word), ftfy, config)[0]
                if MOJIBAKE.search(words[index]):
                    words[index] = _decoded(words[index])
        fixed = "".join(words)
        left = mojibake_count(fixed)
    return fixed, left


# ftfy leaves a word alone when its heuristics find it plausible ("B√¢tisseur"): a word that
# still holds a typical sequence is decoded back by hand when that yields clean UTF-8.
_MOJIBAKE_CODECS = ("sloppy-windows-1252", "mac_roman", "latin-1")


def _decoded(word: str) -> str:
    for codec in _MOJIBAKE_CODECS:
        try:
            decoded = word.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if not MOJIBAKE.search(decoded) and "\ufffd" not in decoded:
            return decoded
    return word


def _fixed(text: str, count: int, ftfy, config) -> tuple[str, int]:
    """ftfy's repair of a text when it leaves fewer sequences and invents no U+FFFD (a byte lost
    before us is not guessed back); else the text as it was."""
    fixed = ftfy.fix_text(text, config)
    left = mojibake_count(fixed)
    if left < count and fixed.count("\ufffd") <= text.count("\ufffd"):
        return fixed, left
    return text, count


def clean_text(text: str) -> str:
    """Drop control characters, NFC-normalise, unify line ends and collapse spaces.

    Control characters go first: one between a letter and its accent (`e\u200b\u0301`) would
    otherwise keep them apart through NFC, and the result would not be clean text itself.
    """
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = unicodedata.normalize("NFC", text)
    if _has_no_break(text):
        lines = [_ODD_SPACES.sub(_space, line).strip() for line in text.split("\n")]
    else:
        lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def _has_no_break(text: str) -> bool:
    return "\u00a0" in text or "\u202f" in text


def _space(match: re.Match[str]) -> str:
    """One run of white space: a French non-breaking space where typography puts one, else ' '."""
    run, line = match.group(0), match.string
    kept = next((c for c in _NO_BREAK if c in run), None)
    if kept is None:
        return " "
    start, end = match.start(), match.end()
    if (start and line[start - 1] == "«") or (end < len(line) and line[end] in _BEFORE_TYPO_SPACE):
        return kept
    return " "


def strip_controls(text: str) -> str:
    """The text without control characters, bidirectional and zero-width ones included (a
    right-to-left override makes `https://evil.example/…` display as another address)."""
    return _CONTROL.sub("", text)


def clean_line(text: str) -> str:
    """A single-line value (title, name): cleaned, with all white space collapsed (French
    non-breaking spaces inside « » and before : ; ! ? kept)."""
    if "\n" not in text and _is_clean(text):
        return text
    return _clean_line_fully(text)


def _clean_line_fully(text: str) -> str:
    return _one_line(clean_text(text))


def _one_line(text: str) -> str:
    """White space collapsed to single spaces, typographic non-breaking spaces kept."""
    if _has_no_break(text):
        return _ODD_WHITE.sub(_space, text).strip()
    return " ".join(text.split())


# Every white space character (str.isspace, which str.strip, str.split and \\s follow) but the
# plain space, the line feed and the two non-breaking spaces French typography keeps, and every
# control character `clean_text` drops: a text holding none of them may already be clean.
_UNCLEAN = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u1680\u180e\u2000-\u200f"
                      r"\u2028-\u202e\u205f-\u2064\u2066-\u2069\u3000\ufeff]")
# A non-breaking space clean text would not keep: at either end of a line, next to other white
# space, or neither after « nor before » : ; ! ? (see `_space`).
_LOST_NO_BREAK = re.compile(r"(?<!\S)[\u00a0\u202f]|[\u00a0\u202f](?!\S)"
                            r"|(?<!«)[\u00a0\u202f](?![»:;!?])")


def _is_clean(text: str) -> bool:
    """True when `normalise_body` (and, for a text of one line, `clean_line`) returns `text`
    unchanged: no control or odd white space character, NFC, single plain spaces inside lines
    only, typographic non-breaking spaces where `_space` keeps them, and paragraphs of one line
    each separated by exactly one blank line. Much cheaper than the cleaning it spares.
    """
    # Most texts: paragraphs of printable characters only (no control, line break or white
    # space but the plain space, none of which str.isprintable takes), one C pass each.
    for paragraph in text.split("\n\n"):
        if (not paragraph or not paragraph.isprintable() or paragraph[0] == " "
                or paragraph[-1] == " "):
            return _is_clean_slowly(text)
    return "  " not in text and unicodedata.is_normalized("NFC", text)


def _is_clean_slowly(text: str) -> bool:
    """`_is_clean` for any text: with non-breaking spaces, or characters not printable."""
    if (_UNCLEAN.search(text) is not None or "  " in text or " \n" in text or "\n " in text
            or text.startswith((" ", "\n")) or text.endswith((" ", "\n")) or "\n\n\n" in text
            or text.count("\n") != 2 * text.count("\n\n")):  # a line break inside a paragraph
        return False
    if _has_no_break(text) and _LOST_NO_BREAK.search(text) is not None:
        return False
    return unicodedata.is_normalized("NFC", text)


def join_paragraphs(paragraphs: list[str]) -> str:
    """The body format: one paragraph per block, blocks separated by a blank line."""
    return "\n\n".join(p for p in (clean_line(p) for p in paragraphs) if p)


def normalise_body(body: str) -> str:
    """Paragraphs cleaned and separated by exactly one blank line."""
    text = body.strip("\n")
    if _is_clean(text):  # a file's body as written by import: already normal
        return text
    return _normalise_body_fully(body)


def _normalise_body_fully(body: str) -> str:
    # clean_text is idempotent and works line by line: the paragraphs of a cleaned body only
    # need their lines joined (what clean_line would do, without cleaning them a second time).
    paragraphs = (_one_line(p) for p in _BLANKS.split(clean_text(body)))
    return "\n\n".join(p for p in paragraphs if p)


def fold(text: str) -> str:
    """Lowercase, strip accents and expand ligatures (é→e, œ→oe)."""
    if text.isascii():  # most words: nothing to decompose (3x faster on the corpus's words)
        return text.lower()
    # str.translate looks each character of a non-ASCII text up in a dict: a search per
    # ligature made folding the corpus's bodies 6x faster.
    for ligature, letters in _LIGATURES:
        if ligature in text:
            text = text.replace(ligature, letters)
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
