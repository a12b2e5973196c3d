"""Free-text comments after they are sent: moderation, what to look for, and how to label them."""
