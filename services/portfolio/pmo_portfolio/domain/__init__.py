"""The portfolio domain: pure decisions and state, no I/O."""
