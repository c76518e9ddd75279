"""A bundled reference Nova (compute API 2.1-2.104) for tests and demos.

It shares no code with the client library: it is an independent emulation
of Nova 34's server-migration, os-migrations, servers and instance-action
APIs, with a Keystone v3 front, on a simulated cloud with a clock.
"""
