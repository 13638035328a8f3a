"""The shape of GET /api/integration/ (pacs.selectors.integration_status), for the schema."""

from rest_framework import serializers

from pacs.models import Delivery


class ListenerSerializer(serializers.Serializer):
    address = serializers.CharField(help_text="AE@bind:port")
    started_at = serializers.DateTimeField()
    seen_at = serializers.DateTimeField(help_text="Its last heartbeat.")
    running = serializers.BooleanField(help_text="Seen within the last minute.")


class ReceivedCountsSerializer(serializers.Serializer):
    analysed = serializers.IntegerField()
    not_recognised = serializers.IntegerField()
    not_analysed = serializers.IntegerField(help_text="Routed, not analysed (and why, in SR).")
    skipped = serializers.IntegerField(help_text="Not routed: not a frontal radiograph.")
    refused = serializers.IntegerField(help_text="Malformed or too large.")
    total = serializers.IntegerField()
    received_again = serializers.IntegerField(help_text="Duplicates recognised, not analysed.")


class DeliveryCountsSerializer(serializers.Serializer):
    queued = serializers.IntegerField()
    sent = serializers.IntegerField()
    failed = serializers.IntegerField()


class DestinationsSerializer(serializers.Serializer):
    dimse = serializers.CharField(allow_null=True, help_text="AE@host:port")
    dicomweb = serializers.CharField(allow_null=True, help_text="host:port only")
    error = serializers.CharField(help_text="Why a destination setting is unusable.")


class FailureSerializer(serializers.Serializer):
    scan = serializers.IntegerField(allow_null=True)
    kind = serializers.ChoiceField(choices=Delivery.Kind.choices)
    state = serializers.ChoiceField(choices=Delivery.State.choices)
    attempts = serializers.IntegerField()
    last_error = serializers.CharField()
    updated_at = serializers.DateTimeField()


class IntegrationStatusSerializer(serializers.Serializer):
    ae_title = serializers.CharField()
    listeners = ListenerSerializer(many=True)
    last_received_at = serializers.DateTimeField(allow_null=True)
    received = ReceivedCountsSerializer()
    deliveries = DeliveryCountsSerializer()
    queue_length = serializers.IntegerField()
    oldest_queued_at = serializers.DateTimeField(allow_null=True)
    destinations = DestinationsSerializer()
    recent_failures = FailureSerializer(many=True)
