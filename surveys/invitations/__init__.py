"""One-use invitation codes per agency, unlinkable from the answers they let in."""
