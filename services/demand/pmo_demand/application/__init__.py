"""The demand application layer: load → decide → append, one unit of work per command."""
