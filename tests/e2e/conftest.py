from tests.e2e.platform import platform

__all__ = ["platform"]
