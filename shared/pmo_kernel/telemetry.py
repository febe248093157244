"""OpenTelemetry wiring: one trace follows a command from the HTTP request through the append
(the traceparent is kept in the event's metadata), the relay, Kafka headers and the consumer.

The exporter is chosen by configuration: `otlp` (OTLP over HTTP, endpoint from the standard
OTEL_EXPORTER_OTLP_ENDPOINT variable), `console`, or `none`. Tests install an in-memory exporter.
"""

from __future__ import annotations

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_propagator = TraceContextTextMapPropagator()
_configured = False


def configure_tracing(
    service_name: str, exporter: str = "none", *, span_exporter: SpanExporter | None = None
) -> TracerProvider | None:
    """Install the global tracer provider once per process. Returns it, or None for `none`."""
    global _configured
    if _configured:
        provider = trace.get_tracer_provider()
        if span_exporter is not None and isinstance(provider, TracerProvider):
            provider.add_span_processor(SimpleSpanProcessor(span_exporter))
        return provider if isinstance(provider, TracerProvider) else None
    if exporter == "none" and span_exporter is None:
        return None
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    if span_exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(span_exporter))
    elif exporter == "console":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    elif exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        raise ValueError(f"unknown OTEL exporter {exporter!r}: use otlp, console or none")
    trace.set_tracer_provider(provider)
    _configured = True
    return provider


def current_traceparent() -> tuple[str | None, str | None]:
    """The W3C traceparent/tracestate of the current span, to store in event metadata."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent"), carrier.get("tracestate")


def context_from_traceparent(
    traceparent: str | None, tracestate: str | None = None
) -> otel_context.Context | None:
    """A context whose parent is the span named by `traceparent` (None when there is none)."""
    if not traceparent:
        return None
    carrier = {"traceparent": traceparent}
    if tracestate:
        carrier["tracestate"] = tracestate
    return _propagator.extract(carrier)


def current_ids() -> tuple[str | None, str | None]:
    """(trace id, span id) as hex, for structured logs."""
    span = trace.get_current_span().get_span_context()
    if not span.is_valid:
        return None, None
    return format(span.trace_id, "032x"), format(span.span_id, "016x")
