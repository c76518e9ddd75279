"""Sphinx configuration for the migabortclient documentation."""

project = "migabortclient"
copyright = "2026, migabortclient developers"  # noqa: A001
extensions = [
    "sphinx.ext.autodoc",
    "cliff.sphinxext",
]
master_doc = "index"
html_theme = "alabaster"
autodoc_typehints = "description"
