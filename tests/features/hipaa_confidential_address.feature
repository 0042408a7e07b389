Feature: A patient who asked to be reached at another address gets her letters there, not nowhere
  A health care provider must accommodate a patient's reasonable request to receive its
  communications by alternative means or at an alternative location, such as a P.O. box instead
  of her home (HIPAA-CONF-COMM, 45 CFR 164.522(b)(1)-(2)). Parley chooses the address a message
  will go to before the runtime guard judges it, and the guard judges that very address: a letter
  to the address the patient asked for goes out there; a letter to any other address does not go
  out at all.

  In every scenario a patient in El Paso owes the dental clinic $120 after insurance. The clinic's
  deployed strategy is strategies/dental_small_balances.parley, which mails a statement on day 0.
  Her account was placed on Monday, March 2, 2026. Times are the patient's local time.

  Scenario: HIPAA-CONF-COMM - a patient who asked for mail at a P.O. box gets her letters there, not nowhere
    Given the patient's home address "12 Elm St, El Paso, TX 79901" is on file as "a1"
    And her P.O. box "PO Box 77, El Paso, TX 79902" is on file as "a2"
    And she asked to be reached only at "a2"
    When the strategy decides at "2026-03-02 11:00"
    Then the statement letter is queued to "PO Box 77, El Paso, TX 79902"
    And nothing is queued to "12 Elm St, El Paso, TX 79901"

  Scenario: HIPAA-CONF-COMM - a patient who named only a mobile number for her messages gets no letter at home
    Given the patient's home address "12 Elm St, El Paso, TX 79901" is on file as "a1"
    And her mobile number "+19155550102" is on file as "m2"
    And she asked to be reached only at "m2"
    When the strategy decides at "2026-03-02 11:00"
    Then no letter is queued
    And the guard refused the statement under "HIPAA-CONF-COMM"
