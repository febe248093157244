"""The portfolio service's event registry: every portfolio event class registers itself here."""

from pmo_kernel.events import EventRegistry

registry = EventRegistry("portfolio")
