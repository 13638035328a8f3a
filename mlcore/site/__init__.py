"""Adapting the model to a site: its labelled images, a fitted head, the guardrail, install."""
