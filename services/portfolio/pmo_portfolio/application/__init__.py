"""The portfolio application layer: commands on items, scoring models, bodies, rules, meetings."""
