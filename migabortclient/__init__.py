"""Client for aborting and completing OpenStack live migrations."""
