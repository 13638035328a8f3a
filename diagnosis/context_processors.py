from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from diagnosis.active_model import NO_MODEL_HELP, current_card
from diagnosis.selectors import user_can_review


def model_status(request: HttpRequest) -> dict:
    """Every page knows whether a model is installed, to show a banner when not, and
    whether the user reviews (the worklist's link), asked only when a page wants it."""
    card = current_card()
    return {
        "active_model": card,
        "no_model_help": None if card else NO_MODEL_HELP,
        "user_reviews": SimpleLazyObject(lambda: user_can_review(request.user)),
    }
