"""Live workshops: a room answers on phones and discusses the results as they appear."""
