"""What every router shares: the request's runtime, sessions and principal (``deps``), and
tabular answers as pages, CSV or Excel (``downloads``)."""
