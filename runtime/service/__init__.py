"""Services: one transaction per request, composed from the stores and the outbox."""
