"""What a signed-in person may do, read once per change rather than once per request.

A person's access — their privileges, role names and the stores they serve — changes rarely (an
administrator's edit, a role's privileges synchronised after a migrate) but is read by every request
of theirs. It is kept per process, keyed by the user's ``access_stamp``: a random value on the user
row that every change of their roles, direct privileges or stores replaces (the receivers below).
The row is read on every request anyway (the session's user), so a change made by one process is
seen by every other on the very next request: no time-to-live, no shared cache, nothing stale.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models.signals import m2m_changed, post_delete, pre_delete

if TYPE_CHECKING:
    from concierge.identity.models import User

# Enough for every person active at once on one process; the least recently used are dropped.
MAX_ENTRIES = 4096


@dataclass(frozen=True, slots=True)
class Access:
    permissions: frozenset[str]  # "app_label.codename", as ``has_perm`` names them
    roles: tuple[str, ...]  # the role (group) names, sorted
    store_ids: frozenset[int]
    store_codes: tuple[str, ...]


_entries: OrderedDict[tuple[int, uuid.UUID, bool], Access] = OrderedDict()
_lock = threading.Lock()


def _load(user: User) -> Access:
    from django.contrib.auth.models import Permission

    if user.is_superuser:
        perms = Permission.objects.all()
    else:
        perms = Permission.objects.filter(group__user=user) | Permission.objects.filter(user=user)
    permissions = frozenset(f"{app}.{code}" for app, code in perms.values_list("content_type__app_label", "codename"))
    stores = list(user.stores.order_by("code").values_list("pk", "code"))
    return Access(
        permissions=permissions,
        roles=tuple(sorted(user.groups.values_list("name", flat=True))),
        store_ids=frozenset(pk for pk, _ in stores),
        store_codes=tuple(code for _, code in stores),
    )


def access_of(user: User) -> Access:
    """``user``'s access as their row's stamp says it is now (loaded at most once per change)."""
    key = (user.pk, user.access_stamp, user.is_superuser)
    with _lock:
        found = _entries.get(key)
        if found is not None:
            _entries.move_to_end(key)
            return found
    found = _load(user)
    with _lock:
        _entries[key] = found
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return found


def forget_all() -> None:
    """Drop every kept entry (tests that reuse ids; a process that wants to start cold)."""
    with _lock:
        _entries.clear()


def restamp(user_ids: Any) -> None:
    """Mark the access of ``user_ids`` as changed: their next request loads it again."""
    from concierge.identity.models import User

    User.objects.filter(pk__in=list(user_ids)).update(access_stamp=uuid.uuid4())


# --- What changes a person's access ---------------------------------------------------------------


def _user_side_changed(sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any) -> None:
    """A user's roles, direct privileges or stores changed, from either side of the relation."""
    from concierge.identity.models import User

    if action == "pre_clear" and reverse:
        # The users losing the relation are known only before it is cleared.
        instance._access_users_cleared = list(sender.objects.filter(**{_other_field(sender): instance.pk})
                                              .values_list("user_id", flat=True))  # fmt: skip
        return
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if not reverse:  # instance is the user
        instance.access_stamp = uuid.uuid4()
        User.objects.filter(pk=instance.pk).update(access_stamp=instance.access_stamp)
        return
    ids = list(pk_set or ()) if action != "post_clear" else getattr(instance, "_access_users_cleared", [])
    if ids:
        restamp(ids)


def _other_field(through: Any) -> str:
    names = [f.name for f in through._meta.get_fields() if getattr(f, "many_to_one", False) and f.name != "user"]
    return f"{names[0]}_id"


def _role_privileges_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any
) -> None:
    """A role's (group's) privileges changed: every holder's access changes with it."""
    from django.contrib.auth.models import Group

    from concierge.identity.models import User

    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    groups = [instance.pk] if not reverse else list(pk_set or ())
    if reverse and action == "post_clear":
        groups = list(Group.objects.values_list("pk", flat=True))  # a permission cleared from every role
    if groups:
        User.objects.filter(groups__in=groups).update(access_stamp=uuid.uuid4())


def _role_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A role (group) about to be deleted: its members lose what it gave them (a delete cascades to
    the memberships without an m2m signal)."""
    from concierge.identity.models import User

    User.objects.filter(groups=instance).update(access_stamp=uuid.uuid4())


def _user_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    with _lock:
        for key in [k for k in _entries if k[0] == instance.pk]:
            del _entries[key]


def connect() -> None:
    from django.contrib.auth.models import Group

    from concierge.identity.models import User

    for through in (User.groups.through, User.user_permissions.through, User.stores.through):
        m2m_changed.connect(_user_side_changed, sender=through, dispatch_uid=f"concierge.access.{through.__name__}")
    m2m_changed.connect(
        _role_privileges_changed, sender=Group.permissions.through, dispatch_uid="concierge.access.roles"
    )
    post_delete.connect(_user_deleted, sender=User, dispatch_uid="concierge.access.deleted")
    pre_delete.connect(_role_deleted, sender=Group, dispatch_uid="concierge.access.role_deleted")
