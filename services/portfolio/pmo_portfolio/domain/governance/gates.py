"""Stage gates: the checkpoints a portfolio item passes on its way from idea to closure.

The scheme is configuration, kept as data: an ordered list of gates, the gate an accepted demand
has already passed when it enters the portfolio (`entry_gate`), and the gate after which an item
may be planned on the roadmap (`planning_gate`). An item is decided at its next gate; deferring,
putting on hold and cancelling may also happen at the gate it is at.
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from pmo_kernel.errors import DomainError

GateCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=20, pattern=r"^[\w-]+$"),
]
GateName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class Gate(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: GateCode
    name: GateName


class GateScheme(BaseModel):
    """The ordered stage gates in force. Frozen into each item when it is registered."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    gates: tuple[Gate, ...] = Field(min_length=2, max_length=20)
    entry_gate: GateCode = "G1"  # passed by every item: its demand was qualified and accepted
    planning_gate: GateCode = "G2"  # once passed (and approved), an item may be planned

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        codes = [gate.code for gate in self.gates]
        if len(codes) != len(set(codes)):
            raise ValueError(f"gate codes must be unique, got {codes}")
        for role, code in (("entry", self.entry_gate), ("planning", self.planning_gate)):
            if code not in codes:
                raise ValueError(f"the {role} gate {code} is not one of the gates {codes}")
        if codes.index(self.planning_gate) <= codes.index(self.entry_gate):
            raise ValueError(
                f"the planning gate {self.planning_gate} must come after the entry gate "
                f"{self.entry_gate}"
            )
        return self

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(gate.code for gate in self.gates)

    def knows(self, code: str) -> bool:
        return code in self.codes

    def position(self, code: str) -> int:
        """Index of the gate in the scheme; an unknown gate is refused, naming the known ones."""
        try:
            return self.codes.index(code)
        except ValueError:
            raise DomainError(
                f"{code} is not a stage gate (gates: {self.describe()})",
                gate=code,
                gates=list(self.codes),
            ) from None

    def name_of(self, code: str) -> str:
        return self.gates[self.position(code)].name

    def next_after(self, code: str) -> str | None:
        """The gate after `code`, or None when `code` is the last one."""
        index = self.position(code) + 1
        return self.codes[index] if index < len(self.gates) else None

    def up_to(self, code: str) -> tuple[str, ...]:
        """Every gate from the first to `code`, inclusive."""
        return self.codes[: self.position(code) + 1]

    def is_last(self, code: str) -> bool:
        return self.position(code) == len(self.gates) - 1

    def describe(self) -> str:
        return ", ".join(f"{gate.code} {gate.name}" for gate in self.gates)


DEFAULT_GATE_SCHEME = GateScheme(
    gates=(
        Gate(code="G0", name="idea"),
        Gate(code="G1", name="qualified"),
        Gate(code="G2", name="business case approved"),
        Gate(code="G3", name="go for delivery"),
        Gate(code="G4", name="closure"),
    )
)

__all__ = ["DEFAULT_GATE_SCHEME", "Gate", "GateCode", "GateName", "GateScheme"]
