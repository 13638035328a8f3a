"""One reviewer far out of line with the rest is flagged; honest disagreement is not."""

from __future__ import annotations

import math

import pytest

from mlcore.site.reviewers import ALPHA, binomial_cdf, reviewer_records


def reviews(**agreements: tuple[int, int]) -> tuple[list[str], list[bool]]:
    """name=(agreed, total) -> the parallel lists reviewer_records takes."""
    names, agrees = [], []
    for name, (agreed, total) in agreements.items():
        names += [name] * total
        agrees += [True] * agreed + [False] * (total - agreed)
    return names, agrees


def test_the_binomial_tail_is_exact():
    assert binomial_cdf(0, 3, 0.5) == pytest.approx(1 / 8)
    assert binomial_cdf(1, 3, 0.5) == pytest.approx(4 / 8)
    assert binomial_cdf(5, 20, 0.9) == pytest.approx(
        sum(math.comb(20, k) * 0.9**k * 0.1 ** (20 - k) for k in range(6))
    )


def test_one_reviewer_who_contradicts_the_model_on_purpose_is_flagged():
    # Two honest reviewers agree with the model 85% of the time; one agrees on 8 of 80.
    records = {r.name: r for r in reviewer_records(*reviews(li=(85, 100), wu=(68, 80), x=(8, 80)))}

    assert records["x"].flagged and records["x"].agreement == 0.1
    assert records["x"].others == pytest.approx((85 + 68) / 180)
    assert not records["li"].flagged and not records["wu"].flagged


def test_a_site_the_model_fits_poorly_flags_no_one():
    # Everyone disagrees often (a shifted site): nobody is out of line with the rest.
    records = reviewer_records(*reviews(li=(55, 100), wu=(40, 80), chen=(30, 60)))

    assert not any(record.flagged for record in records)


def test_too_few_reviews_or_no_colleague_flag_no_one():
    assert not any(r.flagged for r in reviewer_records(*reviews(alone=(2, 80))))
    assert not any(r.flagged for r in reviewer_records(*reviews(li=(90, 100), x=(0, 9))))


def test_the_flag_needs_both_the_test_and_the_gap():
    # 1,000 reviews agreeing 80% against colleagues' 90%: significant, but a small gap.
    names, agrees = reviews(li=(900, 1000), x=(800, 1000))
    assert binomial_cdf(800, 1000, 0.9) < ALPHA
    assert not any(r.flagged for r in reviewer_records(names, agrees))
