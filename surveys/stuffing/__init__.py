"""Signs of ballot stuffing: bursts of submissions to a round, and workshop rooms answering
more often than phones joined. Only counts are kept, never linked to an answer."""
