"""Portal facade: the leader's portal (团长工作台) — today's batches, the pickup queue, the
pickup scan and the arrival confirmation (``portal.today``); the leader's customers
(``portal.customers``); materials to share with tracked links and posters
(``portal.materials``, ``portal.links``); the leaders' ranking (``portal.ranking``).

Every function taking ``viewer`` serves a principal in the leader role acting as its leader
(``NotALeader`` otherwise) and reads community with that viewer, so community's scope holds:
another leader's batch, code or customer is "not found" here too.

Other packages import this module, ``portal.events`` or ``portal.contracts`` only.
"""

from __future__ import annotations

from liveloop.portal.acting import acting_leader as acting_leader
from liveloop.portal.attribution import bind_invited_buyer as bind_invited_buyer
from liveloop.portal.customers import CustomerDetail as CustomerDetail
from liveloop.portal.customers import CustomerPage as CustomerPage
from liveloop.portal.customers import CustomerRow as CustomerRow
from liveloop.portal.customers import OrderThrough as OrderThrough
from liveloop.portal.customers import customer_of as customer_of
from liveloop.portal.customers import customers_of as customers_of
from liveloop.portal.links import LinkView as LinkView
from liveloop.portal.links import link_of as link_of
from liveloop.portal.links import open_link as open_link
from liveloop.portal.links import share_link as share_link
from liveloop.portal.materials import LiveInvite as LiveInvite
from liveloop.portal.materials import Materials as Materials
from liveloop.portal.materials import ProductPoster as ProductPoster
from liveloop.portal.materials import landing_product as landing_product
from liveloop.portal.materials import landing_show as landing_show
from liveloop.portal.materials import materials_of as materials_of
from liveloop.portal.materials import poster_of as poster_of
from liveloop.portal.materials import upcoming_shows as upcoming_shows
from liveloop.portal.ranking import RankingView as RankingView
from liveloop.portal.ranking import Standing as Standing
from liveloop.portal.ranking import gmv_by_leader as gmv_by_leader
from liveloop.portal.ranking import ranking_of as ranking_of
from liveloop.portal.today import BatchSummary as BatchSummary
from liveloop.portal.today import ScanResult as ScanResult
from liveloop.portal.today import TodayView as TodayView
from liveloop.portal.today import Waiting as Waiting
from liveloop.portal.today import batch_of as batch_of
from liveloop.portal.today import confirm_arrival as confirm_arrival
from liveloop.portal.today import scan as scan
from liveloop.portal.today import today_of as today_of
