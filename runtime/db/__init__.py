"""The service's database: tables, engines and transactions, migrations."""
