"""OpenStackClient plugin."""
