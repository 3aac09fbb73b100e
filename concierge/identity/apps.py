from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IdentityConfig(AppConfig):
    name = "concierge.identity"
    label = "identity"
    verbose_name = "Identity and roles"

    def ready(self) -> None:
        # Not a cycle: roles.py imports auth models, importable only once the app registry is ready.
        from concierge.identity import access
        from concierge.identity.roles import sync_roles_after_migrate

        access.connect()  # a change of anyone's roles, privileges or stores restamps them

        # Permissions only exist after post_migrate has created them, so the roles (groups) are
        # synchronised with roles.py there, after every migrate (docs/adr/0003-roles.md).
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="concierge.identity.sync_roles")
