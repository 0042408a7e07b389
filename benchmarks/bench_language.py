"""How long the language front end takes on a large strategy: parse, and parse plus every check.

Generates a realistic 2,000-line strategy (segments, steps with guards and windows, branches,
event handlers), then times `dsl.parse` and `dsl.check.check_text` over repeated runs and prints
the median and 90th percentile wall time and the median CPU time in milliseconds, with the load
average before and after (wall time on a shared machine also counts other processes).
`parse, tree walk` is the slow path (`dsl.parser.parse_slowly`), for comparison: `parse` builds
the tree in the parser's reductions. Run: `.venv/bin/python benchmarks/bench_language.py`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

from dsl import parse, resolve
from dsl.check import check_text
from dsl.parser import parse_slowly
from dsl.source import Source

CONDITIONS = (
    "score.distress >= 0.7 or intent.hardship",
    "intent.billing_confusion or sentiment.confusion >= 0.5",
    "balance between $100 and $2,500 and days_past_due >= 90",
    'not consent.sms and patient.language in ["es", "vi"]',
    "(score.propensity > 0.4 and balance < $1,250.50) or plan_active",
    "sentiment.frustration >= 0.6 or intent.dispute or intent.stop",
)
CHANNELS = ("sms", "email", "letter")
EVENTS = ("reply", "payment", "missed_payment", "plan_accepted", "conversation", "statement")


def header(lines: list[str]) -> None:
    """The strategy's opening lines."""
    lines += [
        'strategy "Generated benchmark strategy" version 1',
        '  description "A long strategy for timing the parser and checker."',
        "  organization provider",
        "  jurisdictions US-TX, US-CA, US-NY-NYC",
        "  audience balance between $100 and $25,000 and days_past_due >= 30",
        "  languages en, es",
        "  tone supportive",
        "",
    ]


def segment(lines: list[str], n: int) -> None:
    """One named segment (2 lines with its blank)."""
    lines += [f"  segment group_{n} when {CONDITIONS[n % len(CONDITIONS)]}", ""]


def step(lines: list[str], n: int) -> None:
    """One step with a guard, a window and a branch (11 lines with its blank)."""
    channel = CHANNELS[n % len(CHANNELS)]
    if n % 2:
        schedule = f"every {1 + n % 5} days from day {n % 30} to day {60 + n % 30} at most {1 + n % 6} times"
    else:
        schedule = f"on day {n % 120}"
    guard = f"when group_{n % 40}" if n % 3 else "unless paid or disputed"
    lines += [
        f'  step "Step {n}" {schedule} at 09:00-19:00 {guard}',
        f"    when {CONDITIONS[(n + 1) % len(CONDITIONS)]}",
        f"      offer plan income_driven max_share {1 + n % 9}% min_payment $10 max_months 24",
        f'      send {channel} "plan_offer_{n % 7}" tone gentle',
        "    otherwise",
        f'      send {channel} "reminder_{n % 5}"',
        "    end",
        "    pause for 2 days",
        '    call "agent_script" tone supportive',
        "  end",
        "",
    ]


def handler(lines: list[str], n: int) -> None:
    """One event handler with a branch (9 lines with its blank)."""
    lines += [
        f"  on {EVENTS[n % len(EVENTS)]} when {CONDITIONS[n % len(CONDITIONS)]} after {1 + n % 3} days at most 2 times",
        "    when intent.hardship or score.distress >= 0.8",
        '      handoff "billing-team" priority high',
        "    otherwise",
        "      screen financial_assistance",
        "    end",
        '    send email "follow_up" tone educational',
        "  end",
        "",
    ]


def generate(target_lines: int = 2000) -> str:
    """A strategy of about `target_lines` lines: 40 segments, then steps and handlers in turn."""
    lines: list[str] = []
    header(lines)
    for n in range(40):
        segment(lines, n)
    n = 0
    while len(lines) < target_lines - 3:
        (handler if n % 4 == 3 else step)(lines, n)
        n += 1
    lines += ["  stop when paid or disputed or cease_requested", "end"]
    return "\n".join(lines) + "\n"


def measure(run: Callable[[], object], runs: int) -> tuple[float, float, float]:
    """Median and 90th percentile wall time, and median CPU time, of `runs` calls in ms (after a warm-up).

    CPU time is printed too because on a shared machine the wall time also counts other processes.
    """
    run()
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    wall.sort()
    return statistics.median(wall), wall[min(len(wall) - 1, int(len(wall) * 0.9))], statistics.median(cpu)


def main() -> None:
    """Generate the strategy, check it parses cleanly, and print the timings."""
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("--lines", type=int, default=2000)
    arguments.add_argument("--runs", type=int, default=30)
    options = arguments.parse_args()
    text = generate(options.lines)
    parsed = parse(text, "<generated>")
    errors = [d for d in parsed.diagnostics if d.is_error]
    if parsed.program is None or errors:
        raise SystemExit(f"the generated strategy does not parse: {errors[:3]}")
    checked = check_text(text, "<generated>")
    print(f"generated strategy: {text.count(chr(10))} lines, {len(text):,} characters")
    print(f"check findings on it: {len(checked.diagnostics)} (errors: {sum(d.is_error for d in checked.diagnostics)})")
    program = parsed.program
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    for label, run in (
        ("parse", lambda: parse(text, "<generated>")),
        ("parse, tree walk", lambda: parse_slowly(Source("<generated>", text))),
        ("resolve alone", lambda: resolve.check(program, None)),
        ("parse+resolve (check_text)", lambda: check_text(text, "<generated>")),
    ):
        median, p90, cpu = measure(run, options.runs)
        print(f"{label:<28} median {median:7.1f} ms   p90 {p90:7.1f} ms   cpu {cpu:7.1f} ms   ({options.runs} runs)")
    print("load average after:  {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
