"""Cleaning what importers read from sources: mojibake, page furniture, repeated paragraphs.

Applied by the pipeline to every record an import reads from a source (pages, exports), never
to an article file: that is an archivist's text. Each repair is counted (`Cleaning`) so that
the import summary can say what was changed.

Rules, each with its guard against real text:
- mojibake (`Pr√©sent`, `Ã©tÃ©`) is repaired by ftfy (`textnorm.repair_mojibake`); a typical
  sequence still there afterwards is counted as not repaired;
- literal `\\n` (a backslash and an n, left by a scraper that wrote escaped text) becomes a
  paragraph break, or a space inside a hard-wrapped sentence;
- tweet attributions (`— BFMTV (@BFMTV) 4 novembre 2018`) are dropped wherever they sit; the
  embed's text that scrapers copy again after them is dropped with them, and the links an
  embed's text ends with (`pic.twitter.com/…`, `https://t.co/…`);
- video prompts (`Regardez :`, `A regarder aussi sur BBC Afrique :`) alone on a line or ending
  a paragraph; "Regardez ce que…" (no colon) is text;
- related-reading prompts inside a paragraph (`Lire aussi: <headline>`, `A ne pas manquer sur
  BBC Afrique :`): the prompt, with the headline it introduces where that headline is glued to
  the next sentence ("…humanitaireUne ONG locale…"), so that its end is known; a prompt that
  names the site it links to is alone (the source dropped the link, the text goes on);
  headlines glued to each other and to the text by single spaces (BBC Afrique: "Lire aussi :
  Eto'o et Drogba à la CAF Samuel Eto'o menace Jeune Afrique En 2010, il est devenu…") end
  where the text's first sentence opens (`_headlines_end`); a headline whose end cannot be
  told stays, with its prompt;
- credit lines that are only a site's address (`LESOLEIL.SN`, `www.maliweb.net`), unless the
  paragraph before announces it ("Site internet de la #CaisseDeGreve :");
- paywall teaser lines (`boilerplate.TEASER_PHRASES`) inside an article: followed by more of
  it. A body that ends with a teaser is a truncated article: it stays, and the pipeline
  reports it as suspicious;
- a paragraph repeated by the scraper (the same one again, or copied inside a longer one) is
  kept once, where it first stands. Short paragraphs (intertitles, pull quotes, slogans) and
  whole quotations may legitimately come twice, and are left alone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

from ..dates import MONTHS
from ..models import Article
from ..textnorm import fold, normalise_body, repair_mojibake
from .boilerplate import TEASER_PHRASES

# A paragraph repeated whole is a scraper's copy from this many words on; shorter ones
# (an intertitle, "Pourquoi ?", a chanted slogan) may come twice in a real article.
MIN_REPEAT_WORDS = 8
# A paragraph found again inside another is a copy from this many words on, and only as whole
# sentences: a pull quote or an intertitle repeats part of a sentence, without its full stop.
MIN_NESTED_WORDS = 12
TWEET_MAX_CHARS = 600  # the longest embed text looked for again after its attribution
VIDEO_TITLE_MAX_WORDS = 20
TEASER_MAX_WORDS = 40

FURNITURE_KINDS = {
    "tweet": "tweet attributions",
    "tweet_link": "tweet links",
    "video": "video prompts",
    "credit": "credit lines",
    "teaser": "paywall teaser lines",
    "related": "related-reading prompts",
}
# A related article's headline is at most this long after its prompt
RELATED_MAX_CHARS = 200

_LITERAL_BREAK = re.compile(r"(?:(?:\\r)?\\n)+")
_DATE = (r"(?:(?P<frday>\d{1,2})(?:er)?\s+(?P<fr>[^\W\d_]{3,10})\.?|(?P<en>[A-Z][a-z]{2,8})\s+"
         r"(?P<enday>\d{1,2}),)\s+(?P<year>\d{4})")
# The links an embedded tweet's text ends with (its picture, its shortened address): ten
# letters or digits (every one of the corpus's 270), often glued to the next word
# ("pic.twitter.com/2pnPNfBGSnFlorian Philippot"), which `\w+` took with it.
_TWEET_LINK = re.compile(r"\s*\b(?:pic\.twitter\.com|https?://t\.co)/[A-Za-z0-9]{1,10}"
                         r"(?P<glued>(?<=\S)(?=\w))?")
_TWEET = re.compile(r"\s*[—–]\s*[^—–\n()]{1,60}?\s*\(@\w{1,30}\)\s*" + _DATE)
_VIDEO = (r"(?:regardez|[àa] regarder|(?:re)?voir la vid[ée]o)(?:\s+(?:aussi|[ée]galement))?"
          r"(?:\s+(?:sur|de|dans)\s+[^:\n]{1,40}?)?\s*:")
_VIDEO_LINE = re.compile(rf"^{_VIDEO}\s*(?P<rest>.*)$", re.IGNORECASE)
_VIDEO_END = re.compile(rf"(?<=[.!?…»\"”])\s+{_VIDEO}\s*$", re.IGNORECASE)
# "Lire aussi :", "À lire également notre éditorial :", "A ne pas manquer sur BBC Afrique :"
# at the start of a sentence (scrapers glue it to the sentence before: "images.Lire aussi:")
_RELATED = re.compile(
    r"(?:^|(?<=[.!?…»”\"])\s*)(?P<prompt>(?:[àa]\s+)?(?:"
    r"(?:lire|voir|regarder|suivre|[ée]couter)(?P<also>\s+(?:aussi|[ée]galement))?"
    r"(?P<piece>\s+(?:notre|l[’'])\s*(?:[ée]ditorial|chronique|opinion))?"
    r"|(?P<miss>ne\s+pas\s+(?:manquer|rater)|surtout\s+lire)))"
    r"(?P<site>\s+sur\s+[^\W\d_][^:\n]{1,30}?)?\s*:\s*", re.IGNORECASE)
# Where a headline glued to the next sentence ends, without a space: a lowercase word, then a
# capital or an opening guillemet ("humanitaireUne", not "YouTube" or "iPhone"); a word, then
# an elided capital ("AnnecyL’augmentation"); a closing guillemet or a sentence's end, then a
# capital or an opening quote ("américaine»\"Quand")
_GLUED = re.compile(
    r"(?:(?<![^\W\d_])[a-zà-ÿ]{3,}(?=[A-ZÀ-ÖØ-Ý«“])|[^\W\d_](?=(?:L|D|C|S|J|N|Qu)[’'])"
    r"|[»”?!.…](?=[A-ZÀ-ÖØ-Ý«“\"]))")
# Headlines a prompt introduces, glued to each other and to the text by single spaces (BBC
# Afrique's "Lire aussi : Eto'o et Drogba à la CAF Samuel Eto'o menace Jeune Afrique En 2010,
# il est devenu…"): at most this long, together
HEADLINES_MAX_CHARS = 330
# The text's first sentence after them opens with one of these words (a headline rarely ends
# with a full stop, so the headlines end where the last such word opens before that stop)
_OPENERS = frozenset(
    "En Le La Les Il Elle Ils Elles On Nous Je Dans Pour Mais Selon Chez Ce Cet Cette Ces Un Une "
    "Des Depuis Après Avant Lors Lorsque Quand Si Alors Ainsi Pourtant Cependant Né Née Au Aux "
    "Du Avec Sur Par Parmi Outre Toutefois Or Et Son Sa Ses Leur Leurs Cela Tous Tout Toute "
    "Toutes Certains Plusieurs Face Malgré Comme Aujourd'hui Hier Lundi Mardi Mercredi Jeudi "
    "Vendredi Samedi Dimanche Chaque Entre Enfin Puis Ensuite Mon Ma Mes Notre Nos Pas Plus"
    .split())
# ... elided before a lowercase word ("L’aide", "D’autres"): "L’Essor", "L’Indépendant" are
# newspapers a sentence names
_ELIDED_OPENER = re.compile(r"(?:L|D|C|Qu|J|S|N)['’][a-zà-ÿ]")
# ... unless the word before it leads into it: "selon Le Monde", "a déclaré La ministre"
_LEADS_IN = frozenset(
    "à de du des d le la les l un une et ou que qu qui selon par sur pour dans avec en au aux "
    "chez contre entre vers sans sous comme dont a est sont été ont avait était fait dit déclaré "
    "explique expliqué affirme affirmé estime estimé ajoute ajouté indique indiqué précise "
    "précisé rapporte rapporté souligne souligné lance lancé titre titré écrit".split())
# The first full stop after the headlines ends the text's first sentence ("M. Bozizé" is none)
# (an ellipsis or an exclamation ends it too; a question may end a headline)
_FIRST_STOP = re.compile(r"(?:(?<!\bM)(?<!\bMM)(?<!\bDr)(?<!\bMme)\.|…|!)[»\"”’)]?(?=\s|$)")
_WORD = re.compile(r"\S+")
_TIMELINE = re.compile(r"(?:1[89]|20)\d\d\s+[-–—]\s")
# A headline is one sentence: a full stop and a capital after the prompt mean article text
_SENTENCES = re.compile(r"[.!?…]\s+[A-ZÀ-ÖØ-Ý]")
_CREDIT = re.compile(
    r"^(?:©\s*|(?:source|cr[ée]dits?)\s*:\s*)?(?:https?://)?(?:www\.)?[a-z0-9][a-z0-9-]{2,}"
    r"(?:\.[a-z0-9-]+)*\.(?:sn|ml|ci|bf|ne|tg|bj|gn|cm|ga|cd|cg|mr|td|ma|dz|tn|fr|be|ch|ca|"
    r"com|net|org|info|africa|news|tv|media)/?$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?…][»\"”’)]?$")
# A word every teaser phrase holds, looked for before folding a line (folding is slow)
_TEASER_HINT = re.compile(r"abonn|suite|soutenir|r[ée]serv", re.IGNORECASE)
_QUOTATION = re.compile(r"^[«“\"][^«»“”\"]*[»”\"][.!?…]?$")


@dataclass
class Cleaning:
    """What cleaning changed in one record (or, added up, in one import)."""

    mojibake: int = 0  # typical mojibake sequences repaired
    mojibake_left: int = 0  # ... and left, ftfy could not decode them
    line_breaks: int = 0  # runs of literal "\n" made paragraph breaks
    repeated: int = 0  # repeated paragraphs (or copies inside one) dropped
    furniture: Counter = field(default_factory=Counter)  # kind -> lines dropped
    # the dates of the tweet attributions dropped (one record's; not added up): a page that
    # embeds a tweet appeared on or after its date (`pubdates.tweet_estimate`)
    tweet_dates: list[dt.date] = field(default_factory=list)

    def add(self, other: Cleaning) -> None:
        """Add another record's counts to these."""
        self.mojibake += other.mojibake
        self.mojibake_left += other.mojibake_left
        self.line_breaks += other.line_breaks
        self.repeated += other.repeated
        self.furniture.update(other.furniture)

    def __bool__(self) -> bool:
        return bool(self.mojibake or self.mojibake_left or self.line_breaks or self.repeated
                    or sum(self.furniture.values()))

    def summary(self) -> str:
        """One line for the import summary: 'cleaned: 3 mojibake sequences repaired, …'."""
        parts = [f"{self.mojibake} mojibake sequences repaired"]
        if self.mojibake_left:
            parts.append(f"{self.mojibake_left} mojibake sequences not repairable")
        parts.append(f"{self.repeated} repeated paragraphs collapsed")
        dropped = sum(self.furniture.values())
        kinds = ", ".join(f"{FURNITURE_KINDS[k]} {n}" for k, n in sorted(self.furniture.items()))
        parts.append(f"{dropped} furniture lines dropped" + (f" ({kinds})" if kinds else ""))
        if self.line_breaks:
            parts.append(f"{self.line_breaks} literal \\n made line breaks")
        return "cleaned: " + ", ".join(parts)

    def note(self) -> str | None:
        """What an archivist may want to check in this one article, or None."""
        parts = []
        if self.mojibake:
            parts.append(f"{self.mojibake} mojibake sequences repaired")
        if self.mojibake_left:
            parts.append(f"{self.mojibake_left} mojibake sequences could not be repaired")
        if self.repeated:
            parts.append(f"{self.repeated} repeated paragraphs collapsed")
        return "; ".join(parts) or None


def clean_article(article: Article) -> tuple[Article, Cleaning]:
    """A record read from a source, cleaned, and what was changed."""
    done = Cleaning()

    def repaired(text: str) -> str:
        text, fixed, left = repair_mojibake(text)
        done.mojibake += fixed
        done.mojibake_left += left
        return text

    changes: dict[str, object] = {"title": repaired(article.title)}
    for name in ("section", "publisher"):
        value = getattr(article, name)
        if value:
            changes[name] = repaired(value)
    if article.author:
        changes["author"] = tuple(repaired(a) for a in article.author)
    body, cleaned = clean_body(repaired(article.body))
    done.add(cleaned)
    done.tweet_dates = cleaned.tweet_dates
    changes["body"] = body
    return article.replace(**changes), done


def clean_body(body: str) -> tuple[str, Cleaning]:
    """A body without literal line breaks, furniture or repeated paragraphs; and the counts."""
    done = Cleaning()
    body = _LITERAL_BREAK.sub(lambda m: _count_break(done), body)
    # importers give paragraphs already cleaned (clean_line): only new breaks need the full pass
    split = normalise_body(body) if done.line_breaks else body
    paragraphs = [p.strip() for p in split.split("\n\n") if p.strip()]
    paragraphs = _drop_tweets(paragraphs, done)
    paragraphs = _drop_furniture(paragraphs, done)
    paragraphs = _collapse_repeats(paragraphs, done)
    cleaned = "\n\n".join(paragraphs)
    return (cleaned if cleaned.strip() else body), done


def _count_break(done: Cleaning) -> str:
    done.line_breaks += 1
    return "\n\n"


# --- tweets -----------------------------------------------------------------------------------


def _is_date(match: re.Match[str]) -> bool:
    month = match["fr"] or match["en"]
    return fold(month).rstrip(".") in MONTHS


def _tweet_date(match: re.Match[str]) -> dt.date | None:
    """The day a tweet attribution gives ("4 novembre 2018", "November 4, 2018"), or None."""
    month = MONTHS[fold(match["fr"] or match["en"]).rstrip(".")]
    try:
        return dt.date(int(match["year"]), month, int(match["frday"] or match["enday"]))
    except ValueError:
        return None


def _unlinked(link: re.Match) -> str:
    """What stands for a dropped tweet link: a space when a word was glued to it."""
    return " " if link.group("glued") is not None else ""


def _drop_tweets(paragraphs: list[str], done: Cleaning) -> list[str]:
    """Attributions of embedded tweets cut out; the embed's text stands as its own paragraph,
    once (scrapers copy it again after the attribution)."""
    out: list[str] = []
    for paragraph in paragraphs:
        if "t.co/" in paragraph or "pic.twitter.com/" in paragraph:
            paragraph, links = _TWEET_LINK.subn(_unlinked, paragraph)
            done.furniture["tweet_link"] += links
            if not (paragraph := paragraph.strip()):
                continue
        if "(@" not in paragraph:
            out.append(paragraph)
            continue
        rest = paragraph
        while (match := next(filter(_is_date, _TWEET.finditer(rest)), None)) is not None:
            done.furniture["tweet"] += 1
            if (day := _tweet_date(match)) is not None:
                done.tweet_dates.append(day)
            before, after = rest[: match.start()].rstrip(), rest[match.end():].strip()
            copy = _repeated_start(before, after)
            if copy:
                done.repeated += 1
                text, tweet = before[: len(before) - len(copy)].rstrip(), copy
                out.extend(p for p in (text, tweet) if p)
                rest = after[len(copy):].strip()
            else:
                if before:
                    out.append(before)
                rest = after
        if rest:
            out.append(rest)
    return out


def _repeated_start(before: str, after: str) -> str:
    """The longest start of `after`, cut between words, that `before` ends with (the embed's
    text copied again after its attribution); '' when there is none of a sentence's length."""
    best = ""
    for match in re.finditer(r"\S(?=\s|$)", after[:TWEET_MAX_CHARS]):
        candidate = after[: match.end()]
        if len(candidate) >= 20 and before.endswith(candidate):
            best = candidate
    return best


# --- furniture lines --------------------------------------------------------------------------


def _drop_furniture(paragraphs: list[str], done: Cleaning) -> list[str]:
    """Video prompts, lone credit lines, teaser lines inside an article: dropped, counted."""
    kept: list[str] = []
    teasers: list[int] = []
    for paragraph in paragraphs:
        video = _VIDEO_LINE.match(paragraph)
        if video and _is_video_title(video["rest"]):
            done.furniture["video"] += 1
            continue
        if _CREDIT.match(paragraph) and not (kept and kept[-1].endswith(":")):
            # (an address the article announces, "Site internet de la caisse :", is its text)
            done.furniture["credit"] += 1
            continue
        trailing = _VIDEO_END.search(paragraph) if paragraph.endswith(":") else None
        if trailing:
            done.furniture["video"] += 1
            paragraph = paragraph[: trailing.start()]
        paragraph = _without_related(paragraph, done)
        if not paragraph:
            continue
        if (_TEASER_HINT.search(paragraph) and len(paragraph.split()) <= TEASER_MAX_WORDS
                and _is_teaser(paragraph)):
            teasers.append(len(kept))
        kept.append(paragraph)
    # A teaser followed by more article text is furniture; one that ends the body says the
    # article was cut short, and stays for the pipeline to report.
    last_text = max((i for i in range(len(kept)) if i not in teasers), default=-1)
    dropped = {i for i in teasers if i < last_text}
    if dropped:
        done.furniture["teaser"] += len(dropped)
    return [p for i, p in enumerate(kept) if i not in dropped]


def _without_related(paragraph: str, done: Cleaning) -> str:
    """The paragraph without its related-reading prompts (and the headlines they introduce,
    where their end is known); as it was where none can be told apart from the text."""
    if ":" not in paragraph:
        return paragraph
    length = len(paragraph.rstrip())
    kept: list[str] = []
    start = copied = 0  # one pass, each part copied once: a hostile body of prompts stays linear
    while (match := _RELATED.search(paragraph, start)) is not None:
        start = end = match.end()
        length_left = length - end
        if not (match["prompt"][0].isupper() and (match["also"] or match["piece"] or match["miss"]
                                                  or match["site"] or length_left <= 0)):
            continue  # "Lire : …" (not ending the paragraph) or a lowercase "lire aussi :" is text
        window = paragraph[end:end + RELATED_MAX_CHARS + 1]
        if match["site"] or length_left <= 0:
            pass  # the source dropped the link: the text goes on after the prompt
        elif (match.start() == 0 and length_left <= RELATED_MAX_CHARS
              and not _SENTENCES.search(window) and not _SENTENCE_END.search(window.rstrip())):
            end = length  # a paragraph of its own: the prompt and its headline
        elif (glued := _GLUED.search(window[:RELATED_MAX_CHARS], 1)) and not _SENTENCES.search(
                window[: glued.end()]):
            end += glued.end()
        elif (text_starts := _headlines_end(paragraph[end:end + HEADLINES_MAX_CHARS + 1],
                                            after_text=match.start() > 0)):
            end += text_starts
        else:
            continue
        done.furniture["related"] += 1
        kept.append(paragraph[copied: match.start()].rstrip())
        copied = start = end
    if not copied:
        return paragraph
    kept.append(paragraph[copied:].lstrip())
    return " ".join(part for part in kept if part)


def _headlines_end(rest: str, after_text: bool = True) -> int | None:
    """Where the article's text starts again in `rest`, after the headlines a prompt
    introduced, glued by single spaces; None where that cannot be told.

    The text's first sentence ends with the first full stop; the headlines before it end where
    the last word that opens a sentence stands (`_OPENERS`, "L'…", or a quotation after a
    closing quote), not followed by a capital (a name: "Le Pen", "La Provence"), the word
    before it neither leading into it nor a question. Headlines run to the end of their
    paragraph when it has no sentence in it and the prompt follows text (`after_text`:
    "…deuil national. Lire aussi: Burundi: …"); a paragraph the prompt opens may be a
    sentence without its full stop.
    """
    if _TIMELINE.match(rest):
        return None  # a heading of the article's own ("1990 - Retour de la démocratie…")
    stop = next((m for m in _FIRST_STOP.finditer(rest) if not _is_initial(rest, m.start())),
                None)
    if stop is None:
        if len(rest) > HEADLINES_MAX_CHARS or not after_text:
            return None  # (the paragraph goes on past what was given)
        # (a footnote may follow them: "* Prénoms d’emprunt")
        end = len(rest.split(" * ", 1)[0].rstrip())
        return end if end and not _SENTENCE_END.search(rest[:end]) else None
    region = rest[: stop.start()]
    words = list(_WORD.finditer(region))
    found = None
    for i in range(2, len(words)):  # the first headline has two words at least
        before, word = words[i - 1].group(), words[i].group()
        bare = word.lstrip("«\"“")
        if bare is not word:
            # a quotation after a headline's closing quote; after a question it may be the
            # answer to the article's own question ("…de telles conditions ? "Les fossiles…")
            opens = before[-1] in "»\"”"
        else:
            opens = bare.rstrip(",") in _OPENERS or _ELIDED_OPENER.match(bare) is not None
        if not opens or not bare[:1].isupper() or before[-1] in ",;:":
            continue
        if re.sub(r"^.*['’]", "", before).lower() in _LEADS_IN:
            continue
        following = words[i + 1].group() if i + 1 < len(words) else ""
        if bare is word and following.lstrip("«\"“")[:1].isupper():
            continue  # a name a sentence may hold: Marine Le Pen, La Provence, Au Désert
        head = region[: words[i].start()]
        if head.count("«") != head.count("»") or head.count('"') % 2:
            continue  # inside a quotation
        if before[-1] in "?!":
            # after a question, the text may go on with the article's own (an interview's:
            # "…évolué au fil des semaines? Il y a…", "Comment en sortir ? Le problème…")
            continue
        found = words[i].start()
    return found if found is not None and found <= HEADLINES_MAX_CHARS else None


def _is_initial(text: str, dot: int) -> bool:
    """Whether the full stop at `dot` ends an initial among others ("J. P. (Johan Perrin)",
    "R. A., 23 ans"), not a sentence."""
    if dot < 1 or not text[dot - 1].isupper() or (dot > 1 and not text[dot - 2].isspace()):
        return False
    before, after = text[max(0, dot - 4):dot - 1], text[dot + 1:dot + 4]
    return bool(re.fullmatch(r".*\b[A-Z]\.\s", before) or re.match(r"\s[A-Z]\.", after))


def _is_video_title(rest: str) -> bool:
    """Nothing, or a video's title after the prompt: short, not a sentence ending with a period."""
    return not rest or (len(rest.split()) <= VIDEO_TITLE_MAX_WORDS and not rest.endswith("."))


def _is_teaser(paragraph: str) -> bool:
    folded = fold(paragraph)
    return any(phrase in folded for phrase in TEASER_PHRASES)


# --- repeated paragraphs ------------------------------------------------------------------------


def _collapse_repeats(paragraphs: list[str], done: Cleaning) -> list[str]:
    """Each paragraph once, where it first stands: a later copy is dropped, and a copy of an
    earlier paragraph inside a later one is cut out of it."""
    kept: list[str] = []
    copies: list[str] = []  # the kept paragraphs that would be copies when found again
    seen: set[str] = set()
    for paragraph in paragraphs:
        whole = paragraph
        for other in copies:
            if _holds(paragraph, other):
                paragraph = _cut(paragraph, other)
                done.repeated += 1
        if paragraph is not whole and not any(c.isalnum() for c in paragraph):
            continue  # nothing but copies
        words = len(paragraph.split())
        if paragraph in seen and words >= MIN_REPEAT_WORDS and not _QUOTATION.match(paragraph):
            done.repeated += 1
            continue
        is_copy = _is_copy(paragraph, words)
        if is_copy and any(_holds(other, paragraph) for other in kept):
            done.repeated += 1
            continue
        kept.append(paragraph)
        seen.add(paragraph)
        if is_copy:
            copies.append(paragraph)
    return kept


def _is_copy(paragraph: str, words: int) -> bool:
    """Long enough, and made of whole sentences, to be a copy when found inside another."""
    return (words >= MIN_NESTED_WORDS and _SENTENCE_END.search(paragraph) is not None
            and not _QUOTATION.match(paragraph))


def _holds(text: str, part: str) -> bool:
    """Whether `text` holds `part` as whole sentences (not the same paragraph)."""
    if len(part) >= len(text):
        return False
    return any(True for _ in _occurrences(text, part))


def _occurrences(text: str, part: str):
    start = text.find(part)
    while start != -1:
        end = start + len(part)
        opens = start == 0 or text[start - 1] in " .!?…»\"”" and (
            text[start - 1] != " " or _SENTENCE_END.search(text[:start].rstrip()) is not None)
        if opens:
            yield start, end
        start = text.find(part, end if opens else start + 1)


def _cut(text: str, part: str) -> str:
    """`text` without the copies of `part` it holds as whole sentences."""
    pieces, last = [], 0
    for start, end in list(_occurrences(text, part)):
        pieces.append(text[last:start])
        last = end
    pieces.append(text[last:])
    return " ".join(p.strip() for p in pieces if p.strip())
