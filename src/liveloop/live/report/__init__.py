"""The post-live report: ``build`` replays a show through the stream processor; ``reports``
keeps each show's latest report and hands its follow-up audiences on."""
