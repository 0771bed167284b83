"""The content library: highlight clips cut from a show's recording, recipes and 话术, tagged
and searchable in Chinese, so a host or a journey can send a person the piece that answers
what they asked. The table ``content_items`` is the truth; the search index beside the store is
rebuilt from it whenever it is missing or behind (decision 0025)."""
