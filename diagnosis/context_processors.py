from django.http import HttpRequest

from diagnosis.active_model import NO_MODEL_HELP, current_card


def model_status(request: HttpRequest) -> dict:
    """Every page knows whether a model is installed, to show a banner when not."""
    card = current_card()
    return {"active_model": card, "no_model_help": None if card else NO_MODEL_HELP}
