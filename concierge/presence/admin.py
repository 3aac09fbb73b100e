"""The admin's in-store devices (``device_admin``) and customer list definitions (``list_admin``)."""

from concierge.presence import device_admin as device_admin
from concierge.presence import list_admin as list_admin
