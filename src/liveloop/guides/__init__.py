"""Guide tasks: follow-ups a journey or an operator hands to a guide (导购)."""
