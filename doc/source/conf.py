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
# Command-line options are prose here too: keep "--all" from becoming an
# en dash in option help.
smartquotes = False
