from tests.e2e.platform import platform, shared_platform

__all__ = ["platform", "shared_platform"]
