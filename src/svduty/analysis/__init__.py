"""Statistics, the success measures and the evidence base, as queries and pure functions."""
