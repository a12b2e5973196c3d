"""Running the service: rounds (dates, agencies, headcounts, links) and user accounts."""
