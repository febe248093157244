"""Projections: how published events become the reporting read models."""
