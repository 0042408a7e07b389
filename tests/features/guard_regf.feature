Feature: The runtime guard follows Regulation F's Official Interpretations
  Every worked example of Supplement I to 12 CFR part 1006 about call frequency, times, places,
  cease notices, opt-outs, disputes and passive collection, judged by the guard on a collection
  agency's ledger. Times are the patient's local time; unless a scenario says otherwise the
  patient lives in America/New_York and every call is made at a convenient hour.

  # ---------------------------------------------------------------- call frequency

  Scenario: Comment 14(b)(2)(i)-1.i - seven calls in seven days are presumed to comply
    Given a patient in "America/New_York" owing "CARD"
    And the ledger holds:
      | at               | channel | debts | outcome                 |
      | 2020-04-01 10:00 | call    | CARD  | limited_content_message |
      | 2020-04-02 10:00 | call    | CARD  | no_answer               |
      | 2020-04-03 10:00 | call    | CARD  | no_answer               |
      | 2020-04-04 10:00 | call    | CARD  | no_answer               |
      | 2020-04-05 10:00 | call    | CARD  | no_answer               |
      | 2020-04-06 10:00 | call    | CARD  | no_answer               |
    When a call about "CARD" is proposed at "2020-04-07 10:00"
    Then it is allowed

  Scenario: Comment 14(b)(2)(i)-1.i - after seven calls from Wed April 1, the next call may be on Wed April 8
    Given a patient in "America/New_York" owing "CARD"
    And the ledger holds:
      | at               | channel | debts | outcome                 |
      | 2020-04-01 10:00 | call    | CARD  | limited_content_message |
      | 2020-04-02 10:00 | call    | CARD  | no_answer               |
      | 2020-04-03 10:00 | call    | CARD  | no_answer               |
      | 2020-04-04 10:00 | call    | CARD  | no_answer               |
      | 2020-04-05 10:00 | call    | CARD  | no_answer               |
      | 2020-04-06 10:00 | call    | CARD  | no_answer               |
      | 2020-04-07 10:00 | call    | CARD  | no_answer               |
    When a call about "CARD" is proposed at "2020-04-08 09:00"
    Then it is allowed

  Scenario: Comment 14(b)(2)(ii)-1.i - the eighth call in seven days, on Tue April 7, is presumed a violation
    Given a patient in "America/New_York" owing "MORTGAGE"
    And the ledger holds:
      | at               | channel | debts    | outcome                 |
      | 2020-04-01 10:00 | call    | MORTGAGE | limited_content_message |
      | 2020-04-02 10:00 | call    | MORTGAGE | no_answer               |
      | 2020-04-02 15:00 | call    | MORTGAGE | no_answer               |
      | 2020-04-03 10:00 | call    | MORTGAGE | no_answer               |
      | 2020-04-03 15:00 | call    | MORTGAGE | no_answer               |
      | 2020-04-06 10:00 | call    | MORTGAGE | no_answer               |
      | 2020-04-06 15:00 | call    | MORTGAGE | no_answer               |
    When a call about "MORTGAGE" is proposed at "2020-04-07 10:00"
    Then it is refused under "REGF-FREQ-7IN7"
    And the message names "2020-04-01" and "2020-04-08"
    And the next allowed time is "2020-04-08T08:00:00"

  Scenario: Comment 14(b)(2)(i)-1.ii - a conversation the patient started on Thu August 13 allows calls again on Thu August 20
    Given a patient in "America/New_York" owing "CARD"
    And the ledger holds:
      | at               | channel | direction | debts | outcome      |
      | 2020-08-13 11:00 | call    | inbound   | CARD  | conversation |
    When a call about "CARD" is proposed at "2020-08-20 09:00"
    Then it is allowed

  Scenario: Comment 14(b)(2)(i)-1.ii - the patient's own call on Thu August 13 is day 1 of the quiet week
    Given a patient in "America/New_York" owing "CARD"
    And the ledger holds:
      | at               | channel | direction | debts | outcome      |
      | 2020-08-13 11:00 | call    | inbound   | CARD  | conversation |
    When a call about "CARD" is proposed at "2020-08-19 18:00"
    Then it is refused under "REGF-FREQ-POSTCONV-7D"
    And the next allowed time is "2020-08-20T08:00:00"

  Scenario: Comment 14(b)(2)(ii)-1.ii - after a conversation on Fri August 14, a call before Fri August 21 is presumed a violation
    Given a patient in "America/New_York" owing "CARD"
    And the ledger holds:
      | at               | channel | debts | outcome      |
      | 2020-08-11 10:00 | call    | CARD  | no_answer    |
      | 2020-08-14 10:00 | call    | CARD  | conversation |
    When a call about "CARD" is proposed at "2020-08-20 12:00"
    Then it is refused under "REGF-FREQ-POSTCONV-7D"
    And the message names "2020-08-14" and "2020-08-21"
    And the next allowed time is "2020-08-21T08:00:00"

  Scenario: Comment 14(b)(2)(i)-1.iii - seven unanswered calls to a person from Tue October 6 to Mon October 12 are presumed to comply
    Given a patient in "America/New_York" owing "CARD"
    And the ledger holds:
      | at               | channel | debts | outcome   |
      | 2020-10-06 10:00 | call    | CARD  | no_answer |
      | 2020-10-07 10:00 | call    | CARD  | no_answer |
      | 2020-10-08 10:00 | call    | CARD  | no_answer |
      | 2020-10-09 10:00 | call    | CARD  | no_answer |
      | 2020-10-10 10:00 | call    | CARD  | no_answer |
      | 2020-10-11 10:00 | call    | CARD  | no_answer |
    When a call about "CARD" is proposed at "2020-10-12 10:00"
    Then it is allowed

  Scenario: Comment 14(b)(2)(i)-2.i - six calls on Fri April 3 keep the presumption but are a rebuttal factor
    Given a patient in "America/New_York" owing "CARD"
    And the ledger holds:
      | at               | channel | debts | outcome                 |
      | 2020-04-01 10:00 | call    | CARD  | limited_content_message |
      | 2020-04-03 09:00 | call    | CARD  | no_answer               |
      | 2020-04-03 10:00 | call    | CARD  | no_answer               |
      | 2020-04-03 11:00 | call    | CARD  | no_answer               |
      | 2020-04-03 12:00 | call    | CARD  | no_answer               |
      | 2020-04-03 13:00 | call    | CARD  | no_answer               |
    When a call about "CARD" is proposed at "2020-04-03 14:00"
    Then it is allowed
    And it warns under "REGF-FREQ-REBUT"

  Scenario: Comment 14(b)(2)(i)-2.i - two unanswered calls to the same number within five minutes are a rebuttal factor
    Given a patient in "America/New_York" owing "CARD"
    And the ledger holds:
      | at               | channel | debts | outcome   |
      | 2020-04-01 10:00 | call    | CARD  | no_answer |
    When a call about "CARD" is proposed at "2020-04-01 10:03"
    Then it is allowed
    And it warns under "REGF-FREQ-REBUT"
    And the warning names "five minutes"

  Scenario: Comment 14(b)(2)(i)-2.ii - two voicemails within five minutes at the same number are a rebuttal factor
    Given a patient in "America/New_York" owing "CARD"
    And the ledger holds:
      | at               | channel   | debts | outcome                 |
      | 2020-04-01 10:00 | voicemail | CARD  | limited_content_message |
    When a voicemail about "CARD" is proposed at "2020-04-01 10:04"
    Then it is allowed
    And it warns under "REGF-FREQ-REBUT"

  Scenario: Comment 14(b)(2)(i)-3.i - calls to a number learned to be someone else's are not calls to the patient
    Given a patient in "America/New_York" owing "CARD"
    And the patient's contact points are:
      | id | kind   |
      | m1 | mobile |
      | m2 | mobile |
    And the ledger holds:
      | at               | channel | debts | outcome   | to |
      | 2020-04-06 10:00 | call    | CARD  | no_answer | m2 |
      | 2020-04-07 10:00 | call    | CARD  | no_answer | m1 |
      | 2020-04-07 11:00 | call    | CARD  | no_answer | m1 |
      | 2020-04-08 10:00 | call    | CARD  | no_answer | m2 |
      | 2020-04-08 11:00 | call    | CARD  | no_answer | m1 |
      | 2020-04-08 12:00 | call    | CARD  | no_answer | m1 |
      | 2020-04-09 09:00 | call    | CARD  | no_answer | m1 |
    And these events happened:
      | at               | type              | to |
      | 2020-04-09 09:30 | number_not_patient | m2 |
    When a call about "CARD" to "m1" is proposed at "2020-04-09 10:00"
    Then it is allowed

  Scenario: Comment 14(b)(2)(i)-3.i - until the number is known to be someone else's, those calls count
    Given a patient in "America/New_York" owing "CARD"
    And the patient's contact points are:
      | id | kind   |
      | m1 | mobile |
      | m2 | mobile |
    And the ledger holds:
      | at               | channel | debts | outcome   | to |
      | 2020-04-06 10:00 | call    | CARD  | no_answer | m2 |
      | 2020-04-07 10:00 | call    | CARD  | no_answer | m1 |
      | 2020-04-07 11:00 | call    | CARD  | no_answer | m1 |
      | 2020-04-08 10:00 | call    | CARD  | no_answer | m2 |
      | 2020-04-08 11:00 | call    | CARD  | no_answer | m1 |
      | 2020-04-08 12:00 | call    | CARD  | no_answer | m1 |
      | 2020-04-09 09:00 | call    | CARD  | no_answer | m1 |
    When a call about "CARD" to "m1" is proposed at "2020-04-09 10:00"
    Then it is refused under "REGF-FREQ-7IN7"

  Scenario: Comment 14(b)(3)(i)-3.i - "call back on Monday" after a conversation on Fri April 3 allows the call on Mon April 6
    Given a patient in "America/New_York" owing "CARD"
    And the ledger holds:
      | at               | channel | debts | outcome      |
      | 2020-04-03 10:00 | call    | CARD  | conversation |
    And these events happened:
      | at               | type          | channel | debt | days |
      | 2020-04-03 10:05 | consent_given | call    | CARD | 4    |
    When a call about "CARD" is proposed at "2020-04-06 10:00"
    Then it is allowed

  Scenario: Comment 14(b)(3)(i)-3.ii - the Monday April 6 conversation ends that consent, so a call on Wed April 8 is presumed a violation
    Given a patient in "America/New_York" owing "CARD"
    And the ledger holds:
      | at               | channel | debts | outcome      |
      | 2020-04-03 10:00 | call    | CARD  | conversation |
      | 2020-04-06 10:00 | call    | CARD  | conversation |
    And these events happened:
      | at               | type          | channel | debt |
      | 2020-04-03 10:05 | consent_given | call    | CARD |
    When a call about "CARD" is proposed at "2020-04-08 10:00"
    Then it is refused under "REGF-FREQ-POSTCONV-7D"
    And the message names "2020-04-06" and "2020-04-13"

  Scenario: Comment 14(b)(3)(i)-3.iii - consent received by email on Thu June 4 excludes eight calls from June 8 to June 10
    Given a patient in "America/New_York" owing "CARD"
    And the ledger holds:
      | at               | channel | debts | outcome   |
      | 2020-06-01 10:00 | call    | CARD  | no_answer |
      | 2020-06-02 10:00 | call    | CARD  | no_answer |
      | 2020-06-03 10:00 | call    | CARD  | no_answer |
      | 2020-06-03 11:00 | email   | CARD  | delivered |
      | 2020-06-08 10:00 | call    | CARD  | no_answer |
      | 2020-06-08 13:00 | call    | CARD  | no_answer |
      | 2020-06-08 16:00 | call    | CARD  | no_answer |
      | 2020-06-09 10:00 | call    | CARD  | no_answer |
      | 2020-06-09 13:00 | call    | CARD  | no_answer |
      | 2020-06-09 16:00 | call    | CARD  | no_answer |
      | 2020-06-10 10:00 | call    | CARD  | no_answer |
    And these events happened:
      | at               | type          | channel | debt |
      | 2020-06-04 09:00 | consent_given | call    | CARD |
    When a call about "CARD" is proposed at "2020-06-10 13:00"
    Then it is allowed

  Scenario: Comment 14(b)(3)(i)-3.iii - calls on or after Thu June 11 count again
    Given a patient in "America/New_York" owing "CARD"
    And the ledger holds:
      | at               | channel | debts | outcome   |
      | 2020-06-08 10:00 | call    | CARD  | no_answer |
      | 2020-06-08 13:00 | call    | CARD  | no_answer |
      | 2020-06-09 10:00 | call    | CARD  | no_answer |
      | 2020-06-09 13:00 | call    | CARD  | no_answer |
      | 2020-06-10 10:00 | call    | CARD  | no_answer |
      | 2020-06-10 13:00 | call    | CARD  | no_answer |
      | 2020-06-11 10:00 | call    | CARD  | no_answer |
      | 2020-06-12 10:00 | call    | CARD  | no_answer |
      | 2020-06-13 10:00 | call    | CARD  | no_answer |
      | 2020-06-14 10:00 | call    | CARD  | no_answer |
      | 2020-06-15 10:00 | call    | CARD  | no_answer |
      | 2020-06-16 10:00 | call    | CARD  | no_answer |
      | 2020-06-17 10:00 | call    | CARD  | no_answer |
    And these events happened:
      | at               | type          | channel | debt |
      | 2020-06-04 09:00 | consent_given | call    | CARD |
    When a call about "CARD" is proposed at "2020-06-17 13:00"
    Then it is refused under "REGF-FREQ-7IN7"
    And the message names "2020-06-11" and "2020-06-18"

  Scenario: Comment 14(b)(3)(ii)-1 - busy signals and numbers not in service do not count
    Given a patient in "America/New_York" owing "CARD"
    And the ledger holds:
      | at               | channel | debts | outcome        |
      | 2020-04-01 10:00 | call    | CARD  | busy           |
      | 2020-04-02 10:00 | call    | CARD  | busy           |
      | 2020-04-03 10:00 | call    | CARD  | not_in_service |
      | 2020-04-04 10:00 | call    | CARD  | busy           |
      | 2020-04-05 10:00 | call    | CARD  | no_answer      |
      | 2020-04-06 10:00 | call    | CARD  | voicemail      |
      | 2020-04-07 09:00 | call    | CARD  | no_answer      |
      | 2020-04-07 10:00 | call    | CARD  | no_answer      |
    When a call about "CARD" is proposed at "2020-04-07 15:00"
    Then it is allowed

  Scenario: Comment 14(b)(3)(ii)-1 - calls that ring unanswered or reach voicemail count
    Given a patient in "America/New_York" owing "CARD"
    And the ledger holds:
      | at               | channel   | debts | outcome                 |
      | 2020-04-01 10:00 | call      | CARD  | no_answer               |
      | 2020-04-02 10:00 | call      | CARD  | voicemail               |
      | 2020-04-03 10:00 | voicemail | CARD  | limited_content_message |
      | 2020-04-04 10:00 | call      | CARD  | no_answer               |
      | 2020-04-05 10:00 | call      | CARD  | no_answer               |
      | 2020-04-06 10:00 | call      | CARD  | limited_content_message |
      | 2020-04-07 09:00 | call      | CARD  | no_answer               |
    When a call about "CARD" is proposed at "2020-04-07 15:00"
    Then it is refused under "REGF-FREQ-7IN7"

  Scenario: Comment 14(b)(4)-2.i - 21 unanswered calls in seven days, seven counted toward each of three debts, keep the presumption
    Given a patient in "America/New_York" owing "MED, A, B"
    And the ledger holds 7 unanswered calls a day apart from "2020-04-01 10:00" about "MED"
    And the ledger holds 7 unanswered calls a day apart from "2020-04-01 12:00" about "A"
    And the ledger holds 6 unanswered calls a day apart from "2020-04-01 14:00" about "B"
    When a call about "B" is proposed at "2020-04-07 14:00"
    Then it is allowed

  Scenario: Comment 14(b)(4)-2.ii - a limited-content message about two debts counts toward one of them
    Given a patient in "America/New_York" owing "MED, CARD"
    And the ledger holds 6 unanswered calls a day apart from "2020-04-01 10:00" about "CARD"
    And the ledger holds:
      | at               | channel | debts     | outcome                 |
      | 2020-04-06 15:00 | call    | MED, CARD | limited_content_message |
    When a call about "CARD" is proposed at "2020-04-07 10:00"
    Then it is allowed

  Scenario: Comment 14(b)(4)-2.iii - a conversation about the medical debt only does not quiet calls about the card debt
    Given a patient in "America/New_York" owing "MED, CARD"
    And the ledger holds:
      | at               | channel | debts | outcome      |
      | 2020-11-09 10:00 | call    | MED   | conversation |
    When a call about "CARD" is proposed at "2020-11-10 10:00"
    Then it is allowed

  Scenario: Comment 14(b)(4)-2.iii - but it does quiet calls about the medical debt
    Given a patient in "America/New_York" owing "MED, CARD"
    And the ledger holds:
      | at               | channel | debts | outcome      |
      | 2020-11-09 10:00 | call    | MED   | conversation |
    When a call about "MED" is proposed at "2020-11-10 10:00"
    Then it is refused under "REGF-FREQ-POSTCONV-7D"
    And the next allowed time is "2020-11-16T08:00:00"

  Scenario: Comment 14(b)(4)-2.iv - a conversation about both debts on Mon November 9 quiets calls about each
    Given a patient in "America/New_York" owing "MED, CARD"
    And the ledger holds:
      | at               | channel | debts     | outcome      |
      | 2020-11-09 10:00 | call    | MED, CARD | conversation |
    When a call about "CARD" is proposed at "2020-11-10 10:00"
    Then it is refused under "REGF-FREQ-POSTCONV-7D"

  Scenario: Comment 14(b)(4)-2.v - a general conversation on Thu November 12 counted toward the medical debt
    Given a patient in "America/New_York" owing "MED, CARD"
    And the ledger holds:
      | at               | channel | debts | outcome      |
      | 2020-11-09 10:00 | call    | MED   | no_answer    |
      | 2020-11-09 12:00 | call    | CARD  | no_answer    |
      | 2020-11-10 10:00 | call    | CARD  | no_answer    |
      | 2020-11-10 12:00 | call    | MED   | no_answer    |
      | 2020-11-11 10:00 | call    | CARD  | no_answer    |
      | 2020-11-11 12:00 | call    | CARD  | no_answer    |
      | 2020-11-12 10:00 | call    | MED   | conversation |
    When a call about "CARD" is proposed at "2020-11-13 10:00"
    Then it is allowed

  Scenario: Comment 14(b)(4)-2.v - the same general conversation quiets calls about the medical debt
    Given a patient in "America/New_York" owing "MED, CARD"
    And the ledger holds:
      | at               | channel | debts | outcome      |
      | 2020-11-09 10:00 | call    | MED   | no_answer    |
      | 2020-11-12 10:00 | call    |       | conversation |
    When a call about "MED" is proposed at "2020-11-13 10:00"
    Then it is refused under "REGF-FREQ-POSTCONV-7D"

  Scenario: Comment 14(b)(4)-2.vi - the patient raised the card debt in a call about the medical debt: calls about the card wait a week
    Given a patient in "America/New_York" owing "MED, CARD"
    And the ledger holds:
      | at               | channel | debts     | outcome      | counted_for |
      | 2020-11-09 10:00 | call    | MED, CARD | conversation | MED         |
    When a call about "CARD" is proposed at "2020-11-11 10:00"
    Then it is refused under "REGF-FREQ-POSTCONV-7D"
    And the message names "2020-11-09" and "2020-11-16"

  Scenario: Comment 14(b)(4)-2.vii - three student loans under one account number are one debt
    Given a patient in "America/New_York" owing "LOANS" of kind "student_loan"
    And the ledger holds 7 unanswered calls a day apart from "2020-04-01 10:00" about "LOANS"
    When a call about "LOANS" is proposed at "2020-04-07 15:00"
    Then it is refused under "REGF-FREQ-7IN7"

  # ---------------------------------------------------------------- times

  Scenario: Comment 6(b)(1)(i)-2.i - mobile area code Eastern, home address Pacific: not before 11:00 Eastern
    Given a patient in "America/New_York, America/Los_Angeles" owing "CARD"
    When a call about "CARD" is proposed at "2020-04-01T10:30:00-04:00"
    Then it is refused under "REGF-TIME-8TO9"
    And the next allowed time is "2020-04-01T11:00:00-04:00"

  Scenario: Comment 6(b)(1)(i)-2.i - mobile area code Eastern, home address Pacific: 20:30 Eastern is convenient
    Given a patient in "America/New_York, America/Los_Angeles" owing "CARD"
    When a call about "CARD" is proposed at "2020-04-01T20:30:00-04:00"
    Then it is allowed

  Scenario: Comment 6(b)(1)(i)-2.i - 9:00 p.m. Eastern is already inconvenient
    Given a patient in "America/New_York, America/Los_Angeles" owing "CARD"
    When a call about "CARD" is proposed at "2020-04-01T21:00:00-04:00"
    Then it is refused under "REGF-TIME-8TO9"
    And the next allowed time is "2020-04-02T11:00:00-04:00"

  Scenario: Comment 6(b)(1)(i)-2.ii - mobile Eastern, landline Mountain: convenient from 10:00 Eastern
    Given a patient in "America/New_York, America/Denver" owing "CARD"
    When a call about "CARD" is proposed at "2020-04-01T09:45:00-04:00"
    Then it is refused under "REGF-TIME-8TO9"
    And the next allowed time is "2020-04-01T10:00:00-04:00"

  Scenario: Comment 6(b)(1)(i)-1 - an email is timed when it is sent, not when it is read
    Given a patient in "America/Chicago" owing "CARD"
    When an email about "CARD" is proposed at "2020-04-01 20:59"
    Then it is allowed

  Scenario: Comment 6(b)(1)(i)-1 - an email sent at 21:15 is sent at an inconvenient time
    Given a patient in "America/Chicago" owing "CARD"
    When an email about "CARD" is proposed at "2020-04-01 21:15"
    Then it is refused under "REGF-TIME-8TO9"
    And the next allowed time is "2020-04-02T08:00:00"

  Scenario: Comment 6(b)(1)-1.i - the creditor's notes say Tuesdays and Thursdays are inconvenient: no call on a Tuesday
    Given a patient in "America/New_York" owing "CARD"
    And the patient said these times are inconvenient:
      | days     | between     |
      | tue, thu | 00:00-23:59 |
    When a call about "CARD" is proposed at "2020-04-07 10:00"
    Then it is refused under "REGF-TIME-DESIGNATED"
    And the next allowed time is "2020-04-08T08:00:00"

  Scenario: Comment 6(b)(1)-1.i - a Wednesday is not one of those days: the call is allowed
    Given a patient in "America/New_York" owing "CARD"
    And the patient said these times are inconvenient:
      | days     | between     |
      | tue, thu | 00:00-23:59 |
    When a call about "CARD" is proposed at "2020-04-08 10:00"
    Then it is allowed

  Scenario: Comment 6(b)(1)-1.ii - weekdays 3 p.m. to 5 p.m. are inconvenient
    Given a patient in "America/New_York" owing "CARD"
    And the patient said these times are inconvenient:
      | days                    | between     |
      | mon, tue, wed, thu, fri | 15:00-17:00 |
      | sat, sun                | 00:00-23:59 |
    When a call about "CARD" is proposed at "2020-04-01 16:00"
    Then it is refused under "REGF-TIME-DESIGNATED"
    And the next allowed time is "2020-04-01T17:00:00"

  Scenario: Comment 6(b)(1)-1.ii - and weekends are inconvenient all day, so Saturday waits until Monday 8:00
    Given a patient in "America/New_York" owing "CARD"
    And the patient said these times are inconvenient:
      | days                    | between     |
      | mon, tue, wed, thu, fri | 15:00-17:00 |
      | sat, sun                | 00:00-23:59 |
    When a call about "CARD" is proposed at "2020-04-04 10:00"
    Then it is refused under "REGF-TIME-DESIGNATED"
    And the next allowed time is "2020-04-06T08:00:00"

  Scenario: Comment 6(b)(1)-2.i - the patient emails at 3:30 p.m. on Wednesday: one email reply before 5 p.m. is allowed
    Given a patient in "America/New_York" owing "CARD"
    And the patient said these times are inconvenient:
      | days                    | between     |
      | mon, tue, wed, thu, fri | 15:00-17:00 |
    And the ledger holds:
      | at               | channel | direction | debts |
      | 2020-04-01 15:30 | email   | inbound   | CARD  |
    When an email about "CARD" is proposed at "2020-04-01 15:45"
    Then it is allowed

  Scenario: Comment 6(b)(1)-2.i - but only once
    Given a patient in "America/New_York" owing "CARD"
    And the patient said these times are inconvenient:
      | days                    | between     |
      | mon, tue, wed, thu, fri | 15:00-17:00 |
    And the ledger holds:
      | at               | channel | direction | debts |
      | 2020-04-01 15:30 | email   | inbound   | CARD  |
      | 2020-04-01 15:45 | email   | outbound  | CARD  |
    When an email about "CARD" is proposed at "2020-04-01 16:00"
    Then it is refused under "REGF-TIME-DESIGNATED"

  Scenario: Comment 6(b)(1)-2.iv - an email at 8:30 p.m. on an inconvenient Friday may get one automated reply
    Given a patient in "America/New_York" owing "CARD"
    And the patient said these times are inconvenient:
      | days | between     |
      | fri  | 00:00-23:59 |
    And the ledger holds:
      | at               | channel | direction | debts |
      | 2020-04-03 20:30 | email   | inbound   | CARD  |
    When an email about "CARD" is proposed at "2020-04-03 20:31"
    Then it is allowed

  Scenario: Comment 6(b)(1)-2.iii - on later Fridays the collector still may not communicate
    Given a patient in "America/New_York" owing "CARD"
    And the patient said these times are inconvenient:
      | days | between     |
      | fri  | 00:00-23:59 |
    When a text message about "CARD" is proposed at "2020-04-10 12:00"
    Then it is refused under "REGF-TIME-DESIGNATED"
    And the next allowed time is "2020-04-11T08:00:00"

  # ---------------------------------------------------------------- places

  Scenario: Comment 6(b)(1)-1.iii - "don't contact me at home" bars mail to the home address
    Given a patient in "America/New_York" owing "CARD"
    And the patient said home is an inconvenient place
    And the patient's contact points are:
      | id | kind     | place |
      | a1 | address  | home  |
      | l1 | landline | home  |
      | m1 | mobile   |       |
    When a letter about "CARD" to "a1" is proposed at "2020-04-01 10:00"
    Then it is refused under "REGF-PLACE-INCONVENIENT"
    And no later time is allowed

  Scenario: Comment 6(b)(1)-1.iii - and calls to the home landline
    Given a patient in "America/New_York" owing "CARD"
    And the patient said home is an inconvenient place
    And the patient's contact points are:
      | id | kind     | place |
      | a1 | address  | home  |
      | l1 | landline | home  |
      | m1 | mobile   |       |
    When a call about "CARD" to "l1" is proposed at "2020-04-01 10:00"
    Then it is refused under "REGF-PLACE-INCONVENIENT"

  Scenario: Comment 6(b)(1)(ii)-1.i - a call to the mobile number is not a call to the home
    Given a patient in "America/New_York" owing "CARD"
    And the patient said home is an inconvenient place
    And the patient's contact points are:
      | id | kind     | place |
      | a1 | address  | home  |
      | l1 | landline | home  |
      | m1 | mobile   |       |
    When a call about "CARD" to "m1" is proposed at "2020-04-01 10:00"
    Then it is allowed

  Scenario: Comment 6(b)(1)(ii)-1.i - nor is a text message to the mobile number
    Given a patient in "America/New_York" owing "CARD"
    And the patient said home is an inconvenient place
    And the patient's contact points are:
      | id | kind     | place |
      | l1 | landline | home  |
      | m1 | mobile   |       |
    When a text message about "CARD" to "m1" is proposed at "2020-04-01 10:00"
    Then it is allowed

  Scenario: Comment 6(b)(1)-2.ii - the patient calls from the home landline: the collector may respond once
    Given a patient in "America/New_York" owing "CARD"
    And the patient said home is an inconvenient place
    And the patient's contact points are:
      | id | kind     | place |
      | l1 | landline | home  |
    And the ledger holds:
      | at               | channel | direction | debts | to | outcome   |
      | 2020-04-01 10:00 | call    | inbound   | CARD  | l1 | no_answer |
    When a call about "CARD" to "l1" is proposed at "2020-04-01 10:30"
    Then it is allowed

  # ---------------------------------------------------------------- cease

  Scenario: Comment 6(c)(1)-1.i - a cease letter mailed August 3 and received August 6 does not make the August 4 email a violation
    Given a patient in "America/New_York" owing "CARD"
    And these events happened:
      | at               | type  | debt |
      | 2020-08-06 10:00 | cease | CARD |
    When an email about "CARD" is proposed at "2020-08-04 10:00"
    Then it is allowed

  Scenario: Comment 6(c)(1)-1.i - from its receipt on August 6 the cease notice bars every further contact about the debt
    Given a patient in "America/New_York" owing "CARD"
    And these events happened:
      | at               | type  | debt |
      | 2020-08-06 10:00 | cease | CARD |
    When an email about "CARD" is proposed at "2020-08-07 10:00"
    Then it is refused under "REGF-CEASE"
    And the message names "2020-08-06" and "CARD"
    And no later time is allowed

  # ---------------------------------------------------------------- opt-outs

  Scenario: Comment 14(h)(1)-3.i - "stop calling" bars telephone calls
    Given a patient in "America/New_York" owing "CARD"
    And these events happened:
      | at               | type    | channel |
      | 2020-04-01 10:00 | opt_out | call    |
    When a call about "CARD" is proposed at "2020-04-02 10:00"
    Then it is refused under "REGF-MEDIUM"
    And no later time is allowed

  Scenario: Comment 14(h)(1)-3.i - "stop calling" leaves other media open
    Given a patient in "America/New_York" owing "CARD"
    And these events happened:
      | at               | type    | channel |
      | 2020-04-01 10:00 | opt_out | call    |
    When a letter about "CARD" is proposed at "2020-04-02 10:00"
    Then it is allowed

  Scenario: Comment 14(h)(1)-3.ii - an opt-out of one email address bars that address for any debt
    Given a patient in "America/New_York" owing "MED, CARD"
    And the patient's contact points are:
      | id | kind  |
      | e1 | email |
      | e2 | email |
    And these events happened:
      | at               | type    | channel | to | debt |
      | 2020-04-01 10:00 | opt_out | email   | e1 | MED  |
    When an email about "CARD" to "e1" is proposed at "2020-04-02 10:00"
    Then it is refused under "REGF-MEDIUM"

  Scenario: Comment 6(e)-1.i - the patient replies STOP to "Reply STOP to stop texts": no more texts to that number
    Given a patient in "America/New_York" owing "CARD"
    And these events happened:
      | at               | type  | text |
      | 2020-04-01 10:00 | reply | STOP |
    When a text message about "CARD" is proposed at "2020-04-01 10:05"
    Then it is refused under "REGF-MEDIUM"
    And no later time is allowed

  Scenario: Comment 6(e)-1.i - the STOP reply opts out of texts only: a letter may still go
    Given a patient in "America/New_York" owing "CARD"
    And these events happened:
      | at               | type  | text |
      | 2020-04-01 10:00 | reply | STOP |
    When a letter about "CARD" is proposed at "2020-04-02 10:00"
    Then it is allowed

  Scenario: Comment 6(e)-1.ii - the patient clicks "opt out of further emails to this email address": that address is barred
    Given a patient in "America/New_York" owing "CARD"
    And the patient's contact points are:
      | id | kind  |
      | e1 | email |
      | e2 | email |
    And these events happened:
      | at               | type    | channel | to |
      | 2020-04-01 10:00 | opt_out | email   | e1 |
    When an email about "CARD" to "e1" is proposed at "2020-04-03 10:00"
    Then it is refused under "REGF-MEDIUM"

  Scenario: Comment 6(e)-1.iii - the patient replies "stop" in an email's subject line: that address is barred
    Given a patient in "America/New_York" owing "CARD"
    And the patient's contact points are:
      | id | kind  |
      | e1 | email |
      | e2 | email |
    And these events happened:
      | at               | type  | channel | to | text |
      | 2020-04-01 10:00 | reply | email   | e1 | stop |
    When an email about "CARD" to "e1" is proposed at "2020-04-03 10:00"
    Then it is refused under "REGF-MEDIUM"

  Scenario: Comment 6(e)-1.iii - the other email address is not
    Given a patient in "America/New_York" owing "CARD"
    And the patient's contact points are:
      | id | kind  |
      | e1 | email |
      | e2 | email |
    And these events happened:
      | at               | type  | channel | to | text |
      | 2020-04-01 10:00 | reply | email   | e1 | stop |
    When an email about "CARD" to "e2" is proposed at "2020-04-03 10:00"
    Then it is allowed

  Scenario: Comment 14(h)(1)-2 - of two mobile numbers the patient may bar one
    Given a patient in "America/New_York" owing "CARD"
    And the patient's contact points are:
      | id | kind   |
      | m1 | mobile |
      | m2 | mobile |
    And these events happened:
      | at               | type    | channel | to |
      | 2020-04-01 10:00 | opt_out | call    | m1 |
    When a call about "CARD" to "m2" is proposed at "2020-04-02 10:00"
    Then it is allowed

  Scenario: 12 CFR 1006.14(h)(2)(ii) - a patient who texts in after opting out of texts may get one reply
    Given a patient in "America/New_York" owing "CARD"
    And these events happened:
      | at               | type    | channel |
      | 2020-04-01 10:00 | opt_out | sms     |
    And the ledger holds:
      | at               | channel | direction | debts |
      | 2020-04-03 10:00 | sms     | inbound   | CARD  |
    When a text message about "CARD" is proposed at "2020-04-03 10:05"
    Then it is allowed

  Scenario: 12 CFR 1006.14(h)(2)(ii) - but only one
    Given a patient in "America/New_York" owing "CARD"
    And these events happened:
      | at               | type    | channel |
      | 2020-04-01 10:00 | opt_out | sms     |
    And the ledger holds:
      | at               | channel | direction | debts | outcome   |
      | 2020-04-03 10:00 | sms     | inbound   | CARD  |           |
      | 2020-04-03 10:05 | sms     | outbound  | CARD  | delivered |
    When a text message about "CARD" is proposed at "2020-04-04 10:00"
    Then it is refused under "REGF-MEDIUM"
    And the message names "2020-04-01"

  # ---------------------------------------------------------------- disputes

  Scenario: 12 CFR 1006.38(c) - a written dispute holds collection of that debt until verification is sent
    Given a patient in "America/New_York" owing "MED, CARD"
    And these events happened:
      | at               | type    | debt |
      | 2020-04-01 10:00 | dispute | MED  |
    When a text message about "MED" is proposed at "2020-04-03 10:00"
    Then it is refused under "REGF-DISPUTE-CEASE"
    And the message names "2020-04-01" and "MED"

  Scenario: 12 CFR 1006.38(c) - the dispute of one debt does not hold another
    Given a patient in "America/New_York" owing "MED, CARD"
    And these events happened:
      | at               | type    | debt |
      | 2020-04-01 10:00 | dispute | MED  |
    When a text message about "CARD" is proposed at "2020-04-03 10:00"
    Then it is allowed

  Scenario: 12 CFR 1006.38(c) - collection may resume once verification is sent
    Given a patient in "America/New_York" owing "MED"
    And these events happened:
      | at               | type              | debt |
      | 2020-04-01 10:00 | dispute           | MED  |
      | 2020-04-10 10:00 | verification_sent | MED  |
    When a text message about "MED" is proposed at "2020-04-11 10:00"
    Then it is allowed

  Scenario: Comment 38(a)(1)-2.i - a new dispute with a cancelled check after verification holds collection again
    Given a patient in "America/New_York" owing "MED"
    And these events happened:
      | at               | type              | debt |
      | 2020-04-01 10:00 | dispute           | MED  |
      | 2020-04-10 10:00 | verification_sent | MED  |
      | 2020-04-15 10:00 | dispute           | MED  |
    When a call about "MED" is proposed at "2020-04-16 10:00"
    Then it is refused under "REGF-DISPUTE-CEASE"
    And the message names "2020-04-15"

  # ---------------------------------------------------------------- passive collection

  Scenario: Comment 30(a)(1)-3.i - a validation notice mailed May 1 comes back undeliverable May 10: no furnishing
    Given a patient in "America/New_York" owing "CARD"
    And the ledger holds:
      | at               | channel | debts | outcome       | template          |
      | 2020-05-01 10:00 | letter  | CARD  | undeliverable | validation_notice |
    When a credit report about "CARD" is proposed at "2020-05-20 10:00"
    Then it is refused under "REGF-PASSIVE-COLLECTION"
    And no later time is allowed

  Scenario: Comment 30(a)(1)-3.ii - a new notice mailed May 11 and monitored to May 24 allows furnishing on May 25
    Given a patient in "America/New_York" owing "CARD"
    And the ledger holds:
      | at               | channel | debts | outcome       | template          |
      | 2020-05-01 10:00 | letter  | CARD  | undeliverable | validation_notice |
      | 2020-05-11 10:00 | letter  | CARD  | delivered     | validation_notice |
    When a credit report about "CARD" is proposed at "2020-05-25 10:00"
    Then it is allowed

  Scenario: Comment 30(a)(1)-3.ii - but not on May 24, the last day of the 14-day period
    Given a patient in "America/New_York" owing "CARD"
    And the ledger holds:
      | at               | channel | debts | outcome       | template          |
      | 2020-05-01 10:00 | letter  | CARD  | undeliverable | validation_notice |
      | 2020-05-11 10:00 | letter  | CARD  | delivered     | validation_notice |
    When a credit report about "CARD" is proposed at "2020-05-24 10:00"
    Then it is refused under "REGF-PASSIVE-COLLECTION"
    And the message names "2020-05-11" and "2020-05-25"
    And the next allowed time is "2020-05-25T00:00:00"

  Scenario: Comment 30(a)(1)-3.iii - a notice mailed May 1 and monitored to May 14 allows furnishing on May 15
    Given a patient in "America/New_York" owing "CARD"
    And the ledger holds:
      | at               | channel | debts | outcome   | template          |
      | 2020-05-01 10:00 | letter  | CARD  | delivered | validation_notice |
    When a credit report about "CARD" is proposed at "2020-05-15 10:00"
    Then it is allowed

  Scenario: Comment 30(a)(1)-2 - an email counts as an electronic message about the debt, from the day it is sent
    Given a patient in "America/New_York" owing "CARD"
    And the ledger holds:
      | at               | channel | debts | outcome   |
      | 2020-05-01 10:00 | email   | CARD  | delivered |
    When a credit report about "CARD" is proposed at "2020-05-14 23:00"
    Then it is refused under "REGF-PASSIVE-COLLECTION"
    And the next allowed time is "2020-05-15T00:00:00"

  Scenario: 12 CFR 1006.30(a)(1)(i) - speaking with the patient about the debt allows furnishing at once
    Given a patient in "America/New_York" owing "CARD"
    And the ledger holds:
      | at               | channel | debts | outcome      |
      | 2020-05-01 10:00 | call    | CARD  | conversation |
    When a credit report about "CARD" is proposed at "2020-05-01 11:00"
    Then it is allowed
