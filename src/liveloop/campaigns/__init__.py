"""Campaign templates scheduled from the marketing calendar: a live show and a journey."""
