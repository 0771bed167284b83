"""UGC: customers' recipes and reviews with their moderation, polls, honours and KOC scores."""
