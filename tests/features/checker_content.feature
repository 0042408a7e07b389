Feature: The checker reads every template a strategy sends for what the law requires and forbids
  Each scenario gives a template as its file would hold it (after the front matter that names
  its channel) and a strategy that sends it, and checks them against one rule as the shipped
  policy packs write it. A finding points at the line and column of the template file and names
  the step that sends it.

  # ---------------------------------------------------------------- required disclosures

  Scenario: Regulation F - every text says how to stop texts
    Given a collection agency's strategy for patients in US-PA
    And the template "reminder" in "en" for sms says:
      """
      Hi {{ patient.first_name }}, your balance is {{ account.balance | money }}. Pay at {{ links.portal }}.
      """
    And the strategy says:
      """
      step "Reminder" on day 3 at 10:00-19:00
        send sms "reminder"
      end
      """
    When it is checked against "REGF-OPTOUT-NOTICE"
    Then the template is refused under "REGF-OPTOUT-NOTICE" at line 4 column 1
    And the message names "step `Reminder`"

  Scenario: Regulation F - a text with the opt-out instruction complies
    Given a collection agency's strategy for patients in US-PA
    And the template "reminder" in "en" for sms says:
      """
      Hi {{ patient.first_name }}, your balance is {{ account.balance | money }}. {{ disclosure.opt_out }}
      """
    And the strategy says:
      """
      step "Reminder" on day 3 at 10:00-19:00
        send sms "reminder"
      end
      """
    When it is checked against "REGF-OPTOUT-NOTICE"
    Then it passes "REGF-OPTOUT-NOTICE"

  Scenario: Regulation F - the first communication says the collector is attempting to collect a debt
    Given a collection agency's strategy for patients in US-PA
    And the template "first_letter" in "en" for letter says:
      """
      Dear {{ patient.first_name }}, your balance with {{ provider.facility_name }} is {{ account.balance | money }}.
      """
    And the strategy says:
      """
      step "First letter" on day 0
        send letter "first_letter"
      end
      """
    When it is checked against "REGF-MINI-MIRANDA"
    Then the template is refused under "REGF-MINI-MIRANDA" at line 4 column 1

  Scenario: Regulation F - a later letter need not repeat the first communication's disclosure
    Given a collection agency's strategy for patients in US-PA
    And the template "first_letter" in "en" for letter says:
      """
      Dear {{ patient.first_name }}, {{ disclosure.mini_miranda }}
      """
    And the template "second_letter" in "en" for letter says:
      """
      Dear {{ patient.first_name }}, your balance is {{ account.balance | money }}. {{ disclosure.debt_collector }}
      """
    And the strategy says:
      """
      step "First letter" on day 0
        send letter "first_letter"
      end
      step "Second letter" on day 30
        send letter "second_letter"
      end
      """
    When it is checked against "REGF-MINI-MIRANDA"
    Then it passes "REGF-MINI-MIRANDA"

  Scenario: Colorado - the first letter carries Colorado's statement on medical debt and credit reports
    Given a collection agency's strategy for patients in US-CO
    And the template "first_letter" in "en" for letter says:
      """
      Dear {{ patient.first_name }}, {{ disclosure.mini_miranda }}
      """
    And the strategy says:
      """
      step "First letter" on day 0
        send letter "first_letter"
      end
      """
    When it is checked against "CREDIT-CO-HB23-1126"
    Then the template is refused under "CREDIT-CO-HB23-1126" at line 4 column 1

  Scenario: California - a collector's letter shows its California licence number
    Given a collection agency's strategy for patients in US-CA
    And the template "letter" in "en" for letter says:
      """
      Dear {{ patient.first_name }}, your balance is {{ account.balance | money }}. {{ disclosure.ca_license }}
      """
    And the strategy says:
      """
      step "Letter" on day 0
        send letter "letter"
      end
      """
    When it is checked against "CA-ROSENTHAL"
    Then it passes "CA-ROSENTHAL"

  Scenario: Ethics - a chat assistant says it is automated
    Given a provider's strategy for patients in US-TX
    And the template "helper" in "en" for chat says:
      """
      Hi {{ patient.first_name }}, I can help with your bill from {{ provider.facility_name }}.
      """
    And the strategy says:
      """
      step "Chat" on day 2
        send chat "helper"
      end
      """
    When it is checked against "ETHICS-AI-DISCLOSURE"
    Then the template is refused under "ETHICS-AI-DISCLOSURE" at line 4 column 1

  # ---------------------------------------------------------------- protected health information

  Scenario: HIPAA - a text does not name the diagnosis
    Given a provider's strategy for patients in US-TX
    And the template "reminder" in "en" for sms says:
      """
      Your bill for {{ invoice.diagnosis }} care is {{ account.balance | money }}. {{ disclosure.opt_out }}
      """
    And the strategy says:
      """
      step "Reminder" on day 3 at 10:00-19:00
        send sms "reminder"
      end
      """
    When it is checked against "HIPAA-MIN-NEC"
    Then the template is refused under "HIPAA-MIN-NEC" at line 4 column 18

  Scenario: HIPAA - the facility name, date of service and balance identify a bill without clinical detail
    Given a provider's strategy for patients in US-TX
    And the template "reminder" in "en" for sms says:
      """
      Your {{ provider.facility_name }} bill for {{ invoice.service_date | date }} is {{ account.balance | money }}. {{ disclosure.opt_out }}
      """
    And the strategy says:
      """
      step "Reminder" on day 3 at 10:00-19:00
        send sms "reminder"
      end
      """
    When it is checked against "HIPAA-MIN-NEC"
    Then it passes "HIPAA-MIN-NEC"

  # ---------------------------------------------------------------- limited-content voicemail

  Scenario: Regulation F - a voicemail that states the balance is not a limited-content message
    Given a collection agency's strategy for patients in US-PA
    And the template "voicemail" in "en" for voicemail says:
      """
      Hello, this is {{ agent.name }} with {{ org.name }} about {{ account.balance | money }}. Call {{ org.phone }}.
      """
    And the strategy says:
      """
      step "Voicemail" on day 5 at 10:00-18:00
        send voicemail "voicemail"
      end
      """
    When it is checked against "REGF-LCM"
    Then the template is refused under "REGF-LCM" at line 4 column 62

  Scenario: Regulation F - a voicemail may not say it is from a debt collector
    Given a collection agency's strategy for patients in US-PA
    And the template "voicemail" in "en" for voicemail says:
      """
      Hello, this is {{ agent.name }} with {{ org.name }}. {{ disclosure.debt_collector }} Call {{ org.phone }}.
      """
    And the strategy says:
      """
      step "Voicemail" on day 5 at 10:00-18:00
        send voicemail "voicemail"
      end
      """
    When it is checked against "REGF-LCM"
    Then the template is refused under "REGF-LCM" at line 4 column 57

  Scenario: Regulation F - name, business, a person and a number to call back make a limited-content message
    Given a collection agency's strategy for patients in US-PA
    And the template "voicemail" in "es" for voicemail says:
      """
      Hola, le habla {{ agent.name }}, de {{ org.name }}. Por favor, devuélvame la llamada al {{ org.phone }}. Gracias.
      """
    And the strategy is written in "es"
    And the strategy says:
      """
      step "Voicemail" on day 5 at 10:00-18:00
        send voicemail "voicemail"
      end
      """
    When it is checked against "REGF-LCM"
    Then it passes "REGF-LCM"

  # ---------------------------------------------------------------- threats and misleading words

  Scenario: Regulation F - a text may not threaten legal action the collector does not intend
    Given a collection agency's strategy for patients in US-PA
    And the template "push" in "en" for sms says:
      """
      Pay {{ account.balance | money }} to avoid legal action. {{ disclosure.opt_out }}
      """
    And the strategy says:
      """
      step "Push" on day 40 at 10:00-19:00
        send sms "push"
      end
      """
    When it is checked against "REGF-FALSE-MISLEADING"
    Then the template is refused under "REGF-FALSE-MISLEADING" at line 4 column 44

  Scenario: Regulation F - saying that no legal action will be taken is no threat
    Given a collection agency's strategy for patients in US-PA
    And the template "push" in "en" for sms says:
      """
      We will not take legal action over your {{ account.balance | money }} balance. {{ disclosure.opt_out }}
      """
    And the strategy says:
      """
      step "Push" on day 40 at 10:00-19:00
        send sms "push"
      end
      """
    When it is checked against "REGF-FALSE-MISLEADING"
    Then it passes "REGF-FALSE-MISLEADING"

  Scenario: Regulation F - a Spanish letter may not threaten jail
    Given a collection agency's strategy for patients in US-PA
    And the template "carta" in "es" for letter says:
      """
      Si no paga {{ account.balance | money }}, podría ir a la cárcel.
      """
    And the strategy is written in "es"
    And the strategy says:
      """
      step "Carta" on day 40
        send letter "carta"
      end
      """
    When it is checked against "REGF-FALSE-MISLEADING"
    Then the template is refused under "REGF-FALSE-MISLEADING" at line 4 column 58

  Scenario: Regulation F - no demand to pay within days while the validation period runs
    Given a collection agency's strategy for patients in US-PA
    And the template "notice" in "en" for letter says:
      """
      Dear {{ patient.first_name }}, {{ disclosure.mini_miranda }}
      """
    And the template "push" in "en" for sms says:
      """
      Pay in full within 10 days. Balance {{ account.balance | money }}. {{ disclosure.opt_out }}
      """
    And the strategy says:
      """
      step "Validation notice" on day 0
        send letter "notice"
      end
      step "Push" on day 3 at 10:00-19:00
        send sms "push"
      end
      """
    When it is checked against "REGF-OVERSHADOWING"
    Then the template is warned under "REGF-OVERSHADOWING" at line 4 column 1

  Scenario: Colorado - a letter may not say the medical debt may reach a credit report
    Given a collection agency's strategy for patients in US-CO
    And the template "first_letter" in "en" for letter says:
      """
      Dear {{ patient.first_name }}, {{ disclosure.co_medical_credit }} Unpaid bills may show on your credit report.
      """
    And the strategy says:
      """
      step "First letter" on day 0
        send letter "first_letter"
      end
      """
    When it is checked against "CREDIT-CO-HB23-1126"
    Then the template is refused under "CREDIT-CO-HB23-1126" at line 4 column 97
