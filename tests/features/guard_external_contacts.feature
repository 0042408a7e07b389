Feature: Calls made outside Parley count toward Regulation F's call limits
  Regulation F limits the calls a debt collector places about a debt, whoever dials them: the
  agency's staff by hand, another system, or before the account came to Parley. Each such call is
  recorded with Parley (POST /v1/accounts/{account_id}/contacts) and the guard counts it exactly
  like a call Parley placed itself.

  In every scenario a patient in America/New_York owes one medical debt, D1, placed with a
  collection agency on Monday, March 2, 2026. The agency's deployed strategy
  (strategies/agency_placement.parley) wants its first call of the week on day 14, Monday,
  March 16, and its second on day 17, Thursday, March 19. Times are the patient's local time.

  Background:
    Given the agency placement strategy is deployed
    And a patient in New York owes the medical debt "D1" placed with the agency on "2026-03-02"

  Scenario: 12 CFR 1006.14(b)(2)(i)(A) - after six calls the agency's staff recorded, the strategy's call is the seventh and may go
    Given the agency's staff recorded these calls about "D1":
      | at               | direction | outcome   |
      | 2026-03-10 10:00 | outbound  | no_answer |
      | 2026-03-11 10:00 | outbound  | no_answer |
      | 2026-03-12 10:00 | outbound  | no_answer |
      | 2026-03-13 10:00 | outbound  | voicemail |
      | 2026-03-14 10:00 | outbound  | no_answer |
      | 2026-03-15 10:00 | outbound  | no_answer |
    When the strategy wants to call at "2026-03-16 10:00"
    Then the call is reserved

  Scenario: 12 CFR 1006.14(b)(2)(i)(A) - after seven recorded calls in seven days, the strategy's eighth call is refused
    Given the agency's staff recorded these calls about "D1":
      | at               | direction | outcome   |
      | 2026-03-10 10:00 | outbound  | no_answer |
      | 2026-03-11 10:00 | outbound  | no_answer |
      | 2026-03-12 10:00 | outbound  | no_answer |
      | 2026-03-13 10:00 | outbound  | voicemail |
      | 2026-03-14 10:00 | outbound  | no_answer |
      | 2026-03-15 10:00 | outbound  | no_answer |
      | 2026-03-16 09:00 | outbound  | no_answer |
    When the strategy wants to call at "2026-03-16 10:00"
    Then the call is refused under "REGF-FREQ-7IN7" citing "12 CFR 1006.14(b)(2)(i)(A)"

  Scenario: 12 CFR 1006.14(b)(2)(i)(B) - a conversation with the agency's staff on Thursday, March 12 is day 1 of seven days without calls
    Given the strategy's own pause after a conversation is taken out, so the law's hold shows alone
    And the agency's staff recorded these calls about "D1":
      | at               | direction | outcome      |
      | 2026-03-12 15:00 | inbound   | conversation |
    When the strategy wants to call at "2026-03-16 10:00"
    Then the call is refused under "REGF-FREQ-POSTCONV-7D" citing "12 CFR 1006.14(b)(2)(i)(B)"
    And the refusal says "the first allowed day is Thu 2026-03-19"
    When the strategy wants to call at "2026-03-19 10:00"
    Then the call is reserved

  Scenario: Comment 14(b)(3)(ii)-1 - recorded calls that got a busy signal or reached a number out of service are not counted
    Given the agency's staff recorded these calls about "D1":
      | at               | direction | outcome        |
      | 2026-03-10 10:00 | outbound  | busy           |
      | 2026-03-11 10:00 | outbound  | busy           |
      | 2026-03-12 10:00 | outbound  | not_in_service |
      | 2026-03-13 10:00 | outbound  | busy           |
      | 2026-03-14 10:00 | outbound  | busy           |
      | 2026-03-15 10:00 | outbound  | not_in_service |
      | 2026-03-16 09:00 | outbound  | busy           |
    When the strategy wants to call at "2026-03-16 10:00"
    Then the call is reserved

  Scenario: A call the agency's dialer reports twice is counted once
    Given the agency's staff recorded these calls about "D1":
      | at               | direction | outcome   |
      | 2026-03-10 10:00 | outbound  | no_answer |
      | 2026-03-11 10:00 | outbound  | no_answer |
      | 2026-03-12 10:00 | outbound  | no_answer |
      | 2026-03-13 10:00 | outbound  | no_answer |
      | 2026-03-14 10:00 | outbound  | no_answer |
      | 2026-03-15 10:00 | outbound  | no_answer |
    And the dialer sends the same calls again
    When the strategy wants to call at "2026-03-16 10:00"
    Then the call is reserved
