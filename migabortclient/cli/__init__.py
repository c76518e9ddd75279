"""Everything a terminal sees: options, argument types, auth, formatting.

The faces (``cli/osc`` for ``openstack`` and ``migabort``, ``cli/nova``
for ``migabort-nova``) parse, call one operation from
:mod:`migabortclient.operations` and print; no flow lives here.
"""
