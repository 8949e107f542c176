"""Configuration as code: users, services and escalation policies declared in a YAML file.

`parse_configuration` reads a file, `plan_configuration` / `apply_configuration` make the
database match it, `export_configuration` and `render_configuration` write the current state
back in the same format.
"""

from pagerd.config_as_code.apply import (
    apply_configuration,
    export_configuration,
    plan_configuration,
)
from pagerd.config_as_code.apply_change import Action, Change
from pagerd.config_as_code.errors import (
    IntegrationKeyTaken,
    InvalidConfiguration,
    Problem,
    PruneRefused,
)
from pagerd.config_as_code.model import (
    Configuration,
    DeclaredLevel,
    DeclaredPolicy,
    DeclaredService,
    DeclaredTarget,
    DeclaredUser,
)
from pagerd.config_as_code.parse import parse_configuration
from pagerd.config_as_code.render import render_configuration

__all__ = [
    "Action",
    "Change",
    "Configuration",
    "DeclaredLevel",
    "DeclaredPolicy",
    "DeclaredService",
    "DeclaredTarget",
    "DeclaredUser",
    "IntegrationKeyTaken",
    "InvalidConfiguration",
    "Problem",
    "PruneRefused",
    "apply_configuration",
    "export_configuration",
    "parse_configuration",
    "plan_configuration",
    "render_configuration",
]
