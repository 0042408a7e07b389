Feature: A patient's reply that revokes consent is always read as a stop
  47 CFR 64.1200(a)(10) as adopted by FCC 24-24 (catalog entry TCPA-REVOKE): a consumer may revoke
  consent by any reasonable means; the replies "stop", "quit", "end", "revoke", "opt out",
  "cancel" and "unsubscribe" are per se reasonable, and other wording a reasonable person would
  read as a revocation must be honoured too. 12 CFR 1006.14(h) (REGF-MEDIUM): a request not to
  use a medium ("stop calling") bars it. A missed revocation breaks the law; a false one costs one
  message, so Parley reads doubtful wording as a stop.

  Scenario Outline: Each of the FCC's per-se keywords revokes consent
    Given a patient replies "<reply>"
    When the reply is read
    Then it revokes consent
    And the reply is scored with intent.stop yes

    Examples:
      | reply       |
      | stop        |
      | quit        |
      | end         |
      | revoke      |
      | opt out     |
      | cancel      |
      | unsubscribe |

  Scenario Outline: A keyword counts however it is capitalised, punctuated or misspelt
    Given a patient replies "<reply>"
    When the reply is read
    Then it revokes consent

    Examples:
      | reply         |
      | STOP!!!       |
      | Stop please   |
      | S.T.O.P.      |
      | stpo          |
      | stooop        |
      | Opt-Out       |
      | unsubcribe    |
      | CANCEL thanks |

  Scenario Outline: Spanish replies that revoke consent (the catalog's example: "No más, por favor" must not be ignored)
    Given a patient replies "<reply>"
    When the reply is read
    Then it revokes consent
    And the reply is scored with intent.stop yes

    Examples:
      | reply                       |
      | No más, por favor           |
      | ALTO                        |
      | basta                       |
      | cancelar                    |
      | darme de baja               |
      | deja de llamarme            |
      | no me escriban más          |
      | déjenme en paz              |
      | no quiero recibir mensajes  |
      | revoco mi consentimiento    |

  Scenario Outline: Other wording a reasonable person reads as "stop contacting me"
    Given a patient replies "<reply>"
    When the reply is read
    Then it revokes consent

    Examples:
      | reply                              |
      | don't text me                      |
      | leave me alone                     |
      | remove me from your list           |
      | I no longer consent to these texts |
      | never call this number again       |
      | lose my number                     |

  Scenario: A request to stop calling bars calls (Regulation F 1006.14(h)) and is read as a stop
    Given a patient replies "stop calling me"
    When the reply is read
    Then it revokes consent

  Scenario Outline: A written request to cease communication is read as a stop (Regulation F 1006.6(c), REGF-CEASE)
    Given a patient replies "<reply>"
    When the reply is read
    Then it revokes consent

    Examples:
      | reply                                   |
      | cease and desist                        |
      | Cease all communication with me         |
      | I am requesting that you no longer contact me |

  Scenario: A revocation inside a longer reply still counts
    Given a patient replies "STOP. I'll pay when I can, don't text me"
    When the reply is read
    Then it revokes consent

  Scenario Outline: Ordinary words that only look like keywords do not revoke
    Given a patient replies "<reply>"
    When the reply is read
    Then it does not revoke consent

    Examples:
      | reply                                   |
      | I will pay by the end of the month      |
      | el saldo es muy alto                    |
      | necesito tiempo para pagar              |
      | can you cancel the late fee?            |
      | I'll stop by the office tomorrow to pay |
      | I quit my job, I can't pay              |
