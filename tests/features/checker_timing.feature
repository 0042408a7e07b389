Feature: The checker proves a strategy's timing, holds and consent against the law before it runs
  Each scenario checks a small strategy against one rule as the shipped policy packs write it.
  Days count from the day the account enters the strategy; the timelines shown in findings are
  illustrative, with that day on 2026-03-02, in the patient's local time. A strategy's audience
  is a fact about every account it takes: "at least 30 days past the first statement" means the
  statement is no later than 2026-01-31 when the account enters on 2026-03-02.

  # ---------------------------------------------------------------- IRS 501(r)

  Scenario: 501(r) - no extraordinary collection action before 120 days after the first statement
    Given a nonprofit hospital's strategy for patients in US-TX
    And its accounts are at least 30 days past their first post-discharge statement
    And the strategy says:
      """
      step "Report" on day 60
        screen financial_assistance
        escalate credit_report
      end
      """
    When it is checked against "IRS501R-ECA-120"
    Then it is refused under "IRS501R-ECA-120" at "escalate credit_report"
    And the timeline shows "2026-01-31" for "the first statement"
    And the timeline shows "2026-05-01" for "escalate credit_report"
    And the timeline shows "2026-06-01" for "the first day"

  Scenario: 501(r) - day 121 after the first statement is the conservative earliest day
    Given a nonprofit hospital's strategy for patients in US-TX
    And its accounts are at least 30 days past their first post-discharge statement
    And the strategy says:
      """
      step "Report" on day 91
        screen financial_assistance
        escalate credit_report
      end
      """
    When it is checked against "IRS501R-ECA-120"
    Then it passes "IRS501R-ECA-120"

  Scenario: 501(r) - the written notice 15 days before credit reporting is too late (the catalog's example)
    Given a nonprofit hospital's strategy for patients in US-TX
    And the strategy says:
      """
      step "Notice" on day 110
        send letter "eca_notice"
      end
      step "Report" on day 125
        escalate credit_report
      end
      """
    When it is checked against "IRS501R-ECA-30DAY"
    Then it is refused under "IRS501R-ECA-30DAY" at "escalate credit_report"

  Scenario: 501(r) - the written notice 30 days before the action is enough
    Given a nonprofit hospital's strategy for patients in US-TX
    And the strategy says:
      """
      step "Notice" on day 95
        send letter "eca_notice"
      end
      step "Report" on day 125
        escalate credit_report
      end
      """
    When it is checked against "IRS501R-ECA-30DAY"
    Then it passes "IRS501R-ECA-30DAY"

  Scenario: 501(r) - a notice that some patients never get does not count for them
    Given a nonprofit hospital's strategy for patients in US-TX
    And the strategy says:
      """
      step "Notice" on day 60 unless plan_active
        send letter "eca_notice"
      end
      step "Report" on day 125
        escalate credit_report
      end
      """
    When it is checked against "IRS501R-ECA-30DAY"
    Then it is refused under "IRS501R-ECA-30DAY" at "escalate credit_report"

  Scenario: 501(r) - screening for financial assistance must come before any ECA
    Given a nonprofit hospital's strategy for patients in US-TX
    And the strategy says:
      """
      step "Report" on day 200
        escalate eca
      end
      """
    When it is checked against "IRS501R-ECA-DEF"
    Then it is refused under "IRS501R-ECA-DEF" at "escalate eca"

  Scenario: 501(r) - an ECA step must wait while an assistance application is pending
    Given a nonprofit hospital's strategy for patients in US-TX
    And the strategy says:
      """
      step "Report" on day 200
        escalate credit_report
      end
      """
    When it is checked against "IRS501R-SUSPEND"
    Then it is refused under "IRS501R-SUSPEND" at "escalate credit_report"
    And the facts show "fa_application_pending" as "true"

  Scenario: 501(r) - an ECA step skipped while an application is pending complies
    Given a nonprofit hospital's strategy for patients in US-TX
    And the strategy says:
      """
      step "Report" on day 200 unless fa_application_pending
        escalate credit_report
      end
      """
    When it is checked against "IRS501R-SUSPEND"
    Then it passes "IRS501R-SUSPEND"

  # ---------------------------------------------------------------- credit reporting

  Scenario: Bureau policy - unpaid medical debt is not reported before one year
    Given a collection agency's strategy for patients in US-PA
    And its accounts are at least 180 days past due
    And the strategy says:
      """
      step "Report" on day 90
        escalate credit_report
      end
      """
    When it is checked against "CREDIT-NCRA-365"
    Then it is warned under "CREDIT-NCRA-365" at "escalate credit_report"

  Scenario: Bureau policy - medical debt first billed under $500 is never reported
    Given a collection agency's strategy for patients in US-PA
    And the strategy says:
      """
      step "Report" on day 400
        escalate credit_report
      end
      """
    When it is checked against "CREDIT-NCRA-500"
    Then it is warned under "CREDIT-NCRA-500" at "escalate credit_report"
    And the facts show "original_balance" as "$0.00"

  Scenario: Bureau policy - an audience of accounts first billed at $500 or more complies
    Given a collection agency's strategy for patients in US-PA
    And its accounts first owed at least $500
    And the strategy says:
      """
      step "Report" on day 400
        escalate credit_report
      end
      """
    When it is checked against "CREDIT-NCRA-500"
    Then it passes "CREDIT-NCRA-500"

  Scenario: New York - medical debt is never reported for New York patients
    Given a provider's strategy for patients in US-NY, US-TX
    And the strategy says:
      """
      step "Report" on day 400
        escalate credit_report
      end
      """
    When it is checked against "CREDIT-NY-FMDRA"
    Then it is refused under "CREDIT-NY-FMDRA" at "escalate credit_report"
    And the facts show "jurisdiction" as ""US-NY""

  Scenario: New York - a report step that skips New York patients complies
    Given a provider's strategy for patients in US-NY, US-TX
    And the strategy says:
      """
      step "Report" on day 400 unless jurisdiction == "US-NY"
        escalate credit_report
      end
      """
    When it is checked against "CREDIT-NY-FMDRA"
    Then it passes "CREDIT-NY-FMDRA"

  Scenario: Regulation F - no credit reporting until 14 days after a letter about the debt
    Given a collection agency's strategy for patients in US-PA
    And the strategy says:
      """
      step "Letter" on day 0
        send letter "validation_notice"
      end
      step "Report" on day 10
        escalate credit_report
      end
      """
    When it is checked against "REGF-PASSIVE-COLLECTION"
    Then it is refused under "REGF-PASSIVE-COLLECTION" at "escalate credit_report"

  Scenario: Regulation F - the 14 consecutive days start on the day the letter is mailed
    Given a collection agency's strategy for patients in US-PA
    And the strategy says:
      """
      step "Letter" on day 0
        send letter "validation_notice"
      end
      step "Report" on day 14
        escalate credit_report
      end
      """
    When it is checked against "REGF-PASSIVE-COLLECTION"
    Then it passes "REGF-PASSIVE-COLLECTION"

  Scenario: Regulation F - speaking with the patient first is the other way to report
    Given a collection agency's strategy for patients in US-PA
    And the strategy says:
      """
      on conversation at most 1 times
        escalate credit_report
      end
      """
    When it is checked against "REGF-PASSIVE-COLLECTION"
    Then it passes "REGF-PASSIVE-COLLECTION"

  # ---------------------------------------------------------------- validation notice

  Scenario: Regulation F - the validation notice comes within 5 days of the first communication
    Given a collection agency's strategy for patients in US-PA
    And the strategy says:
      """
      step "Hello" on day 0 at 10:00-19:00
        send sms "friendly_reminder"
      end
      step "Validation notice" on day 6
        send letter "validation_notice"
      end
      """
    When it is checked against "REGF-VALIDATION-TIMING"
    Then it is refused under "REGF-VALIDATION-TIMING" at "send letter "validation_notice""
    And the timeline shows "2026-03-07" for "the last day"

  Scenario: Regulation F - a validation notice on day 5 after a text on day 0 is in time
    Given a collection agency's strategy for patients in US-PA
    And the strategy says:
      """
      step "Hello" on day 0 at 10:00-19:00
        send sms "friendly_reminder"
      end
      step "Validation notice" on day 5
        send letter "validation_notice"
      end
      """
    When it is checked against "REGF-VALIDATION-TIMING"
    Then it passes "REGF-VALIDATION-TIMING"

  Scenario: E-SIGN - an emailed validation notice needs the patient's E-SIGN consent
    Given a collection agency's strategy for patients in US-PA
    And the strategy says:
      """
      step "Validation notice" on day 0
        send email "validation_notice"
      end
      """
    When it is checked against "ESIGN-CONSENT"
    Then it is refused under "ESIGN-CONSENT" at "send email "validation_notice""
    And the facts show "consent.esign" as "not known"

  # ---------------------------------------------------------------- holds

  Scenario: Regulation F - a strategy that does not stop on a dispute is warned (the guard holds it anyway)
    Given a collection agency's strategy for patients in US-PA
    And the strategy says:
      """
      step "Reminder" on day 3 at 10:00-19:00
        send sms "friendly_reminder"
      end
      """
    When it is checked against "REGF-DISPUTE-CEASE"
    Then it is warned under "REGF-DISPUTE-CEASE" at "send sms "friendly_reminder""

  Scenario: Regulation F - stopping on a dispute satisfies the hold
    Given a collection agency's strategy for patients in US-PA
    And the strategy stops when "disputed"
    And the strategy says:
      """
      step "Reminder" on day 3 at 10:00-19:00
        send sms "friendly_reminder"
      end
      """
    When it is checked against "REGF-DISPUTE-CEASE"
    Then it passes "REGF-DISPUTE-CEASE"

  Scenario: Regulation F - calls that go on after a written request to stop are warned
    Given a collection agency's strategy for patients in US-PA
    And the strategy says:
      """
      step "Call" on day 7 at 10:00-19:00
        call "agent_script"
      end
      """
    When it is checked against "REGF-CEASE"
    Then it is warned under "REGF-CEASE" at "call "agent_script""

  Scenario: Regulation F - stopping when an attorney represents the patient satisfies the hold
    Given a collection agency's strategy for patients in US-PA
    And the strategy stops when "attorney_represented"
    And the strategy says:
      """
      step "Call" on day 7 at 10:00-19:00
        call "agent_script"
      end
      """
    When it is checked against "REGF-ATTORNEY"
    Then it passes "REGF-ATTORNEY"

  # ---------------------------------------------------------------- consent

  Scenario: TCPA - the compiler adds the consent check before texts and calls, and says so
    Given a provider's strategy for patients in US-TX
    And the strategy says:
      """
      step "Text" on day 1 at 10:00-19:00
        send sms "friendly_reminder"
      end
      step "Call" on day 4 at 10:00-19:00
        call "agent_script"
      end
      """
    When it is checked against "TCPA-CONSENT-CELL"
    Then it is noted under "TCPA-CONSENT-CELL" at "send sms "friendly_reminder""
    And the note names "step `Text`" and "step `Call`"

  Scenario: TCPA - a reply saying stop that does not stop the calls is warned
    Given a provider's strategy for patients in US-TX
    And the strategy says:
      """
      step "Call" on day 4 at 10:00-19:00
        call "agent_script"
      end
      on reply when intent.stop
        stop sms
      end
      """
    When it is checked against "TCPA-REVOKE"
    Then it is warned under "TCPA-REVOKE" at "call "agent_script""

  # ---------------------------------------------------------------- the provider's own ethics

  Scenario: Ethics - every hardship reply goes to a person within a day
    Given a provider's strategy for patients in US-TX
    And the strategy says:
      """
      on reply when intent.hardship
        send email "plan_offer"
      end
      """
    When it is checked against "ETHICS-HARDSHIP-HANDOFF"
    Then it is refused under "ETHICS-HARDSHIP-HANDOFF" at "on reply when intent.hardship"

  Scenario: Ethics - no firm tone where distress may be high
    Given a provider's strategy for patients in US-TX
    And the strategy says:
      """
      step "Reminder" on day 7
        when intent.hardship
          send email "plan_offer" tone gentle
        otherwise
          send email "pay_link" tone firm
        end
      end
      """
    When it is checked against "ETHICS-TONE"
    Then it is refused under "ETHICS-TONE" at "send email "pay_link" tone firm"
    And the facts show "score.distress" as "0.7"
