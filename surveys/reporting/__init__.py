"""Reporting: what readers of a round's results see, on screen and in downloaded reports."""
