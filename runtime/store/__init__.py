"""Stores: reading and writing the service's tables in the caller's transaction."""
