"""The language pass, as data: each case is a snippet, the one finding it must give, and where.

Strategy snippets sit under `strategy "T" version 1` (so their first line is line 2); rule
snippets sit inside `rule "R" cites "c"` of a pack (first line is line 3). Every case must give
exactly one finding, so a check that over-reports fails as surely as one that misses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from dsl import check as check_module
from dsl.check import CheckOptions, check_text
from dsl.schema import FACTS, SCORES, Kind, fact, suggest
from dsl.templates import build_template_set

STRATEGY, RULE, PACK = "strategy", "rule", "pack"
DESIGN = Path(__file__).parent / "fixtures" / "design"

# Each case: `=== id: RULE line:column fragment` and the snippet under it. `## KIND` switches
# between strategy snippets, rule snippets and whole packs. The fragment is found in the
# message or the hint.
TABLE = """
## strategy
=== organization: NAME 2:16 did you mean `agency`?
organization agnecy
=== tone: NAME 2:8 `suportive` is not a tone
tone suportive
=== jurisdiction-state: NAME 2:17 `XX` in `US-XX`
jurisdictions US-XX
=== jurisdiction-country: NAME 2:17 only `US` jurisdictions
jurisdictions CA-ON
=== language: NAME 2:17 `xx` is not a language code
languages en, xx
=== unknown-fact: NAME 2:12 did you mean `score.distress`?
audience score.distres >= 0.7
=== unknown-fact-tail: NAME 2:12 did you mean `score.distress`?
audience distress >= 0.7
=== unknown-segment: NAME 3:13 did you mean `hardship`?
segment hardship when intent.hardship
stop when hardshp
=== unquoted-channel: NAME 2:28 put it in quotes: `"sms"`
audience best_channel == sms
=== channel-value: NAME 2:36 `fax` is not a channel
audience best_channel in ["sms", "fax"]
=== language-value: NAME 2:32 `klingon` is not written like a language code
audience patient.language == "klingon"
=== jurisdiction-value: NAME 2:28 `ZZ` in `US-ZZ`
audience jurisdiction == "US-ZZ"
=== timezone-value: NAME 2:32 not written like a time zone
audience patient.timezone == "nowhere"
=== segment-self: NAME 2:11 segment `a` is defined in terms of itself
segment a when a or paid
=== segment-cycle: NAME 2:11 `a` → `b` → `a`
segment a when b
segment b when a
=== send-channel: NAME 3:10 did you mean `sms`?
step "s" on day 0
  send smss "x"
end
=== send-call: NAME 3:10 write `call "x"`
step "s" on day 0
  send call "x"
end
=== action-tone: NAME 3:19 did you mean `gentle`?
step "s" on day 0
  call "x" tone gentel
end
=== plan-kind: NAME 3:16 did you mean `income_driven`?
step "s" on day 0
  offer plan incme_driven
end
=== plan-param: NAME 3:30 did you mean `max_share`?
step "s" on day 0
  offer plan income_driven max_shar 5%
end
=== priority: NAME 3:26 did you mean `high`?
step "s" on day 0
  handoff "q" priority hgh
end
=== screen: NAME 3:12 `charity` is not a screening program
step "s" on day 0
  screen charity
end
=== escalate: NAME 3:14 `lawsuit` is not something a strategy can escalate to
step "s" on day 0
  escalate lawsuit
end
=== stop-channel: NAME 3:10 `fax` is not a channel
step "s" on day 0
  stop fax
end
=== event: NAME 2:6 did you mean `reply`?
on replly
  handoff "q"
end
=== bare-money: TYPE 2:12 `balance` is an amount of money, not a yes/no condition
audience balance
=== bare-literal: TYPE 2:12 `5` is a number, not a yes/no condition
audience 5
=== boolean-compared: TYPE 2:13 `paid` is a yes/no state and cannot be compared
stop when paid == true
=== segment-compared: TYPE 3:13 `h` is a yes/no state
segment h when paid
stop when h > 1
=== fixed-values: TYPE 2:12 compares written values with each other
audience 1 < 2
=== unordered: TYPE 2:12 has no order to compare by
audience jurisdiction < "US-CA"
=== money-vs-number: TYPE 2:23 `balance` is an amount of money, but `100` is a number
audience balance >= 100
=== days-vs-money: TYPE 2:29 `days_past_due` is a number of days, but `$120`
audience days_past_due >= $120
=== score-vs-percent: TYPE 2:30 write the score as a fraction: `0.7`
audience score.distress >= 70%
=== score-out-of-range: TYPE 2:30 `score.distress` runs from 0 to 1
audience score.distress >= 70
=== sentiment-out-of-range: TYPE 2:32 `sentiment.anxiety` runs from 0 to 1
audience sentiment.anxiety < 1.5
=== age-out-of-range: TYPE 2:26 `patient.age` runs from 0 to 130
audience patient.age > 200
=== whole-days: TYPE 2:29 counts whole days
audience days_past_due >= 12.5
=== clock-vs-number: TYPE 2:24 `best_time` is a time of day, but `9` is a number
audience best_time > 9
=== names-of-two-kinds: TYPE 2:22 they cannot be compared
audience balance > days_past_due
=== between-reversed: TYPE 2:12 write the lower value first: `between $100 and $250`
audience balance between $250 and $100
=== between-kind: TYPE 2:28 but `100` is a number
audience balance between 100 and $250
=== between-unordered: TYPE 2:12 no order to compare by
audience patient.language between "a" and "b"
=== in-empty: TYPE 2:12 the list is empty
audience best_channel in []
=== in-kind: TYPE 2:39 `5` is a number
audience patient.language in ["en", 5]
=== in-boolean: TYPE 2:12 `paid` is a yes/no state
audience paid in ["yes"]
=== true-vs-channel: TYPE 2:28 `true` is a yes/no state and cannot be compared
audience best_channel == true
=== text-vs-number: TYPE 2:32 `patient.language` is a language code, but `5`
audience patient.language == 5
=== every-too-often: TYPE 2:18 repeats at most once a day
step "s" every 12 hours from day 1 to day 9
  send sms "x"
end
=== every-backwards: TYPE 2:12 from day 9 back to day 1
step "s" every 1 day from day 9 to day 1
  send sms "x"
end
=== at-most-zero: TYPE 2:44 `at most 0 times` means it never runs
step "s" every 1 day from day 1 to day 9 at most 0 times
  send sms "x"
end
=== at-most-once-off: TYPE 2:21 `at most` limits a repeating step
step "s" on day 1 at most 2 times
  send sms "x"
end
=== day-past-ten-years: TYPE 2:12 day 999999999 is more than 3650 days
step "s" on day 999999999
  send sms "x"
end
=== every-past-ten-years: TYPE 2:12 day 3651 is more than 3650 days
step "s" every 1 day from day 1 to day 3651
  send sms "x"
end
=== interval-past-ten-years: TYPE 2:18 longer than 3650 days
step "s" every 3651 days from day 1 to day 9
  send sms "x"
end
=== handler-delay-past-ten-years: TYPE 2:18 `99999 weeks` is longer than 3650 days
on reply after 99999 weeks
  handoff "q"
end
=== at-most-absurd: TYPE 2:12 `at most 999999999 times` is more than 1000
on reply at most 999999999 times
  handoff "q"
end
=== handler-at-most-zero: TYPE 2:12 means it never runs
on reply at most 0 times
  handoff "q"
end
=== pause-zero: TYPE 3:15 does nothing
step "s" on day 1
  pause for 0 days
end
=== plan-percent-range: TYPE 3:40 `max_share` runs from 0 to 100%
step "s" on day 1
  offer plan income_driven max_share 150%
end
=== plan-money-kind: TYPE 3:42 write it like `$10`
step "s" on day 1
  offer plan income_driven min_payment 10
end
=== plan-whole-months: TYPE 3:41 is a whole number
step "s" on day 1
  offer plan income_driven max_months 2.5
end
=== plan-days-range: TYPE 3:39 `days_to_pay` runs from 1 to 365
step "s" on day 1
  offer plan settlement days_to_pay 500
end
=== jurisdiction-twice: DUPLICATE 2:24 jurisdiction `US-TX` is listed twice
jurisdictions US-TX, US-TX
=== language-twice: DUPLICATE 2:21 language `en` is listed twice
languages en, es, en
=== segment-twice: DUPLICATE 3:11 segment `h` is defined twice
segment h when paid
segment h when disputed
=== segment-shadows-fact: DUPLICATE 2:11 has the name of a fact
segment paid when balance > $0
=== step-twice: DUPLICATE 5:8 two steps named `s`
step "s" on day 1
  send sms "x"
end
step "s" on day 2
  send sms "x"
end
=== plan-param-twice: DUPLICATE 3:35 `max_months` is given twice
step "s" on day 1
  offer plan fixed max_months 6 max_months 7
end

## pack
=== pack-organization: NAME 1:33 did you mean `agency`?
policy "p" title "t" applies to agnecy
end
=== pack-jurisdiction: NAME 1:43 `QQ` in `US-QQ`
policy "p" title "t" applies to agency in US-QQ
end

## rule
=== severity: NAME 3:14 did you mean `error`?
severity eror
contact only between 08:00 and 21:00 local
=== status: NAME 3:12 did you mean `vacated`?
status vacatd
contact only between 08:00 and 21:00 local
=== rule-applies: NAME 3:16 `hospital` is not a kind of organization
applies to hospital
contact only between 08:00 and 21:00 local
=== dates-reversed: TYPE 3:5 ends on 2024-01-01, before it starts on 2025-01-01
effective from 2025-01-01 until 2024-01-01
contact only between 08:00 and 21:00 local
=== cap-channel: NAME 3:11 did you mean `call`?
limit cal to 7 per debt per 7 days
=== cap-unit: NAME 3:25 did you mean `debt`?
limit call to 7 per dbt per 7 days
=== cap-window: TYPE 3:34 must be more than 0
limit call to 7 per debt per 0 days
=== cap-absurd-limit: TYPE 3:5 a limit of 5000 is more than 1000
limit call to 5000 per debt per 7 days
=== wait-past-ten-years: TYPE 3:10 longer than 3650 days
wait 4000 days after first_statement before eca
=== cap-place: NAME 3:44 did you mean `home`?
limit call to 2 per debt per 7 days at hom
=== cool-down-event: NAME 3:11 did you mean `conversation`?
after conversatoin no call per debt for 7 days
=== window-channel: NAME 3:56 `fx` is not a channel
contact only between 08:00 and 21:00 local in sms, fx
=== content-key: NAME 3:21 did you mean `opt_out`?
require content opt_ot in email
=== content-position: NAME 3:47 did you mean `first`?
require content mini_miranda in letter on frst communication
=== content-class: NAME 3:20 did you mean `invoice.diagnosis`?
forbid content invoice.diagnoss in sms
=== hold-action: NAME 3:10 did you mean `collection`?
hold collecton when disputed until verified
=== hold-condition: NAME 3:26 did you mean `disputed`?
hold collection when dispted until verified
=== hold-until: NAME 3:41 did you mean `verified`?
hold collection when disputed until verifed
=== consent-kind: NAME 3:21 did you mean `autodialed_calls`?
require consent autodialed_call for call
=== wait-event: NAME 3:25 did you mean `first_statement`?
wait 120 days after first_statment before eca
=== wait-action: NAME 3:48 did you mean `eca`?
wait 120 days after first_statement before ecaa
=== forbid-condition-type: TYPE 3:50 write money with a dollar sign
forbid credit_report when original_balance < 500
=== obligation-action: NAME 3:13 did you mean `validation_notice`?
require validaton_notice within 5 days after first_communication
=== notice-action: NAME 3:48 did you mean `lawsuit`?
require notice "eca_notice" 30 days before lawsut
"""


@dataclass(frozen=True)
class Case:
    """A snippet and the single finding it gives."""

    id: str
    kind: str
    lines: tuple[str, ...]
    rule: str
    line: int
    column: int
    fragment: str


def read_cases(table: str) -> list[Case]:
    """The cases of a table like the one above."""
    cases: list[Case] = []
    kind, head, lines = STRATEGY, "", []

    def close() -> None:
        if head:
            case_id, rest = head.split(": ", 1)
            rule, place, fragment = rest.split(" ", 2)
            line, column = place.split(":")
            cases.append(Case(case_id, kind, tuple(lines), rule, int(line), int(column), fragment))

    for row in table.strip().splitlines():
        if row.startswith(("## ", "=== ")):
            close()
            head, lines = "", []
            if row.startswith("## "):
                kind = row[3:]
            else:
                head = row[4:]
        else:
            lines.append(row)
    close()
    return cases


CASES = read_cases(TABLE)


def build(kind: str, lines: tuple[str, ...] | list[str]) -> str:
    """The whole text a snippet stands in."""
    if kind == STRATEGY:
        return 'strategy "T" version 1\n' + "".join(f"  {line}\n" for line in lines) + "end\n"
    if kind == RULE:
        body = "".join(f"    {line}\n" for line in lines)
        return f'policy "p" title "t"\n  rule "R" cites "c"\n{body}  end\nend\n'
    return "\n".join(lines) + "\n"


def test_the_table_reads_as_written() -> None:
    assert len(CASES) == TABLE.count("\n=== ") and len({c.id for c in CASES}) == len(CASES)
    assert {c.rule for c in CASES} == {"NAME", "TYPE", "DUPLICATE"}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_each_mistake_gives_one_finding_at_its_place(case: Case) -> None:
    findings = check_text(build(case.kind, case.lines), "t.parley").diagnostics
    assert len(findings) == 1, [f.message for f in findings]
    (finding,) = findings
    assert (finding.rule, finding.span.line, finding.span.column) == (case.rule, case.line, case.column)
    assert case.fragment in finding.message or case.fragment in (finding.hint or "")
    # House style: messages start lowercase and end without a period.
    assert finding.message[0] == finding.message[0].lower() and not finding.message.endswith(".")


NEAR_MISSES = [
    # Each is one edit away from a case above, and right.
    ("organization", STRATEGY, ["organization nonprofit_hospital"]),
    ("jurisdictions", STRATEGY, ["jurisdictions US, US-CA, US-NY-NYC"]),
    ("languages", STRATEGY, ["languages en, es, vi, zh"]),
    ("score", STRATEGY, ["audience score.distress >= 0.7 and score.propensity <= 1"]),
    ("money", STRATEGY, ["audience balance between $100 and $1,250.50"]),
    ("days", STRATEGY, ["audience days_past_due >= 120 and days_since_first_statement < 240"]),
    ("days-vs-number", STRATEGY, ["audience days_past_due > patient.age"]),
    ("money-names", STRATEGY, ["audience balance < original_balance"]),
    ("clock", STRATEGY, ["audience best_time between 09:00 and 12:00"]),
    ("channel", STRATEGY, ['audience best_channel in ["sms", "email"] and best_channel != "call"']),
    ("language", STRATEGY, ['audience patient.language in ["en", "es", "zh_Hant"]']),
    ("place", STRATEGY, ['audience jurisdiction == "US-NY-NYC" and patient.timezone == "America/New_York"']),
    ("booleans", STRATEGY, ["stop when paid or not consent.sms or (intent.stop and true)"]),
    ("literal-left", STRATEGY, ["audience 0.5 <= sentiment.confusion"]),
    ("segments", STRATEGY, ["segment a when paid", "segment b when a or disputed", "stop when b"]),
    ("segment-later", STRATEGY, ["segment b when a", "segment a when paid"]),
    (
        "actions",
        STRATEGY,
        [
            'step "s" every 1 week from day 1 to day 90 at most 1 times',
            "  offer plan settlement discount 20% days_to_pay 30",
            "  offer plan fixed monthly_payment $25 max_months 12",
            '  handoff "q" priority urgent',
            "  screen financial_assistance",
            "  escalate credit_report",
            "  pause for 1 day",
            "  stop voicemail",
            "end",
        ],
    ),
    ("handler", STRATEGY, ["on missed_payment after 3 days at most 2 times", '  handoff "q"', "end"]),
    ("ten-years", STRATEGY, ['step "s" every 1 day from day 0 to day 3650 at most 1000 times', '  handoff "q"', "end"]),
    ("long-wait", RULE, ["wait 3650 days after first_statement before eca"]),
    ("dates", RULE, ["effective from 2024-01-01 until 2024-01-01", "contact only between 08:00 and 21:00 local"]),
    ("cap", RULE, ["limit call, contact to 3 per account per 7 days at personal"]),
    ("content", RULE, ["forbid content phi in sms, voicemail"]),
    ("hold", RULE, ["hold eca when fa_application_pending"]),
    ("consent", RULE, ["require consent prerecorded_voice for call"]),
    ("forbid", RULE, ["forbid credit_report when original_balance < $500 or days_since_first_statement < 365"]),
    ("status", RULE, ["status vacated", "severity warning", "hold contact when cease_requested"]),
]


@pytest.mark.parametrize(("kind", "lines"), [c[1:] for c in NEAR_MISSES], ids=[c[0] for c in NEAR_MISSES])
def test_near_misses_pass(kind: str, lines: list[str]) -> None:
    findings = check_text(build(kind, lines), "t.parley").diagnostics
    assert [f.message for f in findings] == []


@pytest.mark.parametrize("path", sorted(DESIGN.glob("*.parley")), ids=lambda p: p.name)
def test_design_examples_resolve_cleanly(path: Path) -> None:
    assert check_text(path.read_text(), str(path)).diagnostics == ()


# ---------------------------------------------------------------- did you mean


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("stpe", "step"),  # a swap of two letters is one edit
        ("agnecy", "agency"),
        ("sms", "sms"),
        ("distress", "score.distress"),  # the last part of a dotted name
        ("xyz", None),
        ("completely_different", None),
    ],
)
def test_suggest(word: str, expected: str | None) -> None:
    assert suggest(word, ["step", "agency", "sms", "score.distress", "email"]) == expected


# ---------------------------------------------------------------- the schema


DESIGN_FACTS = re.findall(
    r"[\w.]+",
    "balance original_balance days_past_due days_since_first_statement jurisdiction patient.language patient.age "
    "patient.timezone consent.sms consent.email consent.autodialed_calls paid disputed verified cease_requested "
    "attorney_represented bankrupt deceased plan_active fa_application_pending score.propensity score.distress "
    "sentiment.frustration sentiment.confusion sentiment.anxiety intent.hardship intent.billing_confusion "
    "intent.dispute intent.stop intent.payment_promise intent.wrong_person intent.insurance_question "
    "intent.callback_request best_time best_channel",
)


def test_schema_holds_every_fact_design_names() -> None:
    assert [name for name in DESIGN_FACTS if fact(name) is None] == []


def test_every_score_runs_from_zero_to_one() -> None:
    assert {(s.kind, s.low, s.high) for s in SCORES} == {(Kind.SCORE, 0, 1)}
    assert all(FACTS[s.name] is s for s in SCORES)


# ---------------------------------------------------------------- templates


def template(channels: str, body: str = "Hi {{ patient.first_name }}") -> str:
    return f"---\nchannels: [{channels}]\n---\n{body}\n"


TEMPLATES, _ = build_template_set(
    {
        ("reminder", "en"): (template("sms"), "tpl/reminder/en.j2"),
        ("reminder", "es"): (template("sms"), "tpl/reminder/es.j2"),
        ("letter_only", "en"): (template("letter"), "tpl/letter_only/en.j2"),
        ("script", "en"): (template("call"), "tpl/script/en.j2"),
        ("silent", "en"): ("Hi\n", "tpl/silent/en.j2"),
        ("broken", "en"): (template("sms", "Hi {{ patient.first_name"), "tpl/broken/en.j2"),
        ("typo", "en"): (template("sms", "Hi {{ patient.firstname }}, {{ account.balance | mony }}"), "tpl/typo/en.j2"),
        ("group", "en"): (template("sms", "Hi {{ patient }}"), "tpl/group/en.j2"),
    }
)

TEMPLATE_CASES = [
    # (id, languages, action, file, line, column, fragment)
    ("missing", "en", 'send sms "remider"', "t.parley", 5, 14, "did you mean `reminder`?"),
    ("missing-script", "en", 'call "nobody"', "t.parley", 5, 10, "there is no call script `nobody`"),
    ("missing-language", "en, es, vi", 'send sms "reminder"', "t.parley", 5, 14, "no version in `vi`"),
    ("wrong-channel", "en", 'send email "reminder"', "t.parley", 5, 16, "not meant for `email`"),
    ("not-a-script", "en", 'call "letter_only"', "t.parley", 5, 10, "is not a call script"),
    ("no-channels", "en", 'send sms "silent"', "t.parley", 5, 14, "does not say which channels"),
    ("unreadable", "en", 'send sms "broken"', "t.parley", 5, 14, "cannot be read"),
    ("unknown-variable", "en", 'send sms "typo"', "tpl/typo/en.j2", 4, 7, "did you mean `patient.first_name`?"),
    ("unknown-filter", "en", 'send sms "typo"', "tpl/typo/en.j2", 4, 50, "did you mean `money`?"),
    ("group-variable", "en", 'send sms "group"', "tpl/group/en.j2", 4, 7, "is a group of values"),
]


def with_action(languages: str, action: str) -> str:
    return f'strategy "T" version 1\n  languages {languages}\n\n  step "s" on day 0\n    {action}\n  end\nend\n'


@pytest.mark.parametrize(
    ("languages", "action", "file", "line", "column", "fragment"),
    [c[1:] for c in TEMPLATE_CASES],
    ids=[c[0] for c in TEMPLATE_CASES],
)
def test_template_findings(languages: str, action: str, file: str, line: int, column: int, fragment: str) -> None:
    findings = check_text(with_action(languages, action), "t.parley", CheckOptions(templates=TEMPLATES)).diagnostics
    matching = [f for f in findings if fragment in f.message or fragment in (f.hint or "")]
    assert len(matching) == 1, [f.message for f in findings]
    (finding,) = matching
    assert (finding.rule, finding.span.file, finding.span.line, finding.span.column) == ("TEMPLATE", file, line, column)


@pytest.mark.parametrize(
    ("languages", "action"),
    [("en, es", 'send sms "reminder"'), ("en", 'call "script"'), ("en", 'send letter "letter_only"')],
)
def test_template_near_misses(languages: str, action: str) -> None:
    findings = check_text(with_action(languages, action), "t.parley", CheckOptions(templates=TEMPLATES)).diagnostics
    assert [f.message for f in findings] == []


def test_template_problems_are_reported_once_per_file() -> None:
    text = with_action("en", 'send sms "typo"\n    send sms "typo"')
    findings = check_text(text, "t.parley", CheckOptions(templates=TEMPLATES)).diagnostics
    assert len([f for f in findings if f.span.file == "tpl/typo/en.j2"]) == 2


def test_without_templates_no_template_is_required() -> None:
    assert check_text(with_action("en", 'send sms "anything"'), "t.parley").diagnostics == ()


def test_design_strategy_with_its_templates_resolves_cleanly() -> None:
    from runtime.files import load_templates

    templates, problems = load_templates(DESIGN / "templates")
    path = DESIGN / "strategy.parley"
    assert problems == []
    assert len(templates) == 12
    assert check_text(path.read_text(), str(path), CheckOptions(templates=templates)).diagnostics == ()


# ---------------------------------------------------------------- the order of passes


def test_compliance_checks_run_only_on_a_clean_program(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(check_module, "run_checks", lambda program, ctx: calls.append(program.name) or [])
    policy = check_text((DESIGN / "policy.parley").read_text(), "policy.parley").parsed.program
    options = CheckOptions(policies=(policy,))
    check_text('strategy "clean" version 1\n  organization agency\nend\n', "a.parley", options)
    check_text('strategy "dirty" version 1\n  organization agnecy\nend\n', "b.parley", options)
    check_text('strategy "no packs" version 1\nend\n', "c.parley")
    assert calls == ["clean"]
