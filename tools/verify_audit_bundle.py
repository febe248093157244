#!/usr/bin/env python3
"""Verify a pmo auditor's bundle (`pmo audit export DIR`) with no pmo code at all.

Usage: python verify_audit_bundle.py DIR      (needs Python 3.11+ and the `cryptography` package)

For each service directory of DIR it checks, and exits 1 naming the first problem:
1. every signed tree head's Ed25519 signature, with DIR/public-key.pem;
2. the Merkle leaves the log recorded (leaves.jsonl) rebuild every head's root (RFC 9162:
   leaf hash SHA-256(0x00 || position, 8 bytes big-endian || event hash), node hash
   SHA-256(0x01 || left || right)), so they can be trusted, and so can every earlier head;
3. every event's hash (its canonical JSON: sorted keys, no spaces, UTF-8) and its stream chain;
4. the events, in order, are exactly the trusted leaves: the first difference is named as a
   missing, altered, reordered or extra event; the events also rebuild every head's root.
See docs/audit.md.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import load_pem_public_key


def leaf_hash(position: int, event_hash: str) -> bytes:
    return hashlib.sha256(
        b"\x00" + position.to_bytes(8, "big") + bytes.fromhex(event_hash)
    ).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class Tree:
    """The roots of the perfect subtrees of the leaves so far (RFC 9162 MTH, incrementally)."""

    def __init__(self) -> None:
        self.size, self.stack = 0, []  # type: int, list[bytes]

    def append(self, leaf: bytes) -> None:
        index, h = self.size, leaf
        while index & 1:
            h, index = node_hash(self.stack.pop(), h), index >> 1
        self.stack.append(h)
        self.size += 1

    def root(self) -> bytes:
        if not self.stack:
            return hashlib.sha256(b"").digest()
        root = self.stack[-1]
        for h in reversed(self.stack[:-1]):
            root = node_hash(h, root)
        return root


def describe(e: dict) -> str:
    return (
        f"event {e['event_id']} (stream {e['stream_type']}-{e['stream_id']} "
        f"v{e['stream_version']}, position {e['global_position']})"
    )


def canonical_hash(event: dict) -> str:
    canonical = json.dumps(
        {
            "event_id": event["id"],
            "stream_type": event["pmostreamtype"],
            "stream_id": event["subject"],
            "stream_version": int(event["sequence"]),
            "event_type": event["pmoeventtype"],
            "schema_version": event["pmoschemaversion"],
            "payload": event["data"],
            "metadata": json.loads(event["pmometadata"]),
            "prev_hash": event["pmoprevhash"],
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def verify_service(folder: Path, key) -> list[str]:
    service = folder.name
    heads = json.loads((folder / "checkpoints.json").read_text())
    problems = []
    for h in heads:
        message = (
            f"pmo-tree-head-v1\n{service}\n{h['tree_size']}\n{h['root_hash']}\n{h['timestamp']}\n"
        ).encode()
        try:
            key.verify(base64.b64decode(h["signature"]), message)
        except InvalidSignature:
            problems.append(f"signed head of size {h['tree_size']}: the signature is not valid")
    if problems or not heads:
        return problems or [f"{service}: no signed tree head in the bundle"]
    roots = {h["tree_size"]: bytes.fromhex(h["root_hash"]) for h in heads}
    latest = heads[-1]["tree_size"]

    def lines(name: str) -> list[dict]:
        return [json.loads(line) for line in (folder / name).read_text().splitlines() if line]

    leaves = lines("leaves.jsonl")
    tree = Tree()
    for leaf in leaves:
        tree.append(leaf_hash(leaf["global_position"], leaf["event_hash"]))
        if roots.get(tree.size, tree.root()) != tree.root():
            return [f"the Merkle leaves do not rebuild the signed head of size {tree.size}"]
    if tree.size < latest:
        return [f"the bundle holds {tree.size} leaves, the signed head counts {latest}"]

    events = [
        {
            "event_id": e["id"],
            "stream_type": e["pmostreamtype"],
            "stream_id": e["subject"],
            "stream_version": int(e["sequence"]),
            "global_position": e["pmoposition"],
            "event_hash": e["pmohash"],
            "raw": e,
        }
        for e in lines("events.jsonl")
    ]
    heads_of: dict[tuple[str, str], tuple[int, str | None]] = {}
    for e in events:
        stream = (e["stream_type"], e["stream_id"])
        version, previous = heads_of.get(stream, (0, None))
        if e["stream_version"] != version + 1 or e["raw"]["pmoprevhash"] != previous:
            problems.append(f"broken chain at {describe(e)}: it does not follow v{version}")
        elif canonical_hash(e["raw"]) != e["event_hash"]:
            problems.append(f"altered event: {describe(e)} does not match its hash")
        heads_of[stream] = (e["stream_version"], e["event_hash"])

    positions = {e["global_position"]: e for e in events}
    logged = {leaf["global_position"]: leaf["leaf_index"] for leaf in leaves}
    key_of = ("global_position", "event_hash")
    for index in range(max(len(events), len(leaves))):
        now = events[index] if index < len(events) else None
        then = leaves[index] if index < len(leaves) else None
        if then is None or (now is not None and all(now[k] == then[k] for k in key_of)):
            continue
        where = f"leaf {index}"
        if now is None or then["global_position"] not in positions:
            problems.insert(0, f"missing event at {where}: {describe(then)} was deleted")
        elif now["global_position"] == then["global_position"]:
            problems.insert(0, f"altered event at {where}: {describe(then)} changed its hash")
        elif now["global_position"] not in logged:
            problems.insert(0, f"extra event at {where}: {describe(now)} was inserted")
        else:
            problems.insert(
                0,
                f"reordered events at {where}: the log now has {describe(now)} "
                f"there, recorded at leaf {logged[now['global_position']]}",
            )
        break

    rebuilt = Tree()
    for e in events:
        rebuilt.append(leaf_hash(e["global_position"], e["event_hash"]))
        if roots.get(rebuilt.size, rebuilt.root()) != rebuilt.root():
            problems.append(f"the events do not rebuild the signed head of size {rebuilt.size}")
            break
    if rebuilt.size < latest:
        problems.append(f"the bundle holds {rebuilt.size} events, the signed head counts {latest}")
    return problems


def main(bundle: Path) -> int:
    key = load_pem_public_key((bundle / "public-key.pem").read_bytes())
    failed = False
    for folder in sorted(p for p in bundle.iterdir() if (p / "checkpoints.json").exists()):
        problems = verify_service(folder, key)
        if problems:
            failed = True
            print(f"{folder.name}: {problems[0]}")
            for problem in problems[1:]:
                print(f"  also: {problem}")
        else:
            print(f"{folder.name}: intact")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
