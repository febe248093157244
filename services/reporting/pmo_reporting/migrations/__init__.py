"""Alembic history of the reporting schema (a package only so type checkers name env.py
uniquely; alembic loads the files by path)."""
