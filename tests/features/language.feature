Feature: A compliance officer checks a strategy and is told exactly what to fix
  Parley reads a strategy the way its author wrote it. When something cannot be read, the
  officer sees the line and column, what is wrong in plain words, and how to fix it, so a
  strategy can be corrected without asking an engineer.

  Scenario: A clean strategy has no findings
    Given the strategy text:
      """
      strategy "Dental small balances" version 1
        organization provider
        jurisdictions US-TX
        audience balance between $100 and $250 and days_past_due >= 120

        step "Friendly reminder" on day 3 at 10:00-19:00
          send sms "friendly_reminder"
        end

        stop when paid or disputed or cease_requested
      end
      """
    When I check it
    Then I see no errors

  Scenario: A step that lost its end
    Given the strategy text:
      """
      strategy "Dental small balances" version 1
        organization provider
        step "Friendly reminder" on day 3
          send sms "friendly_reminder"
        step "Plan offer" on day 7
          send email "plan_offer"
        end
      end
      """
    When I check it
    Then I see an error on line 5 column 3 saying "the step that starts on line 3 is missing its `end`"
    And the hint says "add `end`"

  Scenario: A misspelt keyword is answered with the word that was meant
    Given the strategy text:
      """
      strategy "Dental small balances" version 1
        organization provider
        stpe "Friendly reminder" on day 3
          send sms "friendly_reminder"
        end
      end
      """
    When I check it
    Then I see an error on line 3 column 3 saying "unknown word `stpe`"
    And the hint says "did you mean `step`?"

  Scenario: A duration written in shorthand
    Given the strategy text:
      """
      strategy "Calls" version 1
        step "Call" every 3d from day 10 to day 60 at most 6 times
          call "agent_script"
        end
      end
      """
    When I check it
    Then I see an error on line 2 column 22 saying "durations are written in words"
    And the hint says "`7 days`"

  Scenario: A time of day that does not exist
    Given the strategy text:
      """
      strategy "Evening texts" version 1
        step "Reminder" on day 3 at 09:00-25:00
          send sms "friendly_reminder"
        end
      end
      """
    When I check it
    Then I see an error on line 2 column 37 saying "`25:00` is not a time of day"
    And the hint says "24-hour clock"
