"""The capacity service's picture in the portfolio: the feed that keeps its facts, the tables
they are read from, and the pure fold of free person-days per role and quarter (`picture`)."""
