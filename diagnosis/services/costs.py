"""What one user may make the model do: a rate per kind of work, counted by its cost (each
image analysed, each heatmap made), the same for the pages and the API, and for every
worker and machine (the shared "throttle" cache). The rates are PNEUMO_THROTTLE_UPLOADS
and PNEUMO_THROTTLE_MAPS; what one user's load does to another's: python -m bench.load.

Like the API's throttles, the count is read, then written: under concurrent requests a few
may slip through, never a multiple of the rate.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import caches
from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.throttling import SimpleRateThrottle

from diagnosis.errors import CostLimited, QuotaExceeded
from diagnosis.models import Scan

WHAT = {"uploads": gettext_lazy("images analysed"), "maps": gettext_lazy("heatmaps made")}


def parse_rate(rate: str) -> tuple[int, int]:
    """DRF's rate syntax ("120/minute"): (how many, per how many seconds), read by DRF's
    own parser (a throttle made without its __init__: there is no request to throttle)."""
    return SimpleRateThrottle.__new__(SimpleRateThrottle).parse_rate(rate)


def cost_charge(user: AbstractBaseUser, kind: str, units: int = 1) -> None:
    """Count ``units`` of ``kind`` ("uploads": one per image; "maps": one per heatmap
    made) for ``user``; CostLimited, counting nothing, when they would pass the rate."""
    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][kind]
    if units <= 0 or rate is None:
        return
    allowed, seconds = parse_rate(rate)
    cache, key, now = caches["throttle"], f"cost_{kind}_{user.pk}", time.time()
    history = [at for at in cache.get(key, []) if at > now - seconds]
    limit = _("at most %(allowed)d %(what)s per %(seconds)d s for each user") % {
        "allowed": allowed,
        "what": WHAT[kind],
        "seconds": seconds,
    }
    if units > allowed:
        raise CostLimited(
            _("%(units)d at once is more than the limit (%(limit)s): send fewer.")
            % {"units": units, "limit": limit}
        )
    over = len(history) + units - allowed
    if over > 0:  # the over-th oldest must leave the window first
        wait = max(1, math.ceil(history[over - 1] + seconds - now))
        raise CostLimited(
            _("Too much work asked of the model (%(limit)s); try again in %(wait)d s.")
            % {"limit": limit, "wait": wait}
        )
    cache.set(key, sorted(history + [now] * units), seconds)


def quota_check(user: AbstractBaseUser) -> None:
    """QuotaExceeded when ``user``'s stored scans already fill PNEUMO_USER_QUOTA_MB."""
    quota = settings.PNEUMO_USER_QUOTA_MB
    if quota <= 0:
        return
    used = Scan.objects.filter(owner=user).aggregate(used=Sum("stored_bytes"))["used"] or 0
    if used >= quota * 1e6:
        raise QuotaExceeded(
            _(
                "Your stored scans take %(used)s MB, the quota is %(quota)s MB: delete scans "
                "you no longer need (History, or DELETE /api/scans/<id>/) to upload more."
            )
            % {"used": f"{used / 1e6:,.1f}", "quota": f"{quota:,}"}
        )


def uploads_allowed(user: AbstractBaseUser, files: int) -> None:
    """Before ``files`` uploads of ``user`` are analysed (the pages and the API): their
    storage quota has room, and the images count against their rate."""
    quota_check(user)
    cost_charge(user, "uploads", files)
