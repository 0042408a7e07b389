"""The durable-rules evaluator (`PARLEY_ENGINE=durable`): a plan's conditions as Rete rules.

durable-rules 2.0.28 is unmaintained and has sharp edges, measured here (DESIGN.md lists them).
This adapter keeps clear of each one:

- a ruleset holds at most 1,024 live sessions → one short-lived session per evaluation, deleted
  at once; account state stays in our own tables;
- `delete_state` crashes on a session whose last post matched nothing → every ruleset has a
  catch-all rule (`+m.parley`) that matches every fact we assert;
- a ruleset name cannot be registered twice → names carry the plan's hash and a sequence number;
- an exception inside an action is swallowed into the state → actions only record a match, and
  the adapter raises `DurableError` when the returned state carries an exception or the
  catch-all did not see the fact;
- `"abc" > 1` is true, and `1 == true` → the checker guarantees the strategy's types, but facts
  come from feeds (a CSV's `"180"`, SQLite's `1` for yes), so every fact is posted with a
  `kind_…` field (unknown, yes/no, number, text) and every comparison demands the kind the
  reference's `compare` demands; numbers a double cannot hold exactly are refused, not rounded;
- absent fields: a negated existence test (`-m.x`) hangs the process → every fact referenced is
  always posted, with its kind saying whether it is known, and negations are pushed down
  to the comparisons (negation normal form) so that unknown facts behave as in the reference;
- rules whose `|` expands too far fail to build (error 113) → conditions become DNF rules, and
  one too wide for that (over `MAX_RULES_PER_CONDITION`) is matched atom by atom instead;
- the host's timer threads start any session's pending actions, racing a decision in progress
  → each of our rulesets' dispatch methods takes the host lock (`shield`);
- it does not import on Python 3.13 → this module is imported only when the backend is chosen;
- its alpha network keeps pending tests on a fixed stack of 64: a fact that reaches 64 sibling
  tests at once fails with error 303, and a plan with 65 or more such conditions corrupted memory
  and killed the process (measured: conditions `balance > 0` … `balance > 64`) → a plan's rules
  are spread over rulesets of at most `RULES_PER_RULESET`, each asked in turn (a tree's pending
  tests never outnumber its rules, so no stack can fill).

The durable host is process-global by the library's design and not safe for concurrent use;
this module is the one place in `engine/` that touches global state: the library's host, the
counters that keep names unique, and the lock that lets one thread at a time use the host.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from durable.lang import assert_fact, delete_state, get_host, m, ruleset, when_all

from dsl import ast
from engine.values import OPERATORS, compare, is_literal, literal_value

Facts = Mapping[str, object]
COMPLEMENT = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
# The kind of a posted value, as `engine.values.compare` tells values apart (ordered: see `comparison`).
UNKNOWN, YES_NO, NUMBER, TEXT = 0, 1, 2, 3
ORDERING = frozenset({"<", "<=", ">", ">="})
LARGEST_EXACT_INTEGER = 2**53
# The durable host is process-global and not safe for concurrent use: two threads deciding on one
# new plan both sealed it, or asserted into a ruleset still being registered ("Ruleset with name
# … not found"), and the one-entry cache was read while another thread replaced it.
_HOST_LOCK = threading.RLock()
_ruleset_numbers = itertools.count(1)
_session_numbers = itertools.count(1)
MAX_RULES_PER_CONDITION = 256
RULES_PER_RULESET = 32  # with the catch-all, well under the alpha network's stack of 64


class DurableError(RuntimeError):
    """durable-rules did not process a fact as it must; the decision cannot be trusted."""


class TooWide(DurableError):
    """A condition's disjunctive normal form has more rules than durable-rules can hold."""


# A condition too wide for one DNF, as its and/or/not structure over atoms matched one by one:
# ("atom", rule number) | ("and", parts) | ("or", parts) | ("not", part).
Tree = tuple[str, Any]


class DurableConditions:
    """Collects a plan's conditions, then evaluates them all with one fact per distinct fact set."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.conditions: list[tuple[ast.Expr, Mapping[str, ast.Expr]]] = []
        self.fields: dict[str, str] = {}
        self.names: list[str] = []  # the rulesets, filled by `seal` on first use
        self.matches: dict[str, set[int]] = {}
        self.last: tuple[tuple[tuple[str, int, object], ...], set[int]] | None = None
        self.trees: dict[int, Tree] = {}  # condition number -> its structure, for wide conditions
        self.atoms: list[ast.Expr] = []  # the atoms of wide conditions, numbered after the conditions

    def compile_expr(self, expr: ast.Expr, segments: Mapping[str, ast.Expr]) -> Callable[[Facts], bool]:
        """Register a condition; the predicate evaluates it through the ruleset."""
        number = len(self.conditions)
        self.conditions.append((expr, segments))
        return lambda facts: number in self.evaluate(facts)

    def evaluate(self, facts: Facts) -> set[int]:
        """The numbers of every condition that holds for these facts (one thread at a time)."""
        with _HOST_LOCK:
            return self.evaluate_alone(facts)

    def evaluate_alone(self, facts: Facts) -> set[int]:
        """`evaluate`, with the durable host to itself."""
        if not self.names:
            self.seal()
        # The kind is part of the key: `1 == True` in Python, but not for the reference.
        key = tuple(sorted((name, kind_of(facts.get(name)), facts.get(name)) for name in self.fields))
        if self.last is not None and self.last[0] == key:
            return self.last[1]
        message = self.message(facts)
        matched: set[int] = set()
        for name in self.names:
            matched |= self.ask(name, message)
        for number, tree in self.trees.items():
            if holds(tree, matched):
                matched.add(number)
        self.last = (key, matched)
        return matched

    def ask(self, name: str, message: dict[str, Any]) -> set[int]:
        """The rule numbers one ruleset matches for the fact, in a session deleted at once."""
        session = f"s{next(_session_numbers)}"
        self.matches[session] = set()
        try:
            state = assert_fact(name, {"sid": session, "parley": 1, **message})
        finally:
            # Deleted whatever happened: a session left behind counts toward the 1,024 limit.
            matched = self.matches.pop(session)
            delete_state(name, session)
        # durable-rules catches an exception raised inside a rule's action and only notes it in
        # the session's state; a condition whose recorder failed would silently read as false.
        failure = state.get("exception") if isinstance(state, dict) else None
        if failure:
            raise DurableError(f"durable-rules failed while evaluating {self.label}: {failure}")
        if -1 not in matched:
            raise DurableError(f"durable-rules did not see the fact for {self.label}")
        matched.discard(-1)
        return matched

    def message(self, facts: Facts) -> dict[str, Any]:
        """Every referenced fact in a field, with a field saying its kind (or that it is unknown)."""
        message: dict[str, Any] = {}
        for name, field in self.fields.items():
            value = facts.get(name)
            message[f"kind_{field}"] = kind_of(value)
            message[f"true_{field}"] = 1 if value is True else 0
            message[field] = posted(value)
        return message

    def seal(self) -> None:
        """Define the rulesets: one rule per conjunct of each condition, a catch-all in each ruleset.

        A condition whose DNF is too wide (a negated `or` of ranges multiplies quickly) is matched
        atom by atom instead, and its and/or/not structure is evaluated on the atoms' matches.
        """
        rules: list[tuple[int, list[Any]]] = []
        for number, (expr, segments) in enumerate(self.conditions):
            try:
                rules.extend((number, conjunct) for conjunct in self.conjuncts(expr, segments, True))
            except TooWide:
                self.trees[number] = self.atomise(expr, segments, rules)
        for start in range(0, max(len(rules), 1), RULES_PER_RULESET):
            name = f"parley_{self.label}_{next(_ruleset_numbers)}"
            with ruleset(name):
                for number, conjunct in rules[start : start + RULES_PER_RULESET]:
                    when_all(combine(conjunct or [m.parley == 1]))(self.recorder(number))
                when_all(+m.parley)(self.recorder(-1))
            shield(get_host().get_ruleset(name))  # registers it, then keeps the host's dispatcher out
            self.names.append(name)

    def atomise(self, expr: ast.Expr, segments: Mapping[str, ast.Expr], rules: list[tuple[int, list[Any]]]) -> Tree:
        """`expr`'s structure, each atom given its own rule numbers (after the conditions')."""
        match expr:
            case ast.And(operands=operands) | ast.Or(operands=operands):
                kind = "and" if isinstance(expr, ast.And) else "or"
                return (kind, tuple(self.atomise(o, segments, rules) for o in operands))
            case ast.Not(operand=operand):
                return ("not", self.atomise(operand, segments, rules))
            case ast.Name(path=path) if path in segments:
                return self.atomise(segments[path], segments, rules)
        number = len(self.conditions) + len(self.atoms)
        self.atoms.append(expr)
        rules.extend((number, conjunct) for conjunct in self.conjuncts(expr, segments, True))
        return ("atom", number)

    def recorder(self, number: int) -> Callable[[Any], None]:
        def record(c: Any) -> None:
            self.matches[c.m.sid].add(number)

        return record

    def field(self, name: str) -> str:
        if name not in self.fields:
            self.fields[name] = f"f{len(self.fields)}"
        return self.fields[name]

    # ------------------------------------------------------------ translation to durable rules

    def conjuncts(self, expr: ast.Expr, segments: Mapping[str, ast.Expr], positive: bool) -> list[list[Any]]:
        """`expr` (or its negation) in disjunctive normal form: each inner list is one durable rule's terms.

        durable-rules fails to build rules whose `|` expands too far inside its fixed-size tables
        (error 113), so disjunctions become separate rules and only conjunctions reach it.
        """
        match expr:
            case ast.And(operands=operands) | ast.Or(operands=operands):
                # Equal operands (spans aside) add nothing but width: `a and a` is `a`.
                parts = [self.conjuncts(o, segments, positive) for o in dict.fromkeys(operands)]
                if isinstance(expr, ast.And) == positive:
                    return self.product(parts)
                return [conjunct for part in parts for conjunct in part]
            case ast.Not(operand=operand):
                return self.conjuncts(operand, segments, not positive)
            case ast.Compare(op=op, left=left, right=right):
                return self.comparison(op, left, right, segments, positive)
            case ast.Between(subject=subject, low=low, high=high):
                both = ast.And((ast.Compare(">=", subject, low), ast.Compare("<=", subject, high)))
                return self.conjuncts(both, segments, positive)
            case ast.InList(subject=subject, options=options):
                unique = dict.fromkeys(literal_value(o) for o in options)
                anyone = ast.Or(tuple(ast.Compare("==", subject, o) for o in options if literal_value(o) in unique))
                anyone = ast.Or(tuple(dict.fromkeys(anyone.operands)))
                return self.conjuncts(anyone, segments, positive)
            case ast.Name(path=path) if path in segments:
                return self.conjuncts(segments[path], segments, positive)
            case ast.Name(path=path):
                # Only the yes/no value true holds (`engine.values.truthy`): `1` and `"true"` do not.
                true = getattr(m, f"true_{self.field(path)}")
                return [[true == 1]] if positive else [[true == 0]]
        if is_literal(expr):
            return constant((literal_value(expr) is True) == positive)
        raise DurableError(f"cannot translate {type(expr).__name__}")

    def product(self, parts: list[list[list[Any]]]) -> list[list[Any]]:
        """The conjunction of several DNFs, refusing growth durable-rules cannot hold."""
        result: list[list[Any]] = [[]]
        for part in parts:
            result = [left + right for left in result for right in part]
            if len(result) > MAX_RULES_PER_CONDITION:
                raise TooWide(f"a condition expands to more than {MAX_RULES_PER_CONDITION} rules")
        return result

    def comparison(
        self, op: str, left: ast.Expr, right: ast.Expr, segments: Mapping[str, ast.Expr], positive: bool
    ) -> list[list[Any]]:
        if isinstance(right, ast.Name) and right.path in segments and not isinstance(left, ast.Name):
            return self.comparison(FLIPPED[op], right, left, segments, positive)
        if isinstance(left, ast.Name) and left.path in segments:
            return self.segment_comparison(op, left.path, right, segments, positive)
        if is_literal(left) and not is_literal(right):
            return self.comparison(FLIPPED[op], right, left, segments, positive)
        if is_literal(left) and is_literal(right):
            return constant(compare(op, literal_value(left), literal_value(right)) == positive)
        if not isinstance(left, ast.Name):
            raise DurableError("only facts can be compared")
        field = self.field(left.path)
        kind = getattr(m, f"kind_{field}")
        # `compare` holds only between known values of one kind, and never orders yes/no values;
        # the negation's disjuncts each rule the comparison out and together cover every way it fails.
        lowest = NUMBER if op in ORDERING else YES_NO
        if isinstance(right, ast.Name):
            other = self.field(right.path)
            value, other_kind = getattr(m, other), getattr(m, f"kind_{other}")
            alike = [kind == other_kind, kind >= lowest]
            unlike = [[kind != other_kind], [kind < lowest]]
        else:
            literal = literal_value(right)
            value, expected = posted(literal), kind_of(literal)
            if expected < lowest:
                return constant(not positive)  # unknown, or a yes/no value ordered: false whatever the fact
            alike, unlike = [kind == expected], [[kind != expected]]
        if positive:
            return [[*alike, apply(op, getattr(m, field), value)]]
        return [*unlike, [apply(COMPLEMENT[op], getattr(m, field), value)]]

    def segment_comparison(
        self, op: str, segment: str, right: ast.Expr, segments: Mapping[str, ast.Expr], positive: bool
    ) -> list[list[Any]]:
        """A segment's truth compared with `true`/`false`; any other comparison is false, as in the reference."""
        if op in ("==", "!=") and isinstance(right, ast.BoolLit):
            same = (op == "==") == right.value
            return self.conjuncts(segments[segment], segments, positive == same)
        if op in ("==", "!=") and isinstance(right, ast.Name) and right.path in segments:
            one, other = ast.Name(segment), right
            both = ast.Or((ast.And((one, other)), ast.And((ast.Not(one), ast.Not(other)))))
            return self.conjuncts(both, segments, positive == (op == "=="))
        return constant(not positive)


def holds(tree: Tree, matched: set[int]) -> bool:
    """Whether a wide condition holds, given which of its atoms matched."""
    kind, part = tree
    if kind == "atom":
        return part in matched
    if kind == "not":
        return not holds(part, matched)
    results = (holds(p, matched) for p in part)
    return all(results) if kind == "and" else any(results)


def shield(engine_ruleset: Any) -> None:
    """Make the host's background dispatcher take the host lock before it touches this ruleset.

    The durable host runs timer threads that start any session's pending actions. Under load
    one started an action of a session a decision was still processing: the decision then lacked
    its matches (DurableError) or durable-rules failed with error 307. Holding the lock, the
    dispatcher only ever finds sessions already processed and deleted, so it has nothing to take.
    """
    for method in ("dispatch", "dispatch_timers"):
        original = getattr(engine_ruleset, method)

        def locked(original: Callable[[], Any] = original) -> Any:
            with _HOST_LOCK:
                return original()

        setattr(engine_ruleset, method, locked)


def apply(op: str, field: Any, value: Any) -> Any:
    """`field OP value` as a durable expression."""
    return OPERATORS[op](field, value)


def combine(terms: list[Any]) -> Any:
    """`a & b & …` as one durable expression."""
    result = terms[0]
    for term in terms[1:]:
        result = result & term
    return result


def constant(value: bool) -> list[list[Any]]:
    """Always (one empty conjunct) or never (no conjunct)."""
    return [[]] if value else []


def kind_of(value: object) -> int:
    """The kind of a fact or literal value as `engine.values.normalise` would leave it."""
    if value is None:
        return UNKNOWN
    if isinstance(value, bool):
        return YES_NO
    if isinstance(value, int | float | Decimal):
        return NUMBER
    return TEXT


def posted(value: object) -> Any:
    """A fact value as durable-rules stores it: Decimals as floats, unknowns as 0.

    durable-rules holds numbers as doubles; a number a double cannot hold exactly would compare
    otherwise than in the reference, so it is refused rather than rounded.
    """
    if value is None:
        return 0
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        if abs(value) > LARGEST_EXACT_INTEGER:
            raise DurableError(f"durable-rules cannot hold the number {value} exactly")
        return value
    if isinstance(value, Decimal):
        number = float(value)
        if value.is_finite() and Decimal(repr(number)) != value:
            raise DurableError(f"durable-rules cannot hold the number {value} exactly")
        return number
    if isinstance(value, float):
        return value
    return str(value)
