"""A synthetic patient portfolio for training and demos: no real patient is in it.

Every account is drawn from distributions whose payment behaviour is calibrated to the published
figures listed in the engine issue (issue 4), which `test_synthetic_calibration` holds it to:

- uninsured patients pay about 6 cents per dollar owed;
- insured patients with a balance pay in about 15.5% of cases, falling from about 40% for
  balances under $1,200 to about 0.9% above $10,000;
- 68% of bills under $500 are not paid in full;
- agencies recover 15–22% of placed medical debt;
- a phone call reaches the right person about 26% of the time.

Everything else (how balances, ages, incomes and histories are spread) is an assumption of ours,
stated beside each draw, chosen to look like a hospital's self-pay book — not a published figure.
The generator is pure: the same seed gives the same portfolio.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RIGHT_PARTY_CONTACT_RATE = 0.26
FEATURES = (
    "balance",
    "original_balance",
    "days_past_due",
    "insured",
    "patient_age",
    "prior_statements",
    "prior_payments",
    "missed_payments",
    "income_to_poverty",
    "plan_active",
    "contacts_reached",
)


@dataclass(frozen=True)
class Portfolio:
    """Accounts as columns (one numpy array per feature) with their outcomes."""

    features: dict[str, np.ndarray]
    paid_in_full: np.ndarray  # 1 when the balance was paid in full within the horizon
    recovered_share: np.ndarray  # share of the balance recovered, 0..1
    distressed: np.ndarray  # 1 when the patient is in financial distress (hardship)
    seed: int

    @property
    def size(self) -> int:
        """Number of accounts."""
        return len(self.paid_in_full)

    def matrix(self) -> np.ndarray:
        """Features as a 2-D array in `FEATURES` order."""
        return np.column_stack([self.features[name] for name in FEATURES])


def generate(size: int, seed: int = 7) -> Portfolio:
    """A portfolio of `size` accounts drawn with `seed`."""
    rng = np.random.default_rng(seed)
    insured = rng.random(size) < 0.55  # assumption: 55% of a self-pay book has some insurance
    # assumption: balances log-normal; what insured patients owe after insurance runs higher
    # (median ~$3,000) than uninsured self-pay balances (median ~$450)
    balance = np.round(np.exp(rng.normal(np.where(insured, 8.0, 6.1), 1.2)), 2).clip(10, 60_000)
    original_balance = np.round(balance * rng.uniform(1.0, 1.6, size), 2)
    days_past_due = rng.integers(30, 541, size)
    patient_age = rng.integers(18, 91, size)
    prior_statements = rng.integers(1, 9, size)
    income_to_poverty = np.exp(rng.normal(np.where(insured, 1.0, 0.45), 0.6)).round(2)  # assumption
    prior_payments = rng.poisson(np.where(insured, 1.2, 0.4))
    missed_payments = rng.poisson(np.where(income_to_poverty < 1.5, 1.1, 0.3))
    plan_active = (rng.random(size) < 0.08).astype(int)
    contacts_reached = rng.binomial(4, RIGHT_PARTY_CONTACT_RATE, size)

    probability = payment_probability(balance, insured, prior_payments, missed_payments, income_to_poverty)
    paid_in_full = (rng.random(size) < probability).astype(int)
    # assumption: some who never pay in full pay part (more often when insured), which is where
    # most of an agency's recovery comes from
    pays_part = rng.random(size) < np.where(insured, 0.55, 0.05)
    partial = np.where(paid_in_full == 1, 1.0, rng.beta(2.0, 6.0, size) * pays_part)
    distress_score = 1.6 - 0.9 * np.log(income_to_poverty + 0.1) + 0.5 * missed_payments - 1.4 * insured
    distressed = (rng.random(size) < 1 / (1 + np.exp(-(distress_score - 1.8)))).astype(int)
    features = {
        "balance": balance,
        "original_balance": original_balance,
        "days_past_due": days_past_due.astype(float),
        "insured": insured.astype(float),
        "patient_age": patient_age.astype(float),
        "prior_statements": prior_statements.astype(float),
        "prior_payments": prior_payments.astype(float),
        "missed_payments": missed_payments.astype(float),
        "income_to_poverty": income_to_poverty,
        "plan_active": plan_active.astype(float),
        "contacts_reached": contacts_reached.astype(float),
    }
    return Portfolio(features, paid_in_full, partial.clip(0, 1), distressed, seed)


def payment_probability(
    balance: np.ndarray,
    insured: np.ndarray,
    prior_payments: np.ndarray,
    missed_payments: np.ndarray,
    income_to_poverty: np.ndarray,
) -> np.ndarray:
    """Chance an account is paid in full, anchored on the published balance bands.

    Insured: ~40% under $1,200 falling log-linearly to ~0.9% above $10,000 (published). Uninsured:
    ~40% under $250 falling to ~0.4% above $4,000 — our assumption, tuned so that uninsured
    patients pay about 6 cents per dollar, the published figure. History and income move an
    account around its band; the nudges are centred so the bands keep their averages.
    """
    insured_base = band(balance, 1_200, 0.40, 10_000, 0.009)
    uninsured_base = band(balance, 250, 0.40, 4_000, 0.004)
    base = np.where(insured, insured_base, uninsured_base)
    nudge = 0.2 * (prior_payments - prior_payments.mean()) - 0.2 * (missed_payments - missed_payments.mean())
    nudge += 0.15 * (np.log(income_to_poverty) - np.log(income_to_poverty).mean())
    odds = base / (1 - base) * np.exp(nudge)
    return odds / (1 + odds)


def band(balance: np.ndarray, low: float, at_low: float, high: float, at_high: float) -> np.ndarray:
    """`at_low` below `low`, `at_high` above `high`, log-linear in between."""
    share = np.clip((np.log(balance) - np.log(low)) / (np.log(high) - np.log(low)), 0, 1)
    return np.exp(np.log(at_low) + share * (np.log(at_high) - np.log(at_low)))
