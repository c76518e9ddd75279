"""OpenStackClient commands for compute API v2."""
