"""The outbox: messages written in the ledger's transaction and delivered exactly once by a worker.

`store` holds the table's operations (`enqueue`, `lease`, `acknowledge`, `mark_delivered`,
`mark_failed`, `requeue`); `worker` the delivery loop (`run_once`, `run_forever`).
"""
