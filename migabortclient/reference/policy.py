"""Nova 34's (and, for the identity reads, Keystone's) default policies
for the emulated APIs, via oslo.policy."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from typing import ClassVar

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

    project = "migabort-reference-nova"
    defaults: ClassVar[Mapping[str, str]] = {**BASE_RULES, **DEFAULTS}

    def __init__(self, policy_file: str | None = None) -> None:
        conf = cfg.ConfigOpts()
        conf([], project=self.project, default_config_files=[])
        self._enforcer = policy.Enforcer(
            conf,
            policy_file=policy_file,
            use_conf=True,
            overwrite=True,
        )
        self._enforcer.register_defaults(
            [
                policy.RuleDefault(name, check)
                for name, check in self.defaults.items()
            ]
        )
        self._policy_file = policy_file

    def allowed(
        self, rule: str, target: dict[str, Any], creds: dict[str, Any]
    ) -> bool:
        return bool(self._enforcer.enforce(rule, target, creds))


# keystone/common/policies/{base,project,user}.py, the 2023.1+ defaults
# (project-scoped tokens, [oslo_policy] enforce_scope false: a project
# admin is a cloud admin).
_KS_ADMIN = "rule:admin_required"
_KS_SYSTEM_READER = "role:reader and system_scope:all"
KEYSTONE_BASE_RULES = {
    "admin_required": "role:admin or is_admin:1",
    "service_role": "role:service",
    "service_or_admin": "rule:admin_required or rule:service_role",
    "owner": "user_id:%(user_id)s",
    "admin_or_owner": "rule:admin_required or rule:owner",
}
KEYSTONE_DEFAULTS = {
    "identity:get_project": (
        f"({_KS_ADMIN}) or ({_KS_SYSTEM_READER}) or "
        "(role:reader and domain_id:%(target.project.domain_id)s and "
        "not None:%(target.project.domain_id)s) or "
        "project_id:%(target.project.id)s"
    ),
    "identity:list_projects": (
        f"({_KS_ADMIN}) or ({_KS_SYSTEM_READER}) or "
        "(role:reader and domain_id:%(target.domain_id)s)"
    ),
    "identity:get_user": (
        f"({_KS_ADMIN}) or ({_KS_SYSTEM_READER}) or "
        "(role:reader and token.domain.id:%(target.user.domain_id)s) or "
        "user_id:%(target.user.id)s"
    ),
    "identity:list_users": (
        f"({_KS_ADMIN}) or ({_KS_SYSTEM_READER}) or "
        "(role:reader and domain_id:%(target.domain_id)s)"
    ),
}


class KeystonePolicy(Policy):
    """Keystone's defaults for the emulated identity reads, overridable
    by ``identity:*`` rules in the same policy file."""

    project = "migabort-reference-keystone"
    defaults: ClassVar[Mapping[str, str]] = {
        **KEYSTONE_BASE_RULES,
        **KEYSTONE_DEFAULTS,
    }
