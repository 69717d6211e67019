"""Demo seed for unified identity.

DEMO ONLY: the demo ``operator`` and ``admin`` accounts get an authenticator with a published,
fixed secret so that anyone can try the console. ``pengcheng demo`` prints it. A real installation
never runs this seed; its staff enrol their own authenticators on first login.
"""

from __future__ import annotations

from base64 import b32encode
from binascii import unhexlify

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from pengcheng.core.models import User
from pengcheng.seeding import SeedContext

# 20 bytes, hex-encoded as django-otp stores it. Its base32 form is what authenticator apps take.
DEMO_TOTP_KEY = "50656e676368656e672064656d6f206f6e6c7921"  # "Pengcheng demo only!"
DEMO_TOTP_ACCOUNTS = ("operator", "admin")


def demo_totp_secret() -> str:
    return b32encode(unhexlify(DEMO_TOTP_KEY)).decode()


def seed_demo(ctx: SeedContext) -> None:
    with transaction.atomic():
        for user in User.objects.filter(username__in=DEMO_TOTP_ACCOUNTS):
            if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                TOTPDevice.objects.create(user=user, name="demo authenticator", key=DEMO_TOTP_KEY, confirmed=True)
    ctx.notes.append(
        f"DEMO ONLY — {' and '.join(DEMO_TOTP_ACCOUNTS)} sign in with a second factor: add the secret "
        f"{demo_totp_secret()} to any authenticator app (TOTP, SHA-1, 6 digits, 30 s), "
        f"or run `oathtool --totp -b {demo_totp_secret()}`."
    )
