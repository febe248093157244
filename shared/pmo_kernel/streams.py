"""A stream is (stream type, stream id): two aggregates of different types may share an id
(item "0" and governance body "0"), each with its own versions 1, 2, ... and hash chain.

Where one string must name a stream (logs, error messages, span attributes), it is written
`<type>-<id>`, as Message DB names streams: `portfolio-item-0`, `governance-body-0`. Our types
hold hyphens themselves, so the name is for people and logs, never parsed back: code that needs
the parts keeps them apart.
"""

from __future__ import annotations


def stream_name(stream_type: str, stream_id: str) -> str:
    """The stream's name for people and logs: `<type>-<id>`."""
    return f"{stream_type}-{stream_id}"


__all__ = ["stream_name"]
