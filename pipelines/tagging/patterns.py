"""Turns a Watchlist into matcher patterns: surface variants, inflections, keys and rule tables."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from spacy.lang.en.stop_words import STOP_WORDS

from monitor.config.catalogue import CatalogueEntry
from monitor.config.watchlist import GROUP_PREFIX, REGEX_PREFIX, STEM_SUFFIX, Watchlist

# Match keys are "kind|owner" strings; the kinds:
ENTITY = "ent"  # a name, alias or hashtag of entity <index>
ENTITY_WEAK = "ent?"  # an ambiguous alias: needs context
ENTITY_CONTEXT = "ent+"
ENTITY_EXCLUDE = "ent-"
CUE = "cat"  # a category cue
CUE_EXCLUDE = "cat-"
NOUN = "noun"  # a word for a kind of work: a category only next to an origin word
INTEREST = "int"
INTEREST_WEAK = "int~"
INTEREST_CONTEXT = "int+"
INTEREST_EXCLUDE = "int-"
GROUP = "grp"
GLOBAL_EXCLUDE = "glob-"
WORK = "work"  # a name or alias of catalogue entry <index>
WORK_WEAK = "work?"  # an ambiguous one: counts only next to its category

# Scripts written without spaces between words: the tokenizer splits them into characters.
CJK_CHARS = "\u0e00-\u0e7f\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
CJK_RE = re.compile(f"[{CJK_CHARS}]")
_PUNCT_DROP = re.compile(r"\s*[:!?&,.;/()\[\]]+\s*")
_APOSTROPHES = ("'", "\u2019")
_VOWELS = set("aeiou")


def key(kind: str, owner: str | int) -> str:
    """The match id string for one kind of pattern of one owner."""
    return f"{kind}|{owner}"


def split_key(value: str) -> tuple[str, str]:
    """'ent|12' -> ('ent', '12')."""
    kind, _, owner = value.partition("|")
    return kind, owner


def _en_forms(word: str) -> set[str]:
    forms = {word}
    if len(word) < 3 or not word.isalpha():
        return forms
    if word.endswith("ss"):
        return {word, word + "es"}
    if word.endswith(("ing", "ed")):
        return {word, word + "s"} if word.endswith("ing") else forms
    if word.endswith("s"):
        return forms
    forms.add(word + "s")
    if word.endswith(("x", "z", "ch", "sh", "o")):
        forms.add(word + "es")
    if word.endswith("y") and word[-2] not in _VOWELS:
        forms |= {word[:-1] + "ies", word[:-1] + "ied"}
    elif word.endswith("e"):
        forms |= {word + "d", word[:-1] + "ing"}
    else:
        forms |= {word + "ed", word + "ing"}
        if len(word) <= 4 and word[-1] in "bdglmnprt" and word[-2] in _VOWELS and word[-3] not in _VOWELS:
            forms |= {word + word[-1] + "ed", word + word[-1] + "ing"}
    return forms


def _plural_forms(word: str, lang: str) -> set[str]:
    forms = {word}
    if len(word) < 3 or not word.isalpha():
        return forms
    if lang in ("es", "pt", "fr"):
        forms.add(word + "s")
        if lang == "es" and word[-1] not in _VOWELS:
            forms.add(word + "es")
    elif lang == "de":
        forms |= {word + "n", word + "en", word + "e", word + "s"}
    return forms


def inflections(phrase: str, lang: str) -> set[str]:
    """Cheap lemma-awareness: inflected forms of the first and last word of a phrase."""
    if CJK_RE.search(phrase):
        return {phrase}
    words = phrase.split()
    if not words or len(words) > 4:
        return {phrase}
    forms = _en_forms if lang == "en" else (lambda w: _plural_forms(w, lang))
    if lang not in ("en", "es", "pt", "fr", "de"):
        return {phrase}
    firsts = forms(words[0])
    if len(words) == 1:
        return firsts
    lasts = forms(words[-1])
    middle = words[1:-1]
    return {" ".join([f, *middle, last]) for f in firsts for last in lasts}


def surface_variants(phrase: str, *, joined: bool = False, plural: bool = False) -> set[str]:
    """Spellings of a phrase: hyphen/space, punctuation, apostrophes, joined (hashtags), plural.

    Case is kept (the tokenizer splits "G.E.M." and "g.e.m." differently); matching ignores case.
    """
    base = " ".join(phrase.split())
    multiword = " " in base or "-" in base
    out = {base}
    if "-" in base:
        out |= {base.replace("-", " "), base.replace("-", "")}
    stripped = " ".join(_PUNCT_DROP.sub(" ", base).split())
    if multiword and stripped and stripped != base and len(stripped.split()) >= 2:
        out.add(stripped)
    for form in list(out):
        for apo in _APOSTROPHES:
            if apo in form:
                other = "\u2019" if apo == "'" else "'"
                out |= {form.replace(apo, other), form.replace(apo + "s ", "s ").replace(apo, "")}
    if joined and multiword and not CJK_RE.search(base):
        for form in list(out):
            words = re.sub(r"[^\w\s]", "", form).split()
            if 2 <= len(words) <= 6:
                out.add("".join(words))
    if plural and not CJK_RE.search(base):
        for form in list(out):
            if " " not in form and form.isascii() and form.isalnum() and len(form) >= 4 and not form.endswith("s"):
                if not form.isdigit():
                    out.add(form + "s")
    return {v for v in out if v}


@dataclass
class PatternSet:
    """Everything the matcher needs: phrases, word stems and regexes per key."""

    phrases: dict[str, set[str]] = field(default_factory=dict)
    regexes: dict[str, list[str]] = field(default_factory=dict)
    stems: dict[str, set[str]] = field(default_factory=dict)
    _lower: dict[str, set[str]] = field(default_factory=dict, repr=False)

    def add(self, match_key: str, values: Iterable[str]) -> None:
        """Add surface strings (already expanded) under a key; duplicates differing in case are dropped."""
        bucket = self.phrases.setdefault(match_key, set())
        seen = self._lower.setdefault(match_key, set())
        for value in values:
            low = value.lower()
            if low not in seen:
                seen.add(low)
                bucket.add(value)

    def add_regex(self, match_key: str, pattern: str) -> None:
        """Add one regular expression (without the `re:` prefix) under a key."""
        self.regexes.setdefault(match_key, []).append(pattern)

    def add_stem(self, match_key: str, stem: str) -> None:
        """Add a word stem (without the `*`): any word starting with it matches."""
        self.stems.setdefault(match_key, set()).add(stem.casefold())

    def size(self) -> int:
        """Number of phrase patterns, stems and regexes."""
        return sum(len(v) for group in (self.phrases, self.regexes, self.stems) for v in group.values())


def _add_list(
    patterns: PatternSet,
    match_key: str,
    values: Iterable[str],
    *,
    lang: str = "any",
    joined: bool = False,
    plural: bool = False,
    inflect: bool = False,
) -> None:
    for value in values:
        if value.startswith(GROUP_PREFIX):
            continue  # resolved by the rules component
        if value.startswith(REGEX_PREFIX):
            patterns.add_regex(match_key, value[len(REGEX_PREFIX) :])
            continue
        if value.endswith(STEM_SUFFIX):
            patterns.add_stem(match_key, value[: -len(STEM_SUFFIX)])
            continue
        forms = inflections(value, lang) if inflect else {value}
        for form in forms:
            patterns.add(match_key, surface_variants(form, joined=joined, plural=plural))


def _short_word(spelling: str) -> bool:
    """A Latin spelling that may be an ordinary word: any single word ("Hero", "Dumplings"), unless
    it is an acronym ("TVB"), mixes case inside ("ReelShort", "iQIYI") or has a digit; or a single
    word beside English stop words ("The World", "Go Ahead")."""
    words = spelling.split()
    if len(words) == 1:
        distinctive = (spelling.isupper() and len(spelling) >= 3) or any(ch.isupper() for ch in spelling[1:])
        return not (distinctive or any(ch.isdigit() for ch in spelling))
    return sum(w.lower() not in STOP_WORDS for w in words) <= 1


PERSON_KINDS = frozenset({"actor", "director", "screenwriter", "author", "artist"})
"""Catalogue kinds that are people: their names get no joined (hashtag) spelling, since two short
pinyin syllables joined are often an ordinary word. (Wider than `components.PEOPLE_KINDS`, the
people who only hint at a category: an author or a singer gives literature or music outright.)"""


def _latin(spelling: str) -> bool:
    """The spelling is written in Latin letters (an ambiguous title of few Latin words may be a phrase)."""
    return any("a" <= ch.lower() <= "z" or "\u00c0" <= ch <= "\u024f" or "\u1e00" <= ch <= "\u1eff" for ch in spelling)


def work_spellings(entry: CatalogueEntry) -> tuple[list[str], list[str]]:
    """(spellings that count alone, spellings that need their category nearby) of a catalogue entry.

    An ambiguous entry's Latin-script spellings of up to three words need context (a longer title is
    distinctive enough: "Ten Miles of Peach Blossoms"), and so do its one-word spellings in other
    alphabets (a Russian or Thai title of several words is distinctive: «Магистр дьявольского
    культа»); so do Latin spellings that may be ordinary words (`_short_word`) and a two-character
    CJK one. A single CJK character is never matched.
    """
    strong: list[str] = []
    weak: list[str] = []
    spellings = [" ".join(s.split()) for s in (entry.name, *entry.aliases)]
    spellings += [s[4:] for s in spellings if s.lower().startswith("the ") and len(s.split()) >= 3]
    for spelling in dict.fromkeys(spellings):
        if not spelling or not any(ch.isalnum() for ch in spelling):
            continue
        cjk = len(CJK_RE.findall(spelling))
        if cjk:
            if cjk == 1 and len(spelling) == 1:
                continue
            (weak if cjk <= 2 and len(spelling) <= 2 else strong).append(spelling)
        elif (entry.ambiguous and len(spelling.split()) <= 3 and (_latin(spelling) or " " not in spelling)) or _short_word(spelling):
            weak.append(spelling)
        else:
            strong.append(spelling)
    return strong, weak


def build_patterns(watchlist: Watchlist, catalogue: Iterable[CatalogueEntry] = ()) -> PatternSet:
    """All matcher patterns of a watchlist and a catalogue, keyed by what they mean."""
    patterns = PatternSet()
    catalogue = list(catalogue)
    categories_of: dict[str, set[str]] = {}
    for entry in catalogue:
        for spelling in (entry.name, *entry.aliases):
            categories_of.setdefault(" ".join(spelling.casefold().split()), set()).add(entry.category)
    for index, entry in enumerate(catalogue):
        strong, weak = work_spellings(entry)
        shared = [s for s in strong if len(categories_of.get(s.casefold(), ())) > 1]
        if shared:  # "The Lost Tomb" is a novel and a drama: the post's other words decide which
            strong = [s for s in strong if s not in shared]
            weak += shared
        joined = entry.kind not in PERSON_KINDS  # "Hu Ge" joined is "huge", "Ma Li" is "mali": no hashtag forms for people
        _add_list(patterns, key(WORK, index), [s for s in strong if not s.startswith(("re:", "@"))], joined=joined)
        _add_list(patterns, key(WORK_WEAK, index), [s for s in weak if not s.startswith(("re:", "@"))], joined=joined)
    _add_list(patterns, key(GLOBAL_EXCLUDE, "*"), watchlist.rules.exclude)
    for name, values in watchlist.groups.items():
        _add_list(patterns, key(GROUP, name), values, lang="en", inflect=False)
    for name, category in watchlist.categories.items():
        _add_list(patterns, key(CUE, name), category.cues, lang="en", joined=True, inflect=True)
        _add_list(patterns, key(NOUN, name), category.nouns, lang="en", inflect=True)
        _add_list(patterns, key(CUE_EXCLUDE, name), category.exclude)
    for name, interest in watchlist.interests.items():
        strong_key = key(INTEREST_WEAK if interest.requires_context else INTEREST, name)
        for lang, values in interest.phrases.items():
            _add_list(patterns, strong_key, values, lang=lang, inflect=True)
        for lang, values in interest.weak.items():
            _add_list(patterns, key(INTEREST_WEAK, name), values, lang=lang, inflect=True)
        _add_list(patterns, key(INTEREST_CONTEXT, name), interest.context, lang="en", inflect=True)
        _add_list(patterns, key(INTEREST_EXCLUDE, name), interest.exclude)
    for index, entity in enumerate(watchlist.entities):
        weak = {a.casefold() for a in entity.ambiguous}
        names = [n for n in (entity.name, *entity.aliases) if n.casefold() not in weak]
        _add_list(patterns, key(ENTITY, index), names, joined=True, plural=True)
        patterns.add(key(ENTITY, index), {"#" + tag.lower() for tag in entity.hashtags})  # only as hashtags
        _add_list(patterns, key(ENTITY_WEAK, index), entity.ambiguous, joined=True, plural=True)
        context = [*entity.requires_context, *entity.context]
        _add_list(patterns, key(ENTITY_CONTEXT, index), context, lang="en", inflect=True)
        _add_list(patterns, key(ENTITY_EXCLUDE, index), entity.exclude)
    return patterns


def group_refs(values: Iterable[str]) -> list[str]:
    """Names of the `@group` references in a pattern list."""
    return [v[len(GROUP_PREFIX) :] for v in values if v.startswith(GROUP_PREFIX)]
