"""The `pmo` command line: run the platform, migrate, seed a demo, issue dev tokens, audit."""
