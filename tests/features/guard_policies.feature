Feature: The runtime guard applies every shipped policy pack that reaches the case
  The same packs as the static checker (policies/), chosen by who collects and where the patient
  lives: Regulation F is the floor, states add to it, and the strictest rule decides.

  Scenario: Massachusetts counts text messages: a third text about one debt within 7 days waits
    Given the shipped policy packs
    And a provider collecting from a patient in "US-MA"
    And a patient in "America/New_York" owing "D1"
    And the patient consented to "sms, autodialed_calls, prerecorded_voice"
    And the ledger holds:
      | at               | channel | debts | outcome   |
      | 2026-03-05 10:00 | sms     | D1    | delivered |
      | 2026-03-08 10:00 | sms     | D1    | delivered |
    When a text message about "D1" is proposed at "2026-03-10 10:00"
    Then it is refused under "MA-940CMR-7.04-CALLS"
    And the message names "2026-03-05" and "2026-03-12"

  Scenario: Texas adds nothing to Regulation F: two texts and a call the same week are fine
    Given the shipped policy packs
    And an agency collecting from a patient in "US-TX"
    And a patient in "America/Chicago" owing "D1"
    And the patient consented to "sms, autodialed_calls, prerecorded_voice"
    And the ledger holds:
      | at               | channel | debts | outcome   |
      | 2026-03-05 10:00 | sms     | D1    | delivered |
      | 2026-03-08 10:00 | sms     | D1    | delivered |
    When a call about "D1" is proposed at "2026-03-10 10:00"
    Then it is allowed

  Scenario: A text reply "STOP" revokes consent at once (47 CFR 64.1200(a)(10))
    Given the shipped policy packs
    And a provider collecting from a patient in "US-TX"
    And a patient in "America/New_York" owing "D1"
    And the patient consented to "sms, autodialed_calls, prerecorded_voice"
    And these events happened:
      | at               | type  | channel | text |
      | 2026-03-09 12:00 | reply | sms     | STOP |
    When a text message about "D1" is proposed at "2026-03-09 12:01"
    Then it is refused under "TCPA-CONSENT-CELL"
    And no later time is allowed

  Scenario: A reply "No más" in Spanish revokes consent too
    Given the shipped policy packs
    And a provider collecting from a patient in "US-TX"
    And a patient in "America/New_York" owing "D1"
    And the patient consented to "sms, autodialed_calls, prerecorded_voice"
    And these events happened:
      | at               | type  | channel | text    |
      | 2026-03-09 12:00 | reply | sms     | No más! |
    When a text message about "D1" is proposed at "2026-03-10 12:00"
    Then it is refused under "TCPA-REVOKE"

  Scenario Outline: Any wording a reasonable person reads as "stop" revokes consent (47 CFR 64.1200(a)(10))
    Given the shipped policy packs
    And a provider collecting from a patient in "US-TX"
    And a patient in "America/New_York" owing "D1"
    And the patient consented to "sms, autodialed_calls, prerecorded_voice"
    And these events happened:
      | at               | type  | channel | text    |
      | 2026-03-09 12:00 | reply | sms     | <reply> |
    When a text message about "D1" is proposed at "2026-03-10 12:00"
    Then it is refused under "TCPA-REVOKE"

    Examples:
      | reply                    |
      | No más, por favor        |
      | stop texting me          |
      | please stop              |
      | unsubscribe me           |
      | Déjenme en paz           |
      | leave me alone           |

  Scenario: A reply about the bill that is not about contact does not revoke consent
    Given the shipped policy packs
    And a provider collecting from a patient in "US-TX"
    And a patient in "America/New_York" owing "D1"
    And the patient consented to "sms, autodialed_calls, prerecorded_voice"
    And these events happened:
      | at               | type  | channel | text                                    |
      | 2026-03-09 12:00 | reply | sms     | I'll stop by the office to pay on Friday |
    When a text message about "D1" is proposed at "2026-03-10 12:00"
    Then it is allowed

  Scenario: Comment 6(b)(2)-1 - a represented patient who calls in may be answered once
    Given the shipped policy packs
    And an agency collecting from a patient in "US-TX"
    And a patient in "America/New_York" owing "D1"
    And the patient consented to "sms, autodialed_calls, prerecorded_voice"
    And these events happened:
      | at               | type                    | debt |
      | 2026-03-02 10:00 | attorney_representation | D1   |
    And the ledger holds:
      | at               | channel | direction | debts | outcome      |
      | 2026-03-05 10:00 | email   | inbound   | D1    | delivered    |
    When an email about "D1" is proposed at "2026-03-05 11:00"
    Then it is allowed

  Scenario: Comment 6(b)(2)-1 - after that one response the attorney's representation holds again
    Given the shipped policy packs
    And an agency collecting from a patient in "US-TX"
    And a patient in "America/New_York" owing "D1"
    And these events happened:
      | at               | type                    | debt |
      | 2026-03-02 10:00 | attorney_representation | D1   |
    And the ledger holds:
      | at               | channel | direction | debts | outcome   |
      | 2026-03-05 10:00 | email   | inbound   | D1    | delivered |
      | 2026-03-05 11:00 | email   | outbound  | D1    | delivered |
    When an email about "D1" is proposed at "2026-03-06 11:00"
    Then it is refused under "REGF-ATTORNEY"
    And the message names "2026-03-02"

  Scenario: 1006.22(f)(3) - no email to an address the patient's employer provides
    Given the shipped policy packs
    And an agency collecting from a patient in "US-TX"
    And a patient in "America/New_York" owing "D1"
    And the patient's contact points are:
      | id | kind  | employer_provided |
      | e1 | email | true              |
    When an email about "D1" to "e1" is proposed at "2026-03-05 11:00"
    Then it is refused under "REGF-WORKPLACE"

  Scenario: 501(r) - the first extraordinary collection action waits until the statement date plus 121 days
    Given the shipped policy packs
    And a nonprofit_hospital collecting from a patient in "US-TX"
    And a patient in "America/New_York" owing "D1" first billed on "2025-10-01"
    And the ledger holds:
      | at               | channel | debts | outcome   | template   |
      | 2025-12-01 10:00 | letter  | D1    | delivered | eca_notice |
    And these events happened:
      | at               | type         | debt |
      | 2025-11-01 10:00 | fa_screening | D1   |
    When an eca about "D1" is proposed at "2026-01-29 10:00"
    Then it is refused under "IRS501R-ECA-120"
    And the next allowed time is "2026-01-30T00:00:00"

  Scenario: New York bans reporting medical debt, and a New York City patient lives in New York
    Given the shipped policy packs
    And an agency collecting from a patient in "US-NY-NYC"
    And a patient in "America/New_York" owing "D1"
    And the ledger holds:
      | at               | channel | debts | outcome      |
      | 2026-03-01 10:00 | call    | D1    | conversation |
    When a credit report about "D1" is proposed at "2026-03-10 10:00"
    Then it is refused under "CREDIT-NY-FMDRA"
