"""Runtime: the CLI, the API service, persistence and channels: everything that touches the world."""
