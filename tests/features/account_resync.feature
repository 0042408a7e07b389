Feature: What the patient told us stays in force when the billing system re-sends the account
  The billing system re-sends each account (`PUT /v1/accounts/{id}`) with its usual body: the
  balance as it stands today, and nothing about disputes, cease notices or consents, which reach
  Parley as events. A routine re-send must never end them. 12 CFR 1006.38(d) and 15 U.S.C.
  1692g(b) (catalog entries REGF-DISPUTE-CEASE, REGF-OVERSHADOWING): after a written dispute the
  collector ceases collection of the debt until it sends verification. 12 CFR 1006.6(c)
  (REGF-CEASE): after a cease notice, no further communication about the debt.

  In every scenario a patient in Chicago owes $450 on an Illinois account placed on Monday,
  March 16, 2026, under strategies/hardship_first.parley, which stops when the account is
  disputed, and otherwise sends an email on day 7. Times are the patient's local time.

  Background:
    Given the hardship strategy and a patient in Chicago placed on "2026-03-16"

  Scenario: REGF-DISPUTE-CEASE - a dispute stays in force when the billing system re-sends the account
    Given the patient disputed the debt at "2026-03-18 10:00"
    And the billing system re-sent the account with a balance of "230.00" and no word of the dispute
    When the strategy decides at "2026-03-23 12:00"
    Then the account is still disputed
    And nothing is sent and the strategy stops because "a `stop when` condition holds"
    And the account's audit trail shows the dispute and the re-send that kept "disputed"

  Scenario: REGF-DISPUTE-CEASE - the billing system cannot clear a dispute by re-sending the account
    Given the patient disputed the debt at "2026-03-18 10:00"
    When the billing system re-sends the account with "disputed" set to false
    Then the re-send is refused, naming "facts.disputed" and the `verification_sent` event that answers a dispute
    And the account is still disputed

  Scenario: REGF-CEASE - a cease notice stays in force when the billing system re-sends the account
    Given the patient sent a cease notice at "2026-03-18 10:00"
    And the billing system re-sent the account with a balance of "230.00" and no word of the dispute
    When the strategy decides at "2026-03-23 12:00"
    Then nothing is sent and the strategy stops because "a `stop when` condition holds"

  Scenario: REGF-CEASE - a cease posted to the wrong account can be corrected by a compliance officer, with a reason, and the correction is in the audit trail
    Given the patient sent a cease notice at "2026-03-18 10:00"
    And the billing system re-sent the account with a balance of "230.00" and no word of the dispute
    When compliance officer "Cora Compliance" corrects "cease_requested" to false at "2026-03-19 09:00" because "posted to Ana Lake's account by mistake; see ticket 123"
    And the billing system re-sent the account with a balance of "230.00" and no word of the dispute
    And the strategy decides at "2026-03-23 12:00"
    Then the account no longer has "cease_requested"
    And the strategy sends an email
    And the account's audit trail shows "Cora Compliance" corrected "cease_requested" from true to false, without the reason's words
