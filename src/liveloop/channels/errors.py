"""The requests the channels domain refuses."""

from __future__ import annotations

from liveloop.errors import DomainError


class ChannelsError(DomainError):
    """A request the channels domain refuses."""


class TemplateNotFound(ChannelsError):
    status = 404


class MessageNotFound(ChannelsError):
    status = 404
