"""Parse errors for the mistakes people really make: rule, exact place, message and hint.

Each row is one mistake: the text, where the diagnostic must point (line, column), a fragment of
its message and a fragment of its hint. A row that starts failing means a message got worse.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from lark.exceptions import UnexpectedToken

from dsl import parse
from dsl.parse_errors import HINTS, MISTAKES, describe_parse_error
from dsl.parser import lark_parser
from dsl.source import Source

HEAD = 'strategy "Dental" version 1\n'
POLICY_HEAD = 'policy "p" title "Test pack"\n'


def strategy(body: str) -> str:
    """`body` inside a strategy that is otherwise correct (the body starts on line 2)."""
    return HEAD + body + "end\n"


@dataclass(frozen=True)
class Case:
    """One mistake and the diagnostic it must give."""

    name: str
    text: str
    line: int
    column: int
    message: str
    hint: str


CASES = [
    # ---- a block that lost its `end`
    Case(
        "step missing end before next step",
        strategy('  step "a" on day 1\n    send sms "x"\n  step "b" on day 2\n    send sms "y"\n  end\n'),
        4,
        3,
        "the step that starts on line 2 is missing its `end`",
        "add `end`",
    ),
    Case(
        "step missing end at end of file",
        HEAD + '  step "a" on day 1\n    send sms "x"\nend\n',
        4,
        1,
        "the step that starts on line 2 is missing its `end`",
        "before line 4",
    ),
    Case(
        "branch missing end",
        strategy('  step "a" on day 1\n    when paid\n      send sms "x"\n  end\n'),
        5,
        3,
        "the `when` branch that starts on line 3 is missing its `end`",
        "before line 5",
    ),
    Case(
        "branch with otherwise missing end",
        strategy('  step "a" on day 1\n    when paid\n      send sms "x"\n    otherwise\n      send sms "y"\n  end\n'),
        7,
        3,
        "the `when` branch that starts on line 3 is missing its `end`",
        "close the `when` branch",
    ),
    Case(
        "handler missing end before stop when",
        strategy('  on reply\n    handoff "q"\n  stop when paid\n'),
        4,
        3,
        "the handler that starts on line 2 is missing its `end`",
        "goes after the handler's `end`",
    ),
    Case(
        "handler missing end before a step",
        strategy('  on reply\n    handoff "q"\n  step "a" on day 1\n    send sms "x"\n  end\n'),
        4,
        3,
        "the handler that starts on line 2 is missing its `end`",
        "add `end`",
    ),
    Case(
        "handler missing end at end of file",
        HEAD + '  on reply\n    handoff "q"\nend\n',
        4,
        1,
        "the handler that starts on line 2 is missing its `end`",
        "close the handler",
    ),
    Case(
        "rule missing end before next rule",
        POLICY_HEAD + '  rule "A" cites "c"\n    limit call to 7 per debt per 7 days\n'
        '  rule "B" cites "d"\n    limit sms to 7 per debt per 7 days\n  end\nend\n',
        4,
        3,
        "the rule that starts on line 2 is missing its `end`",
        "add `end`",
    ),
    Case(
        "rule missing end at end of file",
        POLICY_HEAD + '  rule "A" cites "c"\n    limit call to 7 per debt per 7 days\nend\n',
        4,
        1,
        "the rule that starts on line 2 is missing its `end`",
        "close the rule",
    ),
    Case(
        "strategy missing end",
        HEAD + '  step "a" on day 1\n    send sms "x"\n  end\n',
        4,
        5,
        "the strategy that starts on line 1 is missing its `end`",
        "close the strategy",
    ),
    Case(
        "policy missing end",
        POLICY_HEAD + '  rule "A" cites "c"\n    limit call to 7 per debt per 7 days\n  end\n',
        4,
        5,
        "the policy that starts on line 1 is missing its `end`",
        "close the policy",
    ),
    Case(
        "extra end",
        strategy('  step "a" on day 1\n    send sms "x"\n  end\n  end\n'),
        6,
        1,
        "after the strategy's final `end`",
        "the `end` on line 5 already closed",
    ),
    # ---- literals
    Case(
        "duration shorthand in a step",
        strategy('  step "a" every 7d from day 1 to day 9\n    send sms "x"\n  end\n'),
        2,
        19,
        "durations are written in words",
        "`7 days`",
    ),
    Case(
        "duration shorthand in a handler",
        strategy('  on reply after 2h\n    handoff "q"\n  end\n'),
        2,
        19,
        "durations are written in words",
        "`24 hours`",
    ),
    Case(
        "duration shorthand in a policy",
        POLICY_HEAD + '  rule "A" cites "c"\n    limit call to 7 per debt per 7d\n  end\nend\n',
        3,
        35,
        "durations are written in words",
        "`7 days`",
    ),
    Case(
        "hour 25 in a window",
        strategy('  step "a" on day 1 at 09:00-25:00\n    send sms "x"\n  end\n'),
        2,
        30,
        "`25:00` is not a time of day",
        "24-hour clock",
    ),
    Case(
        "hour 25 in a policy",
        POLICY_HEAD + '  rule "A" cites "c"\n    contact only between 08:00 and 25:00 local\n  end\nend\n',
        3,
        36,
        "`25:00` is not a time of day",
        "`00:00` to `23:59`",
    ),
    Case(
        "window ends before it starts",
        strategy('  step "a" on day 1 at 09:00-8:00\n    send sms "x"\n  end\n'),
        2,
        24,
        "the window `09:00-8:00` ends before it starts",
        "earlier time first",
    ),
    Case(
        "one-digit hour",
        strategy('  step "a" on day 1 at 8:00-19:00\n    send sms "x"\n  end\n'),
        2,
        24,
        "`8:00` needs two digits for the hour",
        "`08:00`",
    ),
    Case(
        "twelve-hour clock in a window",
        strategy('  step "a" on day 1 at 9am-5pm\n    send sms "x"\n  end\n'),
        2,
        24,
        "`9am` is not how times of day are written",
        "24-hour clock",
    ),
    Case(
        "twelve-hour clock in a policy",
        POLICY_HEAD + '  rule "A" cites "c"\n    contact only between 8 am and 21:00 local\n  end\nend\n',
        3,
        26,
        "`8 am` is not how times of day are written",
        "`09:00`",
    ),
    Case(
        "one time where a window is needed",
        strategy('  step "a" on day 1 at 09:00\n    send sms "x"\n  end\n'),
        2,
        24,
        "a step's time is a window",
        "`09:00-19:00`",
    ),
    Case(
        "money with two dots",
        strategy("  audience balance > $1.2.3\n"),
        2,
        22,
        "`$1.2.3` is not an amount of money",
        "`$1,250.50`",
    ),
    Case(
        "dollar sign alone",
        strategy("  audience balance > $\n"),
        2,
        22,
        "`$` cannot appear here",
        "right after `$`",
    ),
    Case(
        "space before percent",
        strategy("  audience balance > 5 %\n"),
        2,
        24,
        "`%` cannot appear here",
        "like `5%`",
    ),
    Case(
        "unterminated string in a step name",
        strategy('  step "a on day 1\n    send sms "x"\n  end\n'),
        2,
        8,
        "missing its closing quote",
        'end the text with `"`',
    ),
    Case(
        "unterminated template name",
        strategy('  step "a" on day 1\n    send sms "x\n  end\n'),
        3,
        14,
        "missing its closing quote",
        "on the same line",
    ),
    Case(
        "unquoted template name",
        strategy('  step "a" on day 1\n    send sms friendly\n  end\n'),
        3,
        14,
        "`friendly` needs double quotes",
        '`"friendly"`',
    ),
    Case(
        "day written without day",
        strategy('  step "a" on 3\n    send sms "x"\n  end\n'),
        2,
        15,
        "a step's days are written `day N`",
        "`on day 3`",
    ),
    Case(
        "at most without times",
        strategy('  step "a" every 3 days from day 1 to day 9 at most 3\n    send sms "x"\n  end\n'),
        2,
        54,
        "unexpected end of the line",
        "`times`",
    ),
    # ---- conditions that are missing or unfinished
    Case(
        "step when without condition",
        strategy('  step "a" on day 1 when\n    send sms "x"\n  end\n'),
        2,
        25,
        "`when` needs a condition",
        "write a condition",
    ),
    Case(
        "when without condition further down the file",
        HEAD
        + "  organization provider\n  tone supportive\n\n"
        + '  step "a" on day 1\n    send sms "x"\n  end\n\n  step "b" on day 2 when\n    send sms "y"\n  end\nend\n',
        9,
        25,
        "`when` needs a condition",
        "write a condition",
    ),
    Case(
        "step unless without condition",
        strategy('  step "a" on day 1 unless\n    send sms "x"\n  end\n'),
        2,
        27,
        "`unless` needs a condition",
        "write a condition",
    ),
    Case(
        "segment without condition",
        strategy("  segment hardship when\n"),
        2,
        24,
        "`when` needs a condition",
        "score.distress >= 0.7",
    ),
    Case(
        "stop when without condition",
        strategy("  stop when\n"),
        2,
        12,
        "`when` needs a condition",
        "write a condition",
    ),
    Case(
        "branch when without condition",
        strategy('  step "a" on day 1\n    when\n      send sms "x"\n    end\n  end\n'),
        3,
        9,
        "`when` needs a condition",
        "write a condition",
    ),
    Case(
        "handler when without condition",
        strategy('  on reply when\n    handoff "q"\n  end\n'),
        2,
        16,
        "`when` needs a condition",
        "write a condition",
    ),
    Case(
        "audience without condition",
        strategy("  audience\n"),
        2,
        11,
        "`audience` needs a condition",
        "write a condition",
    ),
    Case(
        "condition ends with and",
        strategy("  audience balance > $100 and\n"),
        2,
        30,
        "the condition stops after `and`",
        "remove the `and`",
    ),
    Case(
        "condition ends with or",
        strategy('  step "a" on day 1 when paid or\n    send sms "x"\n  end\n'),
        2,
        33,
        "the condition stops after `or`",
        "remove the `or`",
    ),
    Case(
        "condition ends with a comparison",
        strategy("  stop when balance <\n"),
        2,
        22,
        "the condition stops after `<`",
        "score.distress >= 0.7",
    ),
    Case(
        "otherwise without when",
        strategy('  step "a" on day 1\n    send sms "x"\n    otherwise\n    send sms "y"\n  end\n'),
        4,
        5,
        "`otherwise` must follow a `when` branch",
        "`when CONDITION`",
    ),
    # ---- misspelt keywords
    Case("stpe", strategy('  stpe "a" on day 1\n    send sms "x"\n  end\n'), 2, 3, "unknown word `stpe`", "`step`"),
    Case("sned", strategy('  step "a" on day 1\n    sned sms "x"\n  end\n'), 3, 5, "unknown word `sned`", "`send`"),
    Case("segmnet", strategy("  segmnet hardship when paid\n"), 2, 3, "unknown word `segmnet`", "`segment`"),
    Case(
        "otherwsie",
        strategy(
            '  step "a" on day 1\n    when paid\n      send sms "x"\n    otherwsie\n      send sms "y"\n'
            "    end\n  end\n"
        ),
        5,
        5,
        "unknown word `otherwsie`",
        "did you mean `otherwise`?",
    ),
    Case("ned", strategy('  step "a" on day 1\n    send sms "x"\n  ned\n'), 4, 3, "unknown word `ned`", "`end`"),
    Case("stratgy", 'stratgy "s" version 1\nend\n', 1, 1, "unknown word `stratgy`", "`strategy`"),
    Case("versoin", 'strategy "s" versoin 1\nend\n', 1, 14, "unknown word `versoin`", "`version`"),
    Case("descripton", strategy('  descripton "x"\n'), 2, 3, "unknown word `descripton`", "`description`"),
    Case("handof", strategy('  on reply\n    handof "q"\n  end\n'), 3, 5, "unknown word `handof`", "`handoff`"),
    Case(
        "time for times",
        strategy('  step "a" every 3 days from day 1 to day 9 at most 3 time\n    send sms "x"\n  end\n'),
        2,
        55,
        "unknown word `time`",
        "`times`",
    ),
    Case("polcy", 'polcy "p" title "t"\nend\n', 1, 1, "unknown word `polcy`", "`policy`"),
    Case(
        "capitalised keyword",
        strategy('  Step "a" on day 1\n    send sms "x"\n  end\n'),
        2,
        3,
        "`Step` must be written in lowercase",
        "`step`",
    ),
    # ---- characters from other languages and word processors
    Case("ampersand", strategy("  audience paid & disputed\n"), 2, 17, "`&` cannot appear here", "`and`"),
    Case("double bar", strategy("  audience paid || disputed\n"), 2, 17, "`|` cannot appear here", "`or`"),
    Case("bang", strategy("  audience !paid\n"), 2, 12, "`!` cannot appear here", "`not`"),
    Case("single equals", strategy("  audience balance = $5\n"), 2, 20, "`=` cannot appear here", "`==`"),
    Case("semicolon", strategy('  step "a" on day 1;\n    send sms "x"\n  end\n'), 2, 20, "`;`", "remove the `;`"),
    Case("brace", strategy('  step "a" on day 1 {\n    send sms "x"\n  }\n'), 2, 21, "`{`", "closed with `end`"),
    Case("single quotes", strategy("  step 'a' on day 1\n    send sms \"x\"\n  end\n"), 2, 8, "`'`", "double quotes"),
    Case("curly quotes", strategy('  step “a” on day 1\n    send sms "x"\n  end\n'), 2, 8, "`“`", "curly quote"),
    Case("accented letter", strategy("  segment niño when paid\n"), 2, 13, "`ñ` cannot appear here", "letters a–z"),
    Case("at sign", strategy('  step "a" on day 1 @ 10:00-11:00\n  end\n'), 2, 21, "`@` cannot appear here", "`at`"),
    Case("nul byte", strategy('  step "a" on day \x00 1\n  end\n'), 2, 19, "invisible character (U+0000)", "delete it"),
    Case("non-breaking space", strategy("  audience\xa0paid\n"), 2, 11, "invisible character (U+00A0)", "delete it"),
    # ---- the header and the file as a whole
    Case("missing version", 'strategy "s"\n  tone supportive\nend\n', 1, 13, "needs a version number", "version 1"),
    Case("version without number", 'strategy "s" version\nend\n', 1, 21, "needs a version number", "version 1"),
    Case("missing name", "strategy version 1\nend\n", 1, 10, "unexpected `version`", "double quotes"),
    Case("not a strategy", "hello world\n", 1, 1, "unexpected `hello`", "`strategy`"),
    Case("empty file", "", 1, 1, "this file is empty", 'strategy "NAME" version 1'),
    Case("only blank lines", "\n  \n\n", 1, 1, "this file is empty", 'policy "NAME"'),
    Case(
        "not repeated past the limit",
        strategy("  audience " + "not " * 250 + "paid\n"),
        2,
        12 + 4 * 200,  # the 201st `not`
        "nested more than 200 levels deep",
        "named segments",
    ),
    # ---- a unit that is misspelt or is not a unit at all
    Case(
        "misspelt unit",
        strategy('  step "a" every 7 dyas from day 1 to day 9\n    send sms "x"\n  end\n'),
        2,
        20,
        "unknown unit `dyas`",
        "did you mean `days`?",
    ),
    Case(
        "unit with a letter too many",
        strategy('  step "a" on day 1\n    send sms "x"\n  end\n  on reply after 1 dayz\n    handoff "q"\n  end\n'),
        5,
        20,
        "unknown unit `dayz`",
        "did you mean `days`?",
    ),
    Case(
        "months are not a unit",
        strategy('  step "a" on day 1\n    send sms "x"\n  end\n  on reply after 1 month\n    handoff "q"\n  end\n'),
        5,
        20,
        "unknown unit `month`",
        "months are not a unit, as their length varies; write `30 days`",
    ),
    Case(
        "years are not a unit in a policy",
        POLICY_HEAD + 'rule "R" cites "c"\nwait 1 year after x before y\nend\n',
        3,
        8,
        "unknown unit `year`",
        "write `365 days`",
    ),
    Case(
        "a word far from every unit",
        strategy('  step "a" every 7 fortnights from day 1 to day 9\n    send sms "x"\n  end\n'),
        2,
        20,
        "unknown unit `fortnights`",
        "the units are `minutes`, `hours`, `days` and `weeks`",
    ),
    Case(
        "best time in two words",
        strategy('  step "a" on day 1 at best time within 09:00-17:00\n    send sms "x"\n  end\n'),
        2,
        24,
        "`best time` is one word, joined by `_`",
        "did you mean `best_time`?",
    ),
    Case(
        "best-time with a hyphen",
        strategy('  step "a" on day 1 at best-time within 09:00-17:00\n    send sms "x"\n  end\n'),
        2,
        24,
        "`best-time` is one word, joined by `_`",
        "did you mean `best_time`?",
    ),
    Case(
        "7d is still the shorthand mistake, not an unknown unit",
        strategy('  step "a" every 7d from day 1 to day 9\n    send sms "x"\n  end\n'),
        2,
        19,
        "durations are written in words",
        "`7 days`",
    ),
    Case("only a comment", "# nothing yet\n", 1, 1, "this file holds only comments", 'strategy "NAME" version 1'),
    Case(
        "nesting too deep",
        strategy("  audience " + "(" * 300 + "paid" + ")" * 300 + "\n"),
        2,
        212,  # the 201st `(`
        "nested more than 200 levels deep",
        "named segments",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_mistake_gives_a_precise_parse_error(case: Case) -> None:
    result = parse(case.text, "mistake.parley")
    assert result.diagnostics, "a broken text must give a diagnostic"
    assert all(d.rule == "PARSE" and d.is_error for d in result.diagnostics)
    matching = [d for d in result.diagnostics if case.message in d.message]
    assert len(matching) == 1, [d.message for d in result.diagnostics]
    found = matching[0]
    assert (found.span.line, found.span.column) == (case.line, case.column)
    assert found.hint is not None and case.hint in found.hint
    assert found.message == found.message.strip() and not found.message.endswith(".")
    assert found.message[0].islower() or found.message[0] in "`\"'", "messages start in lowercase"


MISTAKE_EXAMPLES = [(label, text) for label, texts in MISTAKES.items() for text in texts]


@pytest.mark.parametrize(
    ("label", "text"), MISTAKE_EXAMPLES, ids=[f"{lb}-{i}" for i, (lb, _) in enumerate(MISTAKE_EXAMPLES)]
)
def test_every_mistake_example_is_recognised_as_its_own_mistake(label: str, text: str) -> None:
    source = Source("example.parley", text)
    with pytest.raises(UnexpectedToken) as failure:
        lark_parser().parse(text)
    found = describe_parse_error(source, failure.value, lark_parser())
    expected_message = HINTS[label][0].split("`{token}`")[-1].strip()
    assert expected_message in found.message


def test_the_full_diagnostic_reads_well_for_a_missing_end() -> None:
    text = HEAD + '  step "Reminder" on day 3\n    send sms "friendly_reminder"\nend\n'
    (found,) = parse(text, "dental.parley").diagnostics
    assert found.span.render() == "end\n^^^"
    assert found.message == "the step that starts on line 2 is missing its `end`"


def test_a_byte_order_mark_at_the_start_is_ignored() -> None:
    text = HEAD + '  step "a" on day 1\n    send sms "x"\n  end\nend\n'
    with_mark = parse("\ufeff" + text, "bom.parley")
    assert with_mark.ok, [d.message for d in with_mark.diagnostics]
    assert with_mark.program == parse(text, "bom.parley").program


def test_a_byte_order_mark_does_not_shift_columns() -> None:
    (found,) = parse("\ufeff" + strategy('  step "a" every 7 dyas from day 1 to day 9\n  end\n')).diagnostics
    assert (found.span.line, found.span.column) == (2, 20)


def test_a_byte_order_mark_elsewhere_is_still_a_finding() -> None:
    (found,) = parse(HEAD + "\ufeffend\n").diagnostics
    assert "U+FEFF" in found.message
