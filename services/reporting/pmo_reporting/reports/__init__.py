"""Periodic reports: definitions, editions built from the read models, HTML and PDF renderings.

definitions.py says what a report is (audience, period, sections); sections.py gathers each
section's data from the read models and says how it is drawn; render.py turns an edition's data
into HTML (inline SVG charts) and PDF; editions.py generates, stores and rebuilds editions.
"""
