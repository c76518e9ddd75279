"""Sphinx configuration for the release notes."""

project = "migabortclient Release Notes"
extensions = ["reno.sphinxext"]
master_doc = "index"
html_theme = "alabaster"
