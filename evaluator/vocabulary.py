"""What words mean: the rule set's vocabulary applied to the phrases the grammar reads.

The grammar accepts any words; this module decides whether ``显著提升`` is a trend (degree 2,
up), ``基本规范`` a qualified state, ``延期完成`` a partly done event, ``达成`` a tier word, and
what is free text. A word that looks like vocabulary but is not in it (``显着提升``) is kept with
the nearest known words, so the caller can ask the user about it.
"""

from __future__ import annotations

from dataclasses import field

from .expression import (Event, Expression, FreeText, Phrase, State, Tier, TierWord, Trend)
from .parser import ExpressionError, parse_structure
from .rules import Vocabulary
from .saved_code import dataclass

_MAX_MODIFIER = 3  # an unknown prefix longer than this is ordinary text, not a misspelt word


def _longest_first(words) -> tuple[str, ...]:
    return tuple(sorted(set(words), key=lambda w: (-len(w), w)))


@dataclass(eq=False)
class Lexicon:
    """The rule set's vocabulary as the reading of words uses it, and what a run has read."""

    vocabulary: Vocabulary
    # what was read, by text: a table of the run's memo (memo.py), which bounds it
    texts: dict[str, Expression | ExpressionError] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        v = self.vocabulary
        self.tiers = {**{w: Tier.ACHIEVED for w in v.tiers.achieved},
                      **{w: Tier.PARTIAL for w in v.tiers.partial},
                      **{w: Tier.MISSED for w in v.tiers.missed}}
        self.steady = frozenset(v.steady)
        self.directions = {**{w: 1 for w in v.increase}, **{w: -1 for w in v.decrease}}
        self.direction_words = _longest_first(self.directions)
        self.states = frozenset(v.states)
        self.verbs = _longest_first(v.event_verbs)
        self.negations = _longest_first(v.negations)
        self.qualifiers = _longest_first(v.qualifiers)
        self.all_words = sorted(set(self.tiers) | self.steady | set(self.directions)
                                | self.states | set(v.event_verbs) | set(v.degrees))
        # a text already read, or None: the hot loop's way past ``read``'s call
        self.known = self.texts.get

    def read(self, text: str) -> Expression | ExpressionError:
        """Parse a target or actual and give its words their meaning (cached by text)."""
        cached = self.texts.get(text)
        if cached is None:
            structure = parse_structure(text)
            cached = self.classify(structure.text) if isinstance(structure, Phrase) else structure
            self.texts[text] = cached
        return cached

    def suggest(self, word: str, pool=None) -> tuple[str, ...]:
        import difflib  # an unknown word's only: a clean run does without

        return tuple(difflib.get_close_matches(word, pool or self.all_words, n=3, cutoff=0.5))

    def classify(self, text: str) -> Expression:
        v = self.vocabulary
        if text in self.tiers:
            return TierWord(text, self.tiers[text])
        if text in self.steady:
            return Trend(text, 0, "", 0)
        if self._is_state(text):
            return State(text)
        if text in v.opposites:  # 无效 is 有效 negated by 无, not a word of its own
            negation, state = v.opposites[text]
            return State(state, negation=negation, written=text)
        for negation in self.negations:
            rest = text[len(negation):]
            if text.startswith(negation) and rest:
                if self._is_state(rest):
                    return State(rest, negation=negation)
                if rest in v.event_verbs or self._event(rest) is not None:
                    event = self._event(rest) or Event(rest)
                    return Event(event.verb, event.manner, negation)
        for qualifier in self.qualifiers:
            rest = text[len(qualifier):]
            if text.startswith(qualifier) and self._is_state(rest):
                return State(rest, qualifier=qualifier)
        event = self._event(text)
        if event is not None:
            return event
        trend = self._trend(text)
        if trend is not None:
            return trend
        return self._free_text(text)

    def _is_state(self, text: str) -> bool:
        """A state word, or two run together as tables write them (通畅准确 = 通畅 + 准确)."""
        if text in self.states:
            return True
        return any(text[:i] in self.states and text[i:] in self.states
                   for i in range(1, len(text)))

    def _event(self, text: str) -> Event | None:
        v = self.vocabulary
        for verb in self.verbs:
            if text.endswith(verb):
                manner = text[:-len(verb)]
                if manner == "":
                    return Event(verb)
                if manner in v.done_manners:
                    return Event(verb, manner)
                if manner in v.partial_manners:
                    return Event(verb, manner, partial=True)
        return None

    def _trend(self, text: str) -> Trend | FreeText | None:
        v = self.vocabulary
        for start in range(min(len(text), _MAX_MODIFIER + 2)):
            for word in self.direction_words:
                if not text.startswith(word, start):
                    continue
                prefix, rest = text[:start], text[start + len(word):]
                if prefix == "":
                    return Trend("", v.default_degree, word, self.directions[word], rest)
                if prefix in v.degrees:
                    return Trend(prefix, v.degrees[prefix], word, self.directions[word], rest)
                if prefix in self.negations:
                    return Trend(prefix, 0, word, self.directions[word], rest)
                if prefix in self.qualifiers:  # 基本落实: done in part, whatever the degree
                    return TierWord(text, Tier.PARTIAL)
                if len(prefix) <= _MAX_MODIFIER:
                    return FreeText(text, prefix, self.suggest(prefix, list(v.degrees)))
        return None

    def _free_text(self, text: str) -> FreeText:
        # an unknown modifier before a known state: 很规范, 较合理
        for state in sorted(self.states, key=len, reverse=True):
            if text.endswith(state) and 0 < len(text) - len(state) <= _MAX_MODIFIER:
                prefix = text[:-len(state)]
                pool = list(self.qualifiers) + list(self.negations)
                return FreeText(text, prefix, self.suggest(prefix, pool))
        if len(text) <= 6:  # a short phrase close to a known word is likely a typo: 达程
            close = tuple(w for w in self.suggest(text) if w != text)
            if close:
                return FreeText(text, text, close)
        return FreeText(text)
