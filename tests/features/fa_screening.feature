Feature: A nonprofit hospital's screening step puts the patient in front of a financial counselor
  Before any extraordinary collection action, a nonprofit hospital must make reasonable efforts to
  find out whether the patient qualifies under its financial-assistance policy (FAP)
  (IRS501R-ECA-DEF, 26 CFR 1.501(r)-6(a)). Parley holds no poverty-guideline figures and never
  decides eligibility itself: a strategy's `screen financial_assistance` asks a person to do it,
  through a hand-off in the financial counselors' queue. The counselor records the outcome as an
  `fa_screening` event, and that event, not the hand-off, is what the 501(r) rules count as the
  screening having happened.

  In every scenario a patient in Houston owes a self-pay balance of $820 to a nonprofit hospital
  whose deployed strategy is strategies/nonprofit_hospital_self_pay.parley: it screens on day 0,
  and screens again, with a counselor at high priority, when a reply shows hardship. The account
  was placed on Monday, March 2, 2026, three days after the first post-discharge statement. Times
  are the patient's local time.

  Background:
    Given the nonprofit hospital's strategy and a patient in Houston placed on "2026-03-02"

  Scenario: IRS501R-ECA-DEF - the day-0 screening step opens a hand-off to the financial counselors and decides nothing
    When the strategy decides at "2026-03-02 10:00"
    Then the financial counselors' queue holds 1 screening hand-off, the newest at "normal" priority
    And the hand-off says "screen for financial assistance under the provider's financial-assistance policy (FAP); post an `fa_screening` event with the outcome"
    And Parley recorded no screening outcome and no eligibility for the patient

  Scenario: IRS501R-ECA-DEF - a reply showing hardship while a counselor still has the screening opens no second screening
    Given the strategy decided at "2026-03-02 10:00"
    And the patient replied "I lost my job and I cannot pay this" at "2026-03-06 09:00"
    When the strategy decides at "2026-03-06 10:00"
    Then the financial counselors' queue holds 1 screening hand-off, the newest at "normal" priority

  Scenario: IRS501R-ECA-DEF - once a counselor records the screening, a reply showing hardship asks for a new one
    Given the strategy decided at "2026-03-02 10:00"
    And a counselor recorded an "fa_screening" event at "2026-03-04 15:00"
    And the patient replied "I lost my job and I cannot pay this" at "2026-03-06 09:00"
    When the strategy decides at "2026-03-06 10:00"
    Then the financial counselors' queue holds 2 screening hand-offs, the newest at "high" priority
