"""The leader's portal (团长工作台): tracked share links and their posters, the leaders'
ranking, and the views the portal's pages read (``portal.service``)."""
