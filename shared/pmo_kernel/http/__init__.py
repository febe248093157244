"""The HTTP edge every service shares: errors as problem+json, identity, limits, tracing."""
