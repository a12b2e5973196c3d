"""Analysis: reads a round's tallies, feeds the pure scoring, caches the result."""
