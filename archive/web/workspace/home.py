"""The workspace's home (`/atelier`): what needs attention (filled by the workspace pages)."""

from __future__ import annotations

from flask import render_template

from ... import audit
from ..context import services
from . import auth, workspace
from .attention import attention

RECENT_CHANGES = 20


@workspace.route("")
@auth.login_required(role="archivist")
def home():
    """What needs an archivist's attention, and the recent changes from the audit log."""
    config = services().config
    return render_template("workspace/home.html", changes=audit.read(config, RECENT_CHANGES),
                           attention=attention(config))
