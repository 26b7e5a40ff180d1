"""Bylines: find the signature that ends an article and turn it into author names.

Decisions, so that every importer signs articles the same way:
- `author` holds people only. Agency tags (`(afp/nxp)`, `APS`, `AMAP`, `© AFP`, `Avec l'Agence
  France-Presse`), desk signatures (`La Rédaction`, `(TDG)`, `(Le Matin)`) and source lines
  (`Source : L'Essor`) are signatures too: they leave the body, but name nobody.
- Names keep the case and the initials the paper printed (`Moussa KONE`, `A.T. Diarra`, `Y.D.`);
  only spacing is mended: a missing space after an initial is added (`Y.Doumbia` → `Y. Doumbia`).
- A paper that signs "name/agency" (`L. M./Agences`) gives the name; roles after a comma
  (`Jean Dupont, correspondant à Kayes`) are dropped.
- A byline is a short line made only of names, initials and particles: any lowercase word that
  is not a particle (a verb, an article, a noun) means a sentence, which is never taken.
"""

from __future__ import annotations

import re

from ..textnorm import clean_line, fold

MAX_LINE_CHARS = 160
MAX_NAME_WORDS = 5
MAX_SIGNATURE_LINES = 3

AGENCIES = frozenset(
    "afp ap ats sda reuters belga apa aps amap tap map anp aip aib acp xinhua dpa efe ansa nxp upi "
    "pana apanews sipa kyodo mena wafa agences agence bbc".split()
) | {"agence france-presse", "agence france presse", "associated press", "apa news", "bbc news",
     "bbc afrique", "bbc sport"}
DESKS = frozenset(
    {"la redaction", "redaction", "la redac", "le desk", "service communication", "avec agences"}
)
# words of page furniture and places that a two-word "name" test would otherwise accept
NOT_NAMES = frozenset(
    "flash infos info accueil actualites actualite publicite partager facebook twitter whatsapp "
    "lire suite commentaires commentaire mali bamako afrique france cote ivoire burkina faso niger "
    "senegal guinee kayes sikasso segou mopti gao tombouctou kidal koulikoro menaka".split()
)
# lower-case words allowed inside a name; not 'le'/'la', which let "Vive la République" in
PARTICLES = frozenset("de du des van von der den ben bin ibn ould ag el al".split())
_PREFIX = re.compile(
    r"^(?:(?:propos )?recueilli(?:e|s|es)? par|texte et photos?\s*:|textes?\s*:|reportage\s*:"
    r"|par\s*:|par|by)\s+",
    re.IGNORECASE,
)
_SOURCE = re.compile(r"^(?P<word>sources?|avec)\s*:?\s+", re.IGNORECASE)
_CREDIT = re.compile(r"^(?:©|\(c\)|copyright\b|photo\s*:|crédit\s*:)", re.IGNORECASE)
_PAREN_TAG = re.compile(r"(?<=[.!?…»\"”)])\s*\((?P<tag>[^()]{1,40})\)\s*$")
_INITIALS = re.compile(r"^(?:[^\W\d_][^\W\d_]?\.-?)+$")
_WORD = re.compile(r"^[^\W\d_](?:[^\W\d_]|['’-][^\W\d_])*\.?$")


def normalise_name(name: str) -> str:
    """Mend the spacing of a printed name: 'Y.Doumbia' → 'Y. Doumbia', case kept as printed."""
    name = clean_line(name).strip(" ,;:-–—")
    # an initial glued to the next name: a period, then an upper and a lower case letter
    name = re.sub(r"\.(?=([^\W\d_])[^\W\d_])", lambda m: ". " if m[1].isupper() else ".", name)
    return re.sub(r"\s+", " ", name).strip()


def _is_agency(text: str) -> bool:
    """An agency, a desk or an outlet sign, not a person."""
    key = fold(text).strip(" .()")
    key = re.sub(r"^(?:l'|l’)", "", key)
    if key in AGENCIES or key in DESKS:
        return True
    parts = [p.strip() for p in key.split("/") if p.strip()]
    return bool(parts) and all(p in AGENCIES or (p.isalpha() and len(p) <= 4) for p in parts) and (
        any(p in AGENCIES for p in parts)
    )


def _is_outlet(text: str) -> bool:
    """A newspaper's name as signature: '(TDG)', 'Le Matin', 'Le Parisien'."""
    words = text.split()
    if len(words) == 1:
        return bool(re.fullmatch(r"[A-Z]{2,6}", text))
    return (
        2 <= len(words) <= 3
        and words[0] in {"Le", "La", "Les", "L'", "L’"}
        and all(w[0].isupper() for w in words[1:])
    )


def _person(text: str) -> str | None:
    """The text as a person's name when it is one (1–5 name words or initials), else None."""
    name = normalise_name(text)
    words = name.split()
    if not words or len(words) > MAX_NAME_WORDS or _is_agency(name):
        return None
    if any(fold(word).strip(".'’") in NOT_NAMES for word in words):
        return None
    for position, word in enumerate(words):
        inner = 0 < position < len(words) - 1
        if word in PARTICLES:
            if not inner:
                return None  # 'de' or 'la' cannot open or close a name
            continue
        if word[:2] in ("d'", "d’") and word[2:3].isupper() and position > 0:
            continue  # Giscard d'Estaing
        if _INITIALS.match(word):
            continue
        if not _WORD.match(word) or not word[0].isupper() or len(word) == 1:
            return None  # a lone letter without its period is a word ('À'), not an initial
        if word.endswith(".") and len(word) > 4:
            return None  # a sentence's last word, not an abbreviated name
    if len(words) == 1 and not _INITIALS.match(words[0]):
        return None  # a lone word is a place, a section or a desk as often as a name
    if not any(ch.isalpha() for ch in name):
        return None
    return name


def _names(part: str) -> tuple[str, ...] | None:
    """People of one comma-free part ('A et B', 'A/Agences', 'A/Le Parisien'), or None."""
    names: list[str] = []
    for chunk in re.split(r"\s+(?:et|&|and)\s+|\s*/\s*|\s*;\s*", part):
        if not chunk or _is_agency(chunk) or (names and _is_outlet(chunk)):
            continue
        person = _person(chunk)
        if person is None:
            return None
        names.append(person)
    return tuple(names)


def _people(text: str, signed: bool) -> tuple[str, ...] | None:
    """Names in a byline ('A, B et C', 'A, correspondant à Kayes'), or None if not one.

    Comma parts are names until the first part that is not: from there on it is the
    writer's role. Without 'Par', a role must start in lower case ('correspondant', 'envoyé').
    """
    parts = [part.strip() for part in text.split(",")]
    found: list[str] = []
    for position, part in enumerate(parts):
        names = _names(part) if part else ()
        if names is None:
            if position == 0 or not (signed or part[0].islower()):
                return None
            break
        found.extend(names)
    return tuple(found)


def parse_byline(line: str) -> tuple[str, ...] | None:
    """The people a signature line names ((), for an agency or desk), or None if not a byline."""
    line = clean_line(line)
    if not line or len(line) > MAX_LINE_CHARS:
        return None
    if _CREDIT.match(line):
        return () if len(line.split()) <= 6 else None
    bare = line.strip("() ")
    if _is_agency(bare) or fold(bare).strip(" .") in DESKS:
        return ()
    if line.startswith("(") and line.endswith(")") and _is_outlet(bare):
        return ()
    source = _SOURCE.match(line)
    if source:
        rest = line[source.end() :].strip()
        if _is_agency(rest) or fold(rest).strip(" .") in DESKS:
            return ()
        short = len(rest.split()) <= 6 and not rest.endswith((".", "!", "?"))
        return () if short and source["word"].lower().startswith("source") else None
    prefix = _PREFIX.match(line)
    body = line[prefix.end() :] if prefix else line
    if prefix and body.endswith(".") and not body.endswith(".."):
        body = body[:-1]  # "Recueilli par Patrick ANGEVIN.": a signature ends a sentence too
    if not body or (not prefix and len(body.split()) > 2 * MAX_NAME_WORDS + 2):
        return None
    names = _people(body, signed=bool(prefix))
    if names is None or (not names and not prefix and "/" not in body):
        return None
    return names


def strip_trailing_tag(paragraph: str) -> tuple[str, tuple[str, ...] | None]:
    """Cut an end-of-text tag like '… en 1988. (afp/nxp)': the paragraph and the tag's people."""
    match = _PAREN_TAG.search(paragraph)
    if not match:
        return paragraph, None
    tag = match["tag"].strip()
    if _is_agency(tag) or _is_outlet(tag) or fold(tag) in DESKS:
        names: tuple[str, ...] = ()
    elif re.fullmatch(r"(?:[^\W\d_]\.\s?-?){1,3}", tag):
        names = (normalise_name(tag),)
    else:
        return paragraph, None
    return paragraph[: match.start()].rstrip(), names


# A byline opening the text, before what follows on its line: " - " or " * " and the writer's
# role or the text ("Par Kerry Torrens - Nutritionniste"), a period glued to the text, or a
# scraper's literal \n (cleaning, which makes it a line break, comes after the importer)
_OPENING = re.compile(
    r"^(?P<byline>(?:par|by)\s+[^\n]{3,60}?)(?:\s+[-–—*]\s+|\.(?=[A-ZÀ-Ý])|\s*\\n\s*)",
    re.IGNORECASE)


# The BBC's opening sign on the line after its author's name, glued to the text: "BBC News
# Mundo Excusez-moi…", "BBC News Brésil à Londres C'est…" (the corpus's BBC translations).
_BBC_SIGN = re.compile(
    r"^BBC News(?: (?:Mundo|Brésil|Brasil|Gales|Afrique|Africa|Arabic|Persian|Russian|Ukrainian|"
    r"Chinese|Hindi|Urdu|Turkish|World))?(?: à [A-ZÀ-Ý][\w-]+)?(?:,? +(?=[A-ZÀ-Ý«\"“]))")
# A reporter's social-media handle after the name ("André Biernath - @andre_biernath")
_HANDLE = re.compile(r"\s+(?:[-–—]\s+)?@\w{1,30}\s*$")


def _signed_by_bbc(line: str, after: str, paragraphs: list[str]
                   ) -> tuple[list[str], tuple[str, ...]] | None:
    """A name alone on the first line (or before the scraper's literal \\n), then the BBC's
    sign glued to the text: the paragraphs without the name, and the name. The sign stays,
    as "Par Leo Sands\\nBBC News L'Ukraine…" keeps it: it credits the outlet."""
    name, literal, glued = line.partition("\\n")
    if literal:
        following, others = glued.lstrip() + (f"\n{after}" if after else ""), paragraphs[1:]
    elif after:
        following, others = after, paragraphs[1:]
    elif len(paragraphs) > 1:
        following, others = paragraphs[1], paragraphs[2:]
    else:
        return None
    sign = _BBC_SIGN.match(following)
    names = parse_byline(_PREFIX.sub("", _HANDLE.sub("", name))) if sign else None
    if not names or not following[sign.end():].strip():
        return None
    return [following, *others], names


def split_opening_byline(paragraphs: list[str]) -> tuple[list[str], tuple[str, ...]]:
    """The paragraphs without the byline their text opens with, and the people it names:
    a first line of its own ("Par Leo Sands", "Thomas Naadi, BBC News"), or "Par" and a name
    set off from what follows ("Par Géry De Maet.Alors que…"). Nothing for anything else."""
    if not paragraphs:
        return paragraphs, ()
    line, _, after = paragraphs[0].partition("\n")
    names = parse_byline(line) if (after or len(paragraphs) > 1) else None
    # without "Par", a name and an outlet only ("Thomas Naadi, BBC News"): a first line
    # "Moussa Traoré, ministre de la Santé" heads an interview with him
    if names and (_PREFIX.match(line) or _is_agency(line.rpartition(",")[2])):
        rest = after.strip()
    elif (signed := _signed_by_bbc(line, after, paragraphs)) is not None:
        return signed
    elif (opening := _OPENING.match(line)) and (names := parse_byline(opening["byline"])):
        rest = "\n".join(part for part in (line[opening.end():].strip(), after.strip()) if part)
    else:
        return paragraphs, ()
    kept = [p for p in (rest, *paragraphs[1:]) if p]
    return (kept, names) if kept else (paragraphs, ())  # never the whole text as a byline


# A report's credit ending the text, as the BBC's videos and reports sign theirs: "Un reportage
# de Late Wodi Lawson.", "Vidéo de Sally Boyani et Anne Okumu Réalisation : Mercy Juma",
# "Reporter : Gaius Kowene pour Questions d'Argent Montage : …"; the crew after the reporters
# (editing, production) are not the authors. Related headlines may still follow it (cleaning
# drops them later), or the programme's other episodes.
_REPORT_CREDIT = re.compile(
    r"(?:^|(?<=[.!?…»\"”]\s))(?:Un |Une )?(?:[Rr]eportage|[Vv]idéo|[Rr]eporter)\s*"
    r"(?:de\s+|d['’]|:\s*)(?P<names>[^.:\n]{3,120}?)(?:\s+pour\s+[^.\n]{3,80}?)?"
    r"(?:\s+(?:Réalisation|Montage|Images|Production|Vidéo)\s*:\s*[^.:\n]{3,80}?)*\.?"
    r"(?=\s*(?:$|(?:A |À )?[Ll]ire (?:aussi|également)|D['’]autres épisodes))")


def report_credit(paragraphs: list[str]) -> tuple[str, ...]:
    """The reporters a report's credit ending the text names ("Un reportage de Late Wodi
    Lawson."), or (); the credit stays in the text, as the article printed it."""
    if not paragraphs:
        return ()
    last = paragraphs[-1]
    for match in _REPORT_CREDIT.finditer(last, max(0, len(last) - 700)):
        names = parse_byline(f"Par {match['names']}")
        if names:
            return names
    return ()


# A role line after a signature's name (an opinion's author): "Militant des droits de
# l’homme", "(*) Directeur de Stractegia Consulting…", "Ancien chef intérimaire de Démocratie
# Québec": short, capitalised, no sentence's end
MAX_ROLE_LINES = 2
_ROLE_LINE = re.compile(r"^(?:\(\*\)\s*)?[A-ZÀ-Ý][^\n]{2,118}(?<![.!?:;…])$")


def _without_role_lines(kept: list[str]) -> list[str] | None:
    """The paragraphs without the role lines that follow a name alone on its line at the end
    of the text, that name line kept last; None where the end is no such signature."""
    lines = [line.strip() for p in kept[-MAX_ROLE_LINES - 1:] for line in p.split("\n")
             if line.strip()]
    for roles in range(1, MAX_ROLE_LINES + 1):
        if len(lines) <= roles:
            break
        name, tail = lines[-roles - 1], lines[-roles:]
        if not all(_ROLE_LINE.match(line) and parse_byline(line) is None for line in tail):
            break
        if "," not in name and parse_byline(name):
            return _drop_last_lines(kept, roles)
    return None


def _drop_last_lines(paragraphs: list[str], count: int) -> list[str]:
    """The paragraphs without their last `count` non-blank lines."""
    kept = list(paragraphs)
    for _ in range(count):
        lines = [line for line in kept[-1].split("\n") if line.strip()]
        if len(lines) > 1:
            kept[-1] = "\n".join(lines[:-1])
        else:
            kept.pop()
    return kept


def split_byline(paragraphs: list[str]) -> tuple[list[str], tuple[str, ...]]:
    """The paragraphs without their trailing signature lines, and the people they name."""
    kept = [p for p in paragraphs if p.strip()]
    if kept and parse_byline(kept[-1].rsplit("\n", 1)[-1]) is None:
        kept = _without_role_lines(kept) or kept
    found: list[str] = []
    for _ in range(MAX_SIGNATURE_LINES):
        if not kept:
            break
        lines = [line for line in kept[-1].split("\n") if line.strip()]
        names = parse_byline(lines[-1]) if lines else None
        if names is None or (len(kept) == 1 and len(lines) == 1):
            break  # never turn the whole text into a signature
        found[:0] = names
        if len(lines) > 1:
            kept[-1] = "\n".join(lines[:-1])
        else:
            kept.pop()
    if kept:
        text, names = strip_trailing_tag(kept[-1])
        if names is not None and text.strip():
            kept[-1] = text
            found[:0] = names
    return kept, tuple(dict.fromkeys(found))
