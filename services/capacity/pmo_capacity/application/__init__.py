"""The capacity application layer: command handlers over the kernel repositories."""
