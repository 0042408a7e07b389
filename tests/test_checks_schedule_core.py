"""The shared schedule model: planned actions (timeline) and the z3 encoding of conditions (solver)."""

from __future__ import annotations

import pytest

from dsl import ast, parse
from dsl.checks import solver, timeline

STRATEGY = """strategy "Core" version 1
  organization agency
  jurisdictions US-MA
  audience days_since_first_statement >= 400 and original_balance >= $600 and balance between $100 and $900
  segment hardship when score.distress >= 0.7 or intent.hardship
  step "Daily" every 1 day from day 1 to day 10 at most 4 times at 09:00-12:00 unless fa_application_pending
    when hardship
      send sms "gentle"
    otherwise
      call "script"
      send voicemail "lcm"
    end
  end
  step "Twice a day" every 12 hours from day 2 to day 3
    call "script"
  end
  step "Escalate" on day 200
    escalate credit_report
  end
  on reply when intent.callback_request after 2 days
    call "callback"
  end
  on conversation at most 2 times
    send email "summary"
  end
  stop when paid or disputed
end
"""


def strategy() -> ast.Strategy:
    program = parse(STRATEGY, "core.parley").program
    assert isinstance(program, ast.Strategy)
    return program


def by_position() -> list[timeline.PlannedAction]:
    return timeline.planned_actions(strategy())


def test_planned_actions_channels_days_and_bounds() -> None:
    rows = [(p.channel, p.days, p.max_times, p.is_handler, p.event) for p in by_position()]
    assert rows == [
        ("sms", tuple(range(1, 11)), 4, False, None),
        ("call", tuple(range(1, 11)), 4, False, None),
        ("voicemail", tuple(range(1, 11)), 4, False, None),
        ("call", (2, 2, 3, 3), 4, False, None),
        ("credit_report", (200,), 1, False, None),
        ("call", (), None, True, "reply"),
        ("email", (), 2, True, "conversation"),
    ]


def test_path_conditions_negate_unless_and_otherwise() -> None:
    sms, call, _, *_ = by_position()
    assert sms.path_condition == (ast.Not(ast.Name("fa_application_pending")), ast.Name("hardship"))
    assert call.path_condition == (ast.Not(ast.Name("fa_application_pending")), ast.Not(ast.Name("hardship")))
    assert sms.window is not None and sms.window.window.start.minutes == 9 * 60


def test_handler_delay_and_unbounded() -> None:
    reply = by_position()[5]
    assert reply.delay == ast.Duration(2, "day") and reply.unbounded
    assert not by_position()[6].unbounded


def test_paths_of_a_branch_are_two() -> None:
    daily = strategy().steps[0]
    found = timeline.paths(daily)
    assert [len(p.actions) for p in found] == [1, 2]


@pytest.mark.parametrize(
    ("conditions", "day", "possible"),
    [
        ([], None, True),
        ([ast.Name("paid")], None, False),  # a paid account has stopped
        ([ast.Compare("<", ast.Name("original_balance"), ast.MoneyLit(500))], None, False),  # never changes
        ([ast.Compare("<", ast.Name("balance"), ast.MoneyLit(50))], None, True),  # payments lower it
        ([ast.Compare("<", ast.Name("days_since_first_statement"), ast.NumberLit(410))], 20, False),  # grows
        ([ast.Compare("<", ast.Name("days_since_first_statement"), ast.NumberLit(410))], 5, True),
        ([ast.Name("hardship"), ast.Compare("<", ast.Name("score.distress"), ast.NumberLit(0.5))], None, True),
        ([ast.Name("no_such_fact")], None, True),  # unknown names are free, never a crash
        ([ast.Compare(">", ast.Name("paid"), ast.NumberLit(3))], None, False),  # engine: kinds differ, false
    ],
)
def test_satisfiable(conditions: list[ast.Expr], day: int | None, possible: bool) -> None:
    assert (solver.satisfiable(conditions, strategy(), day) is not None) is possible


def test_missing_facts_make_both_negations_true() -> None:
    high = ast.Compare(">=", ast.Name("score.distress"), ast.NumberLit(0.7))
    low = ast.Compare("<", ast.Name("score.distress"), ast.NumberLit(0.7))
    assert solver.exclusive(high, low, strategy())
    assert not solver.exclusive(ast.Not(high), ast.Not(low), strategy())


def test_counterexample_facts_are_readable() -> None:
    found = solver.satisfiable([ast.Name("hardship")], strategy())
    assert found is not None
    facts = found.as_dict()
    assert facts["hardship"] == "true"
    assert facts["original_balance"].startswith("$")
    assert int(facts["days_since_first_statement at placement"]) >= 400


def test_runs_read_changing_facts_afresh_but_one_run_is_consistent() -> None:
    scenario = solver.Scenario(strategy())
    yes, no = ast.Name("hardship"), ast.Not(ast.Name("hardship"))
    runs = [solver.Evaluation((yes,), 3, "day 3"), solver.Evaluation((no,), 4, "day 4")]
    assert scenario.jointly(runs) is not None
    assert scenario.jointly(runs, shared=True) is None
    assert scenario.exclusive(yes, no)


def test_select_counts_weights_under_group_limits() -> None:
    scenario = solver.Scenario(strategy())
    choice = solver.Choice((), 1)
    slots = [solver.Slot((choice,), day, "daily") for day in range(1, 8)]
    assert scenario.select(slots, {"daily": 4}, 4) is not None
    assert scenario.select(slots, {"daily": 4}, 5) is None


DAY_COUNTER_STRATEGY = """strategy "Old accounts" version 1
  organization agency
  audience days_since_first_statement >= 400
  step "Daily call" every 1 day from day 1 to day 10 at 10:00-12:00
    call "agent_script"
  end
  step "Young account call" on day 20 at 15:00-17:00 when days_since_first_statement < 410
    call "young"
  end
  step "Early extra" on day 5 at 15:00-17:00 when days_since_first_statement < 410
    call "early"
  end
end
"""


def test_day_counters_grow_with_the_day() -> None:
    """A run on day 20 sees at least 420 days since the first statement; on day 5, 405 is possible."""
    from dsl.checks.counting import Counter

    program = parse(DAY_COUNTER_STRATEGY, "old.parley").program
    assert isinstance(program, ast.Strategy)
    counter = Counter(program, solver.Scenario(program), {"call", "voicemail"}.__contains__)
    worst = counter.worst(7, 0)
    assert worst is not None and worst.count == 8  # 7 daily calls and the day-5 extra, never the day-20 one
    assert {c.owner.name for c in worst.contacts} == {"Daily call", "Early extra"}  # type: ignore[union-attr]
