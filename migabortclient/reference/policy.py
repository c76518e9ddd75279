"""Nova 34's default policies for the emulated APIs, via oslo.policy."""

from __future__ import annotations

import logging
from typing import Any

from oslo_config import cfg
from oslo_policy import policy

LOG = logging.getLogger(__name__)

ADMIN = "role:admin"
BASE_RULES = {
    "context_is_admin": ADMIN,
    "admin_or_owner": "is_admin:True or project_id:%(project_id)s",
    "admin_api": "is_admin:True",
    "project_manager_api": "role:manager and project_id:%(project_id)s",
    "project_member_api": "role:member and project_id:%(project_id)s",
    "project_reader_api": "role:reader and project_id:%(project_id)s",
    "project_manager_or_admin": (
        "rule:project_manager_api or rule:context_is_admin"
    ),
    "project_member_or_admin": (
        "rule:project_member_api or rule:context_is_admin"
    ),
    "project_reader_or_admin": (
        "rule:project_reader_api or rule:context_is_admin"
    ),
    "service_api": "role:service",
    "service_or_admin": "rule:service_api or rule:context_is_admin",
}

_SM = "os_compute_api:servers:migrations"
_OM = "os_compute_api:os-migrations"
_MS = "os_compute_api:os-migrate-server"
_IA = "os_compute_api:os-instance-actions"
DEFAULTS = {
    f"{_SM}:index": "rule:project_manager_or_admin",
    f"{_SM}:index:host": "rule:context_is_admin",
    f"{_SM}:show": "rule:context_is_admin",
    f"{_SM}:delete": "rule:project_manager_or_admin",
    f"{_SM}:force_complete": "rule:project_manager_or_admin",
    f"{_OM}:index": "rule:project_manager_or_admin",
    f"{_OM}:index:all_projects": "rule:context_is_admin",
    f"{_OM}:index:host": "rule:context_is_admin",
    f"{_MS}:migrate_live": "rule:project_manager_or_admin",
    f"{_MS}:migrate_live:host": "rule:context_is_admin",
    f"{_IA}:list": "rule:project_reader_or_admin",
    f"{_IA}:show": "rule:project_reader_or_admin",
    f"{_IA}:events": "rule:context_is_admin",
    f"{_IA}:events:details": "rule:context_is_admin",
    "os_compute_api:servers:index": "rule:project_reader_or_admin",
    "os_compute_api:servers:detail": "rule:project_reader_or_admin",
    "os_compute_api:servers:index:get_all_tenants": "rule:context_is_admin",
    "os_compute_api:servers:detail:get_all_tenants": "rule:context_is_admin",
    "os_compute_api:servers:show": "rule:project_reader_or_admin",
    "os_compute_api:servers:allow_all_filters": "rule:context_is_admin",
    "os_compute_api:servers:show:flavor-extra-specs": (
        "rule:project_reader_or_admin"
    ),
    "os_compute_api:servers:show:host_status": "rule:context_is_admin",
    "os_compute_api:os-extended-server-attributes": "rule:context_is_admin",
}


class Policy:
    """Nova 34 defaults, overridable by a YAML/JSON policy file."""

    def __init__(self, policy_file: str | None = None) -> None:
        conf = cfg.ConfigOpts()
        conf([], project="migabort-reference-nova", default_config_files=[])
        self._enforcer = policy.Enforcer(
            conf,
            policy_file=policy_file,
            use_conf=True,
            overwrite=True,
        )
        self._enforcer.register_defaults(
            [
                policy.RuleDefault(name, check)
                for name, check in {**BASE_RULES, **DEFAULTS}.items()
            ]
        )
        self._policy_file = policy_file

    def allowed(
        self, rule: str, target: dict[str, Any], creds: dict[str, Any]
    ) -> bool:
        return bool(self._enforcer.enforce(rule, target, creds))
