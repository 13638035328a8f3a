"""What the diagnosis app tells the apps beside it, without importing them (the hospital
side listens to reviews: a confirmed finding goes back to the PACS)."""

from django.dispatch import Signal

# Sent inside the review's transaction, with ``scan`` and ``finding`` ("" when cleared):
# a receiver's writes commit or roll back with the review.
scan_reviewed = Signal()
