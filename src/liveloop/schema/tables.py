"""Every table, imported in one place so the metadata Alembic compares against is complete."""

# Domains added later register their tables by importing their models module.
import liveloop.almanac.models
import liveloop.campaigns.models
import liveloop.channels.models
import liveloop.commission.models
import liveloop.community.models
import liveloop.groupbuy.models
import liveloop.guides.models
import liveloop.inventory.models
import liveloop.journeys.models
import liveloop.loyalty.models
import liveloop.portal.models
import liveloop.presale.models
import liveloop.segments.models
import liveloop.subscriptions.models
import liveloop.ugc.models  # noqa: F401
from liveloop.access.models import ApiKey, ConsoleSession, LoginThrottle, User
from liveloop.analytics.models import (
    AnalyticsReport,
    AnalyticsRun,
    CustomerScore,
    RepurchasePrediction,
    RfmGroupRule,
)
from liveloop.commerce.models import Order, OrderItem, OrderRefund, Product, RegionalPool
from liveloop.content.models import ContentItem
from liveloop.identity.models import IdentifierBlock, Identity, IdentityMerge
from liveloop.ingest.models import LedgerRefusal, Source
from liveloop.live.models import (
    LiveAttendance,
    LiveRoom,
    LiveScript,
    LiveSession,
    PreparedOffer,
    ShelfItem,
)
from liveloop.payments.models import Payment, PaymentNotification, RefundSend
from liveloop.profiles.models import Consent, Customer, CustomerTag, ProfileCounters, TagRule
from liveloop.store.base import Base
from liveloop.store.consumers import ConsumerCursor, ConsumerFailure
from liveloop.store.eventlog import Event
from liveloop.store.outbox import OutboxMessage

__all__ = [
    "AnalyticsReport",
    "AnalyticsRun",
    "ApiKey",
    "Base",
    "Consent",
    "ConsoleSession",
    "ConsumerCursor",
    "ConsumerFailure",
    "ContentItem",
    "Customer",
    "CustomerScore",
    "CustomerTag",
    "Event",
    "IdentifierBlock",
    "Identity",
    "IdentityMerge",
    "LedgerRefusal",
    "LiveAttendance",
    "LiveRoom",
    "LiveScript",
    "LiveSession",
    "LoginThrottle",
    "Order",
    "OrderItem",
    "OrderRefund",
    "OutboxMessage",
    "Payment",
    "PaymentNotification",
    "PreparedOffer",
    "Product",
    "ProfileCounters",
    "RefundSend",
    "RegionalPool",
    "RepurchasePrediction",
    "RfmGroupRule",
    "ShelfItem",
    "Source",
    "TagRule",
    "User",
]
