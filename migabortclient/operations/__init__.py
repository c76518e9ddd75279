"""The workflows every face shares, on typed values.

Finding the server, picking the one in-progress migration, version
gates, aborting one or many, reading an outcome back, following
progress. Nothing here parses arguments, prints or exits: the faces in
:mod:`migabortclient.cli` (and the Ansible modules) do that.
"""
