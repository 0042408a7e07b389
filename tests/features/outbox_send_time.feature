Feature: A message is judged again at the moment it goes out, not only when it was planned
  Regulation F lets a debt collector contact a patient only from 8:00 a.m. to 9:00 p.m. where the
  patient is (12 CFR 1006.6(b)(1)(i)). Parley plans a call for a time the guard allows, but the call
  goes out when the dialer or the delivery worker takes it from the outbox, which can be later: the
  worker was down, a failed attempt was retried, the dialer pulled late. So the guard judges every
  message again when it is handed over, for the whole of the dialer's lease. A message that may not
  go out then waits for the first moment it may, if that comes within a day of its planned time;
  otherwise it is cancelled, never sent late. Either way the account's audit trail says so.

  In every scenario a patient in America/New_York owes one medical debt placed with a collection
  agency on Monday, March 2, 2026. Deciding at 08:00 on Monday, March 16, the agency's deployed
  strategy (strategies/agency_placement.parley) plans a call for 09:00 that day. Times are the
  patient's local time.

  Background:
    Given the agency strategy planned a call for "2026-03-16 09:00"

  Scenario: A call the dialer takes at its planned time goes out
    When the dialer takes messages at "2026-03-16 09:00" for 60 seconds
    Then the call is handed to the dialer

  Scenario: 12 CFR 1006.6(b)(1)(i) - a call taken after 9 p.m. waits until 8 a.m. the next morning
    When the dialer takes messages at "2026-03-16 21:30" for 60 seconds
    Then the call is not handed to the dialer
    And the call waits until "2026-03-17 08:00" under "REGF-TIME-8TO9"
    When the dialer takes messages at "2026-03-17 08:00" for 60 seconds
    Then the call is handed to the dialer

  Scenario: 12 CFR 1006.6(b)(1)(i) - a lease that would run past 9 p.m. is not given
    When the dialer takes messages at "2026-03-16 20:59:30" for 60 seconds
    Then the call is not handed to the dialer
    And the call waits until "2026-03-17 08:00" under "REGF-TIME-8TO9"

  Scenario: A call that cannot go out within a day of its planned time is cancelled, not sent late
    When the dialer takes messages at "2026-03-17 22:00" for 60 seconds
    Then the call is not handed to the dialer
    And the call is cancelled under "REGF-TIME-8TO9"
