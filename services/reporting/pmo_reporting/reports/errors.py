"""The reports' refusals, each a kernel PmoError with a stable code: REST answers them as
problem+json (pmo_kernel.http), GraphQL as an error with the code (gateway/errors.py)."""

from __future__ import annotations

from pmo_kernel.errors import NotFound, PmoError


class InvalidReportRequest(PmoError):
    """A report asked for with arguments that do not name one: an unknown period, audience or
    section, a sponsor report without its programme. Nothing is generated or stored."""

    code = "invalid_report_request"
    status = 422
    title = "Invalid report request"


class EditionNotFound(NotFound):
    code = "report_edition_not_found"
    title = "Report edition not found"


class ReadModelMoved(PmoError):
    """Regenerating an edition from the read models needs them where they were when it was
    built; they applied more events since (time travel is not kept: rebuild from the stored
    data instead)."""

    code = "read_model_moved"
    status = 409
    title = "The read models moved past the edition's positions"


class ReadModelBusy(PmoError):
    """The read models kept moving while an edition's data was read: it could not be read at
    one set of positions. Retrying later works."""

    code = "read_model_busy"
    status = 503
    title = "The read models are being updated"
