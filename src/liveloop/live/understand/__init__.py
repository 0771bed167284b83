"""Understanding live comments in Chinese, offline: normalised, then classified by intent,
aspect and sentiment (issue 12 builds the classifier on this)."""
