"""GraphQL errors with stable codes in `extensions.code`, and the masking of the unexpected.

Codes clients can switch on:
- UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, BAD_USER_INPUT: the gateway's own checks;
- the demand service's problem codes, upper-cased (INVALID_TRANSITION, CONCURRENCY_CONFLICT,
  VALIDATION_FAILED, GOVERNANCE_RULE_FAILED, ...), with the problem's other fields;
- DEMAND_SERVICE_UNAVAILABLE / DEMAND_SERVICE_TIMEOUT / UPSTREAM_ERROR: the call failed;
- GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED (depth, aliases, unknown fields...);
- INTERNAL_SERVER_ERROR: anything unexpected (its message hidden in production).
"""

from __future__ import annotations

import re
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from pmo_kernel.errors import PmoError
from pmo_kernel.http.problems import current_ids

INTERNAL = "INTERNAL_SERVER_ERROR"


class GatewayError(Exception):
    """An error meant for the client: its message and extensions are shown as they are.

    Resolvers raise it; graphql-core wraps it in a located GraphQLError that keeps these
    extensions (GraphQLError copies `extensions` from the original error).
    """

    def __init__(self, message: str, code: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.extensions: dict[str, Any] = {
            "code": code,
            **{k: v for k, v in extensions.items() if v is not None},
        }


def unauthenticated(detail: str) -> GatewayError:
    return GatewayError(detail, "UNAUTHENTICATED", status=401)


def bad_input(detail: str, **extensions: Any) -> GatewayError:
    return GatewayError(detail, "BAD_USER_INPUT", status=400, **extensions)


def from_pmo_error(error: PmoError) -> GatewayError:
    return GatewayError(
        error.detail,
        error.code.upper(),
        status=error.status,
        **{_camel(k): v for k, v in error.extensions.items()},
    )


def from_problem(problem: dict[str, Any], status: int) -> GatewayError:
    """An RFC 9457 problem from a pmo service, as the GraphQL error clients see."""
    code = str(problem.get("code") or f"http_{status}").upper()
    detail = str(problem.get("detail") or problem.get("title") or f"HTTP {status}")
    extras = {
        _camel(k): v
        for k, v in problem.items()
        if k not in {"type", "title", "status", "detail", "code", "instance"}
    }
    return GatewayError(detail, code, status=status, detail=detail, **extras)


def is_expected(error: GraphQLError) -> bool:
    """Errors clients may see in full: ours, and those of the query itself (no original)."""
    return error.original_error is None or isinstance(error.original_error, GatewayError)


class MaskUnexpectedErrors(MaskErrors):
    """Production: hide the message of unexpected errors, keeping a code clients can read."""

    def __init__(self) -> None:
        super().__init__(
            should_mask_error=lambda error: not is_expected(error),
            error_message="Internal server error",
        )

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": INTERNAL}
        return masked


def add_codes(errors: list[GraphQLError]) -> None:
    """Give every error an `extensions.code`, and the request's `traceId` and `correlationId`
    (what a user quotes to support; the response's last step, see app.py)."""
    ids = {_camel(k): v for k, v in current_ids().items()}
    for error in errors:
        extensions = error.extensions or {}
        code = extensions.get("code") or _classify(error)
        error.extensions = {**ids, **extensions, "code": code}


def _classify(error: GraphQLError) -> str:
    if error.original_error is not None:
        return INTERNAL
    if error.message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"  # also: over the token limit (MaxTokensLimiter)
    if error.message.startswith("Variable '$"):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


def _camel(name: str) -> str:
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name)
