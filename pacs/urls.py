from django.contrib.auth.decorators import login_not_required
from django.urls import path

from pacs.views import StowView

# DICOMweb authenticates by itself (token or session) and answers 401/403 as JSON.
urlpatterns = [path("studies", login_not_required(StowView.as_view()), name="stow-rs")]
