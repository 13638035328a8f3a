"""Whose reviews a site version learns from: one reviewer far out of line is left out.

A site version learns from the site's reviews, so one account's reviews could steer it:
a reviewer who gives the opposite finding on purpose makes labels that the candidate fits
and the active model contradicts, and the guardrail, judged on those same labels, would
favour the candidate. The evidence here is one the labels cannot make up: how often each
reviewer agrees with the active model's verdicts on the scans they reviewed, beside how
often everyone else does. At a site the model fits poorly every honest reviewer disagrees
more, and their colleagues with them; one who disagrees far more than the rest (a one-sided
exact binomial test at ALPHA, and a gap of at least MIN_GAP) is flagged, and their reviews
are left out unless a person who knows them says otherwise.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

ALPHA = 1e-3  # the chance an honest reviewer, as in line as the rest, is flagged anyway
MIN_GAP = 0.25  # and they must agree with the model this much less often than the rest
MIN_REVIEWS = 10  # fewer reviews than this say too little to flag anyone


@dataclass(frozen=True)
class ReviewerRecord:
    """One reviewer's reviews: how many, how often they agree with the active model, how
    often everyone else does (None: nobody else reviewed), and whether they are flagged."""

    name: str
    reviews: int
    agreement: float
    others: float | None
    flagged: bool


def binomial_cdf(successes: int, trials: int, p: float) -> float:
    """P(X <= successes) for X ~ Binomial(trials, p), summed in log space."""
    if p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 1.0 if successes >= trials else 0.0
    total = 0.0
    for k in range(successes + 1):
        log_pmf = (
            math.lgamma(trials + 1)
            - math.lgamma(k + 1)
            - math.lgamma(trials - k + 1)
            + k * math.log(p)
            + (trials - k) * math.log1p(-p)
        )
        total += math.exp(log_pmf)
    return min(total, 1.0)


def reviewer_records(names: Sequence[str], agrees: Sequence[bool]) -> list[ReviewerRecord]:
    """Per reviewer (``names[i]`` reviewed item i, which ``agrees[i]`` with the active
    model's verdict or not), most reviews first."""
    reviews, agreed = Counter(names), Counter(n for n, a in zip(names, agrees, strict=True) if a)
    total, total_agreed = len(names), sum(agreed.values())
    records = []
    for name, count in reviews.most_common():
        others = total - count
        rate = agreed[name] / count
        other_rate = (total_agreed - agreed[name]) / others if others else None
        flagged = (
            other_rate is not None
            and count >= MIN_REVIEWS
            and others >= MIN_REVIEWS
            and other_rate - rate >= MIN_GAP
            and binomial_cdf(agreed[name], count, other_rate) < ALPHA
        )
        records.append(ReviewerRecord(name, count, rate, other_rate, flagged))
    return records
