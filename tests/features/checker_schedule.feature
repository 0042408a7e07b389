Feature: The checker proves a strategy keeps the schedule rules, or shows the timeline that breaks them
  Caps on calls and contacts, the quiet week after a conversation, the hours a patient may be
  contacted, and the warnings the Official Interpretations give for bursts of calls. Each scenario
  names the rule it shows; the numbers are the catalog's.

  Scenario: Calls every day plus a voicemail make 8 calls in 7 days (REGF-FREQ-7IN7)
    Given the packs "regf"
    And the strategy:
      """
      strategy "Daily calls and a voicemail" version 1
        organization agency
        jurisdictions US-TX
        step "Daily call" every 1 day from day 1 to day 10 at 10:00-12:00
          call "agent_script"
        end
        step "Voicemail" on day 4 at 15:00-17:00
          send voicemail "limited_content"
        end
      end
      """
    When the checker runs
    Then it reports "REGF-FREQ-7IN7" as an error at step "Daily call"
    And the timeline lists 8 contacts
    And contact 8 is over the limit

  Scenario: The same calls, capped at 6 times, stay within 7 in 7 days (REGF-FREQ-7IN7)
    Given the packs "regf"
    And the strategy:
      """
      strategy "Daily calls, capped" version 1
        organization agency
        jurisdictions US-TX
        step "Daily call" every 1 day from day 1 to day 10 at most 6 times at 10:00-12:00
          call "agent_script"
        end
        step "Voicemail" on day 4 at 15:00-17:00
          send voicemail "limited_content"
        end
      end
      """
    When the checker runs
    Then it reports no finding

  Scenario: The April 2020 example: 1 call, then 2 on each of three business days, then 1 (comment 14(b)(2)(ii)-1.i)
    Given the packs "regf"
    And day 0 is 2020-04-01
    And the strategy:
      """
      strategy "The Official Interpretations' April example" version 1
        organization agency
        jurisdictions US-TX
        step "Wednesday" on day 0 at 10:00-11:00
          call "first_attempt"
        end
        step "Morning" every 1 day from day 1 to day 2 at 09:00-10:00
          call "agent_script"
        end
        step "Afternoon" every 1 day from day 1 to day 2 at 15:00-16:00
          call "agent_script"
        end
        step "Monday morning" on day 5 at 09:00-10:00
          call "agent_script"
        end
        step "Monday afternoon" on day 5 at 15:00-16:00
          call "agent_script"
        end
        step "Tuesday" on day 6 at 10:00-11:00
          call "agent_script"
        end
      end
      """
    When the checker runs
    Then it reports "REGF-FREQ-7IN7" as an error at step "Tuesday"
    And the timeline's first contact is on "Wed 2020-04-01 10:00"
    And the timeline's contact 8 is on "Tue 2020-04-07 10:00"

  Scenario: Branches of one step are exclusive: call or text, never both (REGF-FREQ-7IN7)
    Given the packs "regf"
    And the strategy:
      """
      strategy "Call or text" version 1
        organization agency
        jurisdictions US-TX
        segment hardship when score.distress >= 0.7 or intent.hardship
        step "Daily touch" every 1 day from day 1 to day 14 at 10:00-12:00
          when hardship
            send sms "gentle_check_in"
          otherwise
            call "agent_script"
          end
        end
      end
      """
    When the checker runs
    Then it reports no finding

  Scenario: The audience rules a step out: balances under $500 never reach a strategy for $600 and more (REGF-FREQ-7IN7)
    Given the packs "regf"
    And the strategy:
      """
      strategy "Daily calls, large balances" version 1
        organization agency
        jurisdictions US-TX
        audience original_balance >= $600
        step "Daily call" every 1 day from day 1 to day 10 at 10:00-12:00
          call "agent_script"
        end
        step "Small balance call" on day 4 at 15:00-17:00 when original_balance < $500
          call "small_balance"
        end
      end
      """
    When the checker runs
    Then it reports no finding

  Scenario: A callback on every reply without "at most" has no limit (REGF-FREQ-7IN7)
    Given the packs "regf"
    And the strategy:
      """
      strategy "Call back on every reply" version 1
        organization agency
        jurisdictions US-TX
        step "Call" every 2 days from day 1 to day 13 at 10:00-12:00
          call "agent_script"
        end
        on reply after 1 day
          call "callback"
        end
      end
      """
    When the checker runs
    Then it reports "REGF-FREQ-7IN7" as an error at the "on reply" handler

  Scenario: A call 6 days after a conversation falls inside the quiet week; the conversation's day is day 1 (REGF-FREQ-POSTCONV-7D, comment 14(b)(2)(ii)-1.ii)
    Given the packs "regf"
    And day 0 is 2020-08-13
    And the strategy:
      """
      strategy "Follow up too soon" version 1
        organization agency
        jurisdictions US-TX
        on conversation after 6 days at most 1 times
          call "follow_up"
        end
      end
      """
    When the checker runs
    Then it reports "REGF-FREQ-POSTCONV-7D" as an error at the "on conversation" handler
    And the timeline's first contact is on "Fri 2020-08-14 14:00"
    And the timeline's contact 3 is on "Fri 2020-08-21"

  Scenario: A call 7 days after a conversation is the first one allowed (REGF-FREQ-POSTCONV-7D)
    Given the packs "regf"
    And the strategy:
      """
      strategy "Follow up a week later" version 1
        organization agency
        jurisdictions US-TX
        on conversation after 7 days at most 1 times
          call "follow_up"
        end
      end
      """
    When the checker runs
    Then it reports no finding

  Scenario: A call window that opens at 07:30 is before 8 a.m. local time (REGF-TIME-8TO9)
    Given the packs "regf"
    And the strategy:
      """
      strategy "Early calls" version 1
        organization agency
        jurisdictions US-TX
        step "Early call" on day 3 at 07:30-12:00
          call "agent_script"
        end
      end
      """
    When the checker runs
    Then it reports "REGF-TIME-8TO9" as an error at step "Early call"

  Scenario: Washington allows 07:30 at home, Regulation F does not (WA-RCW-19.16.250, REGF-TIME-8TO9)
    Given the packs "regf, wa_hours"
    And the strategy:
      """
      strategy "Washington calls from 07:30" version 1
        organization agency
        jurisdictions US-WA
        step "Call" on day 2 at 07:30-09:00
          call "agent_script"
        end
      end
      """
    When the checker runs
    Then it reports "REGF-TIME-8TO9" as an error at step "Call"
    And it does not report "WA-RCW-19.16.250"

  Scenario: Two calls in one run of a step are calls in rapid succession (REGF-FREQ-REBUT)
    Given the packs "regf"
    And the strategy:
      """
      strategy "Redial at once" version 1
        organization agency
        jurisdictions US-TX
        step "Call and redial" on day 2 at 10:00-12:00
          call "agent_script"
          call "agent_script"
        end
      end
      """
    When the checker runs
    Then it reports "REGF-FREQ-REBUT" as a warning at step "Call and redial"

  Scenario: Seven calls in one day are highly concentrated, even within 7 in 7 (REGF-FREQ-REBUT)
    Given the packs "regf"
    And the strategy:
      """
      strategy "All in one day" version 1
        organization agency
        jurisdictions US-TX
        step "Call all day" every 2 hours from day 1 to day 1 at most 7 times at 08:00-21:00
          call "agent_script"
        end
      end
      """
    When the checker runs
    Then it reports "REGF-FREQ-REBUT" as a warning at step "Call all day"
    And it does not report "REGF-FREQ-7IN7"

  Scenario: A provider's text, call and recorded message in 5 days break Massachusetts' 2 in 7 (MA-940CMR-7.04-CALLS)
    Given the packs "ma"
    And the strategy:
      """
      strategy "Massachusetts reminders" version 1
        organization provider
        jurisdictions US-MA
        step "Text" on day 1 at 10:00-12:00
          send sms "reminder"
        end
        step "Call" on day 3 at 10:00-12:00
          call "agent_script"
        end
        step "Voicemail" on day 5 at 10:00-12:00
          send voicemail "limited_content"
        end
      end
      """
    When the checker runs
    Then it reports "MA-940CMR-7.04-CALLS" as an error at step "Voicemail"
    And it does not report "MA-209CMR-18.16"

  Scenario: An agency's three texts in a week break both Massachusetts rules (MA-209CMR-18.16)
    Given the packs "ma"
    And the strategy:
      """
      strategy "Massachusetts agency texts" version 1
        organization agency
        jurisdictions US-MA
        step "Texts" every 3 days from day 1 to day 7 at 10:00-12:00
          send sms "reminder"
        end
      end
      """
    When the checker runs
    Then it reports "MA-209CMR-18.16" as an error at step "Texts"
    And it reports "MA-940CMR-7.04-CALLS" as an error at step "Texts"

  Scenario: A letter, a text, an email and a call in one week are 4 communications in Washington (WA-RCW-19.16.250)
    Given the packs "wa"
    And the strategy:
      """
      strategy "Washington outreach" version 1
        organization agency
        jurisdictions US-WA
        step "Letter" on day 0 at 09:00-17:00
          send letter "validation_notice"
        end
        step "Text" on day 2 at 09:00-17:00
          send sms "reminder"
        end
        step "Email" on day 4 at 09:00-17:00
          send email "statement"
        end
        step "Call" on day 6 at 09:00-17:00
          call "agent_script"
        end
      end
      """
    When the checker runs
    Then it reports "WA-RCW-19.16.250" as an error at step "Call"

  Scenario: New York City's 3 contacts in 7 days apply only from the reported effective date (NYC-DCWP-2024-AMENDMENTS)
    Given the packs "nyc"
    And the strategy:
      """
      strategy "NYC reminders" version 1
        organization provider
        jurisdictions US-NY-NYC
        step "Email" on day 1 at 10:00-12:00
          send email "statement"
        end
        step "Texts" every 2 days from day 2 to day 6 at 10:00-12:00
          send sms "reminder"
        end
      end
      """
    When the checker runs on 2026-10-01
    Then it reports "NYC-DCWP-2024-AMENDMENTS" as an error at step "Texts"
    When the checker runs on 2026-08-01
    Then it reports no finding
