"""The admin of in-store devices: register per store and zone, show the secret once, rotate, revoke."""
