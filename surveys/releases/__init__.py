"""Releases: the only way a round's results reach a reader.

Figures are worked out when a release is published (when the round closes, or when an
administrator publishes an interim release) and stored as they were published, so nothing a
reader sees moves with each new response.
"""
