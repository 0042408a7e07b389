"""Hypothesis generators of random valid Parley syntax trees: strategies and policy packs.

Every node kind in `dsl.ast`, every constraint kind, nested branches and every literal kind.
"Valid" means the grammar can write the tree down, so `parse(format_program(tree))` gives it
back; trees the grammar cannot express are left out on purpose (listed below the imports).

Names come from a `Vocabulary`: `SYNTAX` (any word the grammar reads as a name, plus the design's
words) exercises the parser and formatter; `DESIGN` (only the facts, channels, tones and events
DESIGN.md lists) gives trees a checker or an engine can make sense of. Build a vocabulary of your
own with `dataclasses.replace(DESIGN, facts=...)`.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal

from hypothesis import strategies as st

from dsl import ast

# What the grammar cannot write, and so what these generators never produce:
# - `and`/`or` with fewer than two operands; negative numbers, money or durations;
# - money with fractions of a cent; clocks outside 00:00-23:59; windows that do not move forward;
# - a duration used as a value (in a condition, a list or a plan parameter): the lexer reads its
#   unit as a name there, because that parser state also accepts the next plan parameter's name;
# - keywords as names where the lexer takes them for the keyword: `not`, `true`, `false` as a fact;
#   after a plan parameter's value, a name that the condition grammar also spells (`and`, `or`,
#   `in`, `at`, `after`, `between`, `unless`, `until`, `when`); `content` as the action of
#   `forbid ACTION when`; `consent`, `content`, `notice` as the action of `require ACTION within`.
#   Everywhere else keywords are names (the grammar does not reserve them) and SYNTAX uses them;
# - `unless` on a handler (the grammar has only `when` there);
# - a rule without a constraint, two rules with one id in a pack, and lists the grammar requires to be non-empty.

# Every word the grammar spells out; the generators never use one as a name.
KEYWORD_TEXT = """
strategy version description organization jurisdictions audience languages tone segment when stop
step on day every from to at most times best_time within unless after end otherwise send call offer
plan handoff priority screen pause for escalate policy title applies in rule cites severity
effective until status limit per no contact only between and local require content communication
communications forbid hold consent wait before notice not true false or minute minutes hour hours
days week weeks
"""
KEYWORDS = frozenset(KEYWORD_TEXT.split())

# ---------------------------------------------------------------- names


@functools.cache
def word() -> st.SearchStrategy[str]:
    """One name segment the grammar reads as a name anywhere: `[a-z_][a-z0-9_]*`, never a keyword."""
    head = st.sampled_from("abcdefghijklmnopqrstuvwxyz_")
    tail = st.text("abcdefghijklmnopqrstuvwxyz0123456789_", max_size=8)
    return st.builds(str.__add__, head, tail).filter(lambda w: w not in KEYWORDS)


@functools.cache
def dotted() -> st.SearchStrategy[str]:
    """A bare or dotted name such as `paid` or `score.distress`."""
    return st.lists(word(), min_size=1, max_size=3).map(".".join)


@functools.cache
def word_or_keyword() -> st.SearchStrategy[str]:
    """A name, or a keyword where the grammar reads one as a name (`send when "t"` sends on `when`)."""
    return word() | st.sampled_from(sorted(KEYWORDS))


@functools.cache
def fact_names() -> st.SearchStrategy[str]:
    """A name a condition can read: keywords too, dotted or not, except the three words of conditions."""
    segments = st.lists(word_or_keyword(), min_size=1, max_size=3).map(".".join)
    return segments.filter(lambda name: name not in {"not", "true", "false"})


@dataclass(frozen=True)
class Vocabulary:
    """Where each kind of name is drawn from."""

    facts: st.SearchStrategy[str]
    channels: st.SearchStrategy[str]
    tones: st.SearchStrategy[str]
    organizations: st.SearchStrategy[str]
    languages: st.SearchStrategy[str]
    events: st.SearchStrategy[str]
    words: st.SearchStrategy[str]  # every other name: plan kinds, queues' priorities, content keys, …


FACT_TEXT = """
balance original_balance days_past_due days_since_first_statement jurisdiction patient.language
patient.age patient.timezone consent.sms consent.email consent.autodialed_calls paid disputed
verified cease_requested attorney_represented bankrupt deceased plan_active fa_application_pending
score.propensity score.distress sentiment.frustration sentiment.confusion sentiment.anxiety
intent.hardship intent.billing_confusion intent.dispute intent.stop intent.payment_promise
intent.wrong_person intent.insurance_question intent.callback_request best_time best_channel
"""
FACTS = FACT_TEXT.split()
CHANNELS = ["sms", "email", "letter", "chat", "voicemail", "call"]
TONES = ["supportive", "gentle", "educational", "neutral", "firm"]
ORGANIZATIONS = ["agency", "provider", "nonprofit_hospital"]
LANGUAGES = ["en", "es", "vi", "zh", "ru"]
EVENTS = ["reply", "payment", "missed_payment", "plan_accepted", "dispute", "conversation", "statement"]
OTHER_WORDS = ["debt", "high", "low", "income_driven", "financial_assistance", "eca", "credit_report", "opt_out"]

DESIGN = Vocabulary(
    facts=st.sampled_from(FACTS),
    channels=st.sampled_from(CHANNELS),
    tones=st.sampled_from(TONES),
    organizations=st.sampled_from(ORGANIZATIONS),
    languages=st.sampled_from(LANGUAGES),
    events=st.sampled_from(EVENTS),
    words=st.sampled_from(OTHER_WORDS),
)


def _either(names: list[str], free: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(names), free)


SYNTAX = Vocabulary(
    facts=_either(FACTS, fact_names()),
    channels=_either(CHANNELS, word_or_keyword()),
    tones=_either(TONES, word_or_keyword()),
    organizations=_either(ORGANIZATIONS, word_or_keyword()),
    languages=_either(LANGUAGES, word_or_keyword()),
    events=_either(EVENTS, word_or_keyword()),
    words=_either(OTHER_WORDS, word_or_keyword()),
)


@functools.cache
def idents(names: st.SearchStrategy[str]) -> st.SearchStrategy[ast.Ident]:
    """An `Ident` drawn from `names`."""
    return names.map(ast.Ident)


@functools.cache
def ident_lists(names: st.SearchStrategy[str], min_size: int = 1, max_size: int = 3) -> st.SearchStrategy[tuple]:
    """A tuple of `Ident`s, as in `email, sms`."""
    return st.lists(idents(names), min_size=min_size, max_size=max_size).map(tuple)


@functools.cache
def jurisdictions() -> st.SearchStrategy[ast.Ident]:
    """`US`, `US-CA`, `US-NY-NYC`."""
    upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    country = st.text(upper, min_size=2, max_size=2)
    parts = st.lists(st.text(upper + "0123456789", min_size=1, max_size=3), max_size=2)
    return st.builds(lambda head, rest: "-".join([head, *rest]), country, parts).map(ast.Ident)


@functools.cache
def texts() -> st.SearchStrategy[str]:
    """The content of a quoted string: any characters, quotes, backslashes and newlines included."""
    return st.text(max_size=12)


# ---------------------------------------------------------------- literals


@functools.cache
def string_lits() -> st.SearchStrategy[ast.StringLit]:
    """`"..."`."""
    return texts().map(ast.StringLit)


@functools.cache
def number_lits() -> st.SearchStrategy[ast.NumberLit]:
    """Whole numbers and decimals with up to four places, never negative."""
    whole = st.integers(0, 10**6).map(Decimal)
    fractional = st.integers(1, 4).flatmap(lambda p: st.decimals(0, 10**4, places=p, allow_nan=False))
    return st.one_of(whole, fractional).map(ast.NumberLit)


@functools.cache
def money_lits() -> st.SearchStrategy[ast.MoneyLit]:
    """`$100`, `$1,250.50`: whole dollars or dollars and cents."""
    dollars = st.integers(0, 10**8).map(Decimal)
    cents = st.decimals(0, 10**7, places=2, allow_nan=False)
    return st.one_of(dollars, cents).map(ast.MoneyLit)


@functools.cache
def percent_lits() -> st.SearchStrategy[ast.PercentLit]:
    """`5%`, `2.5%`."""
    whole = st.integers(0, 100).map(Decimal)
    return st.one_of(whole, st.decimals(0, 100, places=2, allow_nan=False)).map(ast.PercentLit)


@functools.cache
def durations(min_amount: int = 0) -> st.SearchStrategy[ast.Duration]:
    """`1 day`, `7 days`, `24 hours`, `30 minutes`, `2 weeks`."""
    return st.builds(ast.Duration, st.integers(min_amount, 400), st.sampled_from(["minute", "hour", "day", "week"]))


@functools.cache
def clocks() -> st.SearchStrategy[ast.Clock]:
    """`00:00` to `23:59`."""
    return st.builds(ast.Clock, st.integers(0, 23), st.integers(0, 59))


@functools.cache
def windows() -> st.SearchStrategy[ast.Window]:
    """`09:00-19:00`: the start strictly before the end."""
    distinct = st.lists(st.integers(0, 24 * 60 - 1), min_size=2, max_size=2, unique=True).map(sorted)
    return distinct.map(lambda m: ast.Window(ast.Clock(*divmod(m[0], 60)), ast.Clock(*divmod(m[1], 60))))


@functools.cache
def dates() -> st.SearchStrategy[dt.date]:
    """Any calendar date; the grammar writes every year with four digits."""
    return st.dates()


@functools.cache
def date_lits() -> st.SearchStrategy[ast.DateLit]:
    """`2027-01-31`."""
    return dates().map(ast.DateLit)


@functools.cache
def bool_lits() -> st.SearchStrategy[ast.BoolLit]:
    """`true` or `false`."""
    return st.booleans().map(ast.BoolLit)


@functools.cache
def values() -> st.SearchStrategy[ast.Value]:
    """Any literal the grammar accepts as a value (so no durations; see EXPRESSIBLE)."""
    return st.one_of(
        string_lits(), number_lits(), money_lits(), percent_lits(), clocks(), windows(), date_lits(), bool_lits()
    )


# ---------------------------------------------------------------- conditions

COMPARATORS = ["<", "<=", ">", ">=", "==", "!="]


@functools.cache
def exprs(vocab: Vocabulary = SYNTAX, max_leaves: int = 10) -> st.SearchStrategy[ast.Expr]:
    """Any condition tree: names, values, comparisons, `between`, `in`, `not`, `and`, `or`, nested."""
    base = st.one_of(vocab.facts.map(ast.Name), values())

    def extend(inner: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
        operands = st.lists(inner, min_size=2, max_size=4).map(tuple)
        return st.one_of(
            operands.map(ast.And),
            operands.map(ast.Or),
            inner.map(ast.Not),
            st.builds(ast.Compare, st.sampled_from(COMPARATORS), inner, inner),
            st.builds(ast.Between, inner, inner, inner),
            st.builds(ast.InList, inner, st.lists(values(), max_size=4).map(tuple)),
        )

    return st.recursive(base, extend, max_leaves=max_leaves)


# ---------------------------------------------------------------- actions and bodies


@functools.cache
def optional(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """`strategy` or None."""
    return st.none() | strategy


@functools.cache
def actions(vocab: Vocabulary = SYNTAX) -> st.SearchStrategy[ast.Action]:
    """Every action kind."""
    params = st.builds(ast.PlanParam, vocab.words.filter(lambda name: name not in KEYWORDS), values())
    return st.one_of(
        st.builds(ast.Send, vocab.channels, texts(), optional(vocab.tones)),
        st.builds(ast.Call, texts(), optional(vocab.tones)),
        st.builds(ast.OfferPlan, vocab.words, st.lists(params, max_size=3).map(tuple)),
        st.builds(ast.Handoff, texts(), optional(vocab.words)),
        st.builds(ast.Screen, vocab.words),
        st.builds(ast.Pause, durations()),
        st.builds(ast.Escalate, vocab.words),
        st.builds(ast.StopAction, optional(vocab.channels)),
    )


@functools.cache
def bodies(vocab: Vocabulary = SYNTAX, max_leaves: int = 6) -> st.SearchStrategy[tuple[ast.Stmt, ...]]:
    """The statements of a step or handler: actions and nested `when … otherwise … end` branches."""
    conditions = exprs(vocab, max_leaves=4)

    def extend(inner: st.SearchStrategy[ast.Stmt]) -> st.SearchStrategy[ast.Stmt]:
        block = st.lists(inner, max_size=3).map(tuple)
        return st.builds(ast.Branch, conditions, block, block)

    stmts = st.recursive(actions(vocab), extend, max_leaves=max_leaves)
    return st.lists(stmts, max_size=3).map(tuple)


# ---------------------------------------------------------------- strategies


@functools.cache
def guards(vocab: Vocabulary = SYNTAX, negated: st.SearchStrategy[bool] | None = None) -> st.SearchStrategy[ast.Guard]:
    """`when COND` or `unless COND` (handlers take only `when`: pass `negated=st.just(False)`)."""
    return st.builds(ast.Guard, exprs(vocab, max_leaves=4), st.booleans() if negated is None else negated)


@functools.cache
def at_mosts() -> st.SearchStrategy[ast.AtMost]:
    """`at most N times`."""
    return st.integers(0, 50).map(ast.AtMost)


@functools.cache
def schedules() -> st.SearchStrategy[ast.Schedule]:
    """`on day N` or `every DURATION from day A to day B`."""
    days = st.integers(0, 400)
    return st.one_of(days.map(ast.OnDay), st.builds(ast.Every, durations(min_amount=1), days, days))


@functools.cache
def steps(vocab: Vocabulary = SYNTAX) -> st.SearchStrategy[ast.Step]:
    """A step with any schedule, window, guard and cap."""
    return st.builds(
        ast.Step,
        texts(),
        schedules(),
        bodies(vocab),
        window=optional(st.builds(ast.TimeWindow, windows(), st.booleans())),
        guard=optional(guards(vocab)),
        at_most=optional(at_mosts()),
    )


@functools.cache
def handlers(vocab: Vocabulary = SYNTAX) -> st.SearchStrategy[ast.Handler]:
    """An event handler with any guard, delay and cap."""
    return st.builds(
        ast.Handler,
        idents(vocab.events),
        bodies(vocab),
        guard=optional(guards(vocab, negated=st.just(False))),
        delay=optional(durations()),
        at_most=optional(at_mosts()),
    )


@functools.cache
def strategies(vocab: Vocabulary = SYNTAX) -> st.SearchStrategy[ast.Strategy]:
    """A whole strategy: any subset of header clauses, segments, steps, handlers and stop lines."""
    conditions = exprs(vocab, max_leaves=6)
    return st.builds(
        ast.Strategy,
        texts(),
        st.integers(0, 99),
        description=optional(string_lits()),
        organization=optional(idents(vocab.organizations)),
        jurisdictions=st.lists(jurisdictions(), max_size=3).map(tuple),
        audience=optional(conditions),
        languages=ident_lists(vocab.languages, min_size=0),
        tone=optional(idents(vocab.tones)),
        segments=st.lists(st.builds(ast.Segment, word_or_keyword(), conditions), max_size=3).map(tuple),
        steps=st.lists(steps(vocab), max_size=3).map(tuple),
        handlers=st.lists(handlers(vocab), max_size=2).map(tuple),
        stops=st.lists(st.builds(ast.StopWhen, conditions), max_size=2).map(tuple),
    )


# ---------------------------------------------------------------- policy packs


@functools.cache
def constraints(vocab: Vocabulary = SYNTAX) -> st.SearchStrategy[ast.Constraint]:
    """Every constraint kind, with any parameters the grammar can write."""
    channels = ident_lists(vocab.channels)
    words = idents(vocab.words)
    condition = exprs(vocab, max_leaves=4)
    ordered_clocks = windows().map(lambda w: (w.start, w.end))
    return st.one_of(
        st.builds(ast.FrequencyCap, channels, st.integers(0, 99), words, durations(), optional(words)),
        st.builds(ast.CoolDown, idents(vocab.events), channels, words, durations()),
        st.builds(
            lambda clocks, chans: ast.TimeWindowRule(*clocks, chans), ordered_clocks, ident_lists(vocab.channels, 0)
        ),
        st.builds(ast.RequireContent, words, channels, optional(idents(st.sampled_from(["first", "later"]) | word()))),
        st.builds(ast.ForbidContent, words, channels),
        st.builds(ast.Hold, ident_lists(vocab.words), condition, optional(words)),
        st.builds(ast.RequireConsent, words, channels),
        st.builds(ast.WaitingPeriod, durations(), idents(vocab.events), words),
        st.builds(ast.ForbidAction, idents(vocab.words.filter(lambda name: name != "content")), condition),
        st.builds(ast.Obligation, idents(vocab.words.filter(_not_require_kind)), durations(), idents(vocab.events)),
        st.builds(ast.PriorNotice, texts(), durations(), words),
    )


def _not_require_kind(name: str) -> bool:
    return name not in {"consent", "content", "notice"}


@functools.cache
def applies(vocab: Vocabulary = SYNTAX) -> st.SearchStrategy[ast.Applies]:
    """`applies to ORGANIZATIONS [in JURISDICTIONS]`."""
    return st.builds(ast.Applies, ident_lists(vocab.organizations), st.lists(jurisdictions(), max_size=3).map(tuple))


@functools.cache
def rules(vocab: Vocabulary = SYNTAX) -> st.SearchStrategy[ast.Rule]:
    """A rule with one to three constraints and any subset of its metadata."""
    return st.builds(
        ast.Rule,
        texts(),
        texts(),
        st.lists(constraints(vocab), min_size=1, max_size=3).map(tuple),
        description=optional(texts()),
        severity=optional(idents(st.sampled_from(["error", "warning", "info"]) | vocab.words)),
        applies=optional(applies(vocab)),
        effective_from=optional(dates()),
        effective_until=optional(dates()),
        status=optional(idents(st.sampled_from(["active", "inactive"]) | vocab.words)),
    )


@functools.cache
def policies(vocab: Vocabulary = SYNTAX) -> st.SearchStrategy[ast.Policy]:
    """A policy pack of up to four rules, with or without an `applies` line."""
    return st.builds(
        ast.Policy,
        texts(),
        texts(),
        st.lists(rules(vocab), max_size=4, unique_by=lambda rule: rule.rule_id).map(tuple),
        optional(applies(vocab)),
    )


@functools.cache
def programs(vocab: Vocabulary = SYNTAX) -> st.SearchStrategy[ast.Program]:
    """A strategy or a policy pack."""
    return st.one_of(strategies(vocab), policies(vocab))
