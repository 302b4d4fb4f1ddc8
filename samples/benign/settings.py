"""Django settings for the reporting site. Secrets come from the environment."""
import os

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = os.environ.get("DEBUG", "false") == "true"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("DB_NAME", "reporting"),
        "USER": os.environ.get("DB_USER", "reporting"),
        "PASSWORD": os.environ.get("DB_PASSWORD"),
        "HOST": os.environ.get("DB_HOST", "localhost"),
        "PORT": 5432,
    }
}

EMAIL_HOST_PASSWORD = get_secret("smtp/password")
AWS_SECRET_ACCESS_KEY = os.getenv("AWS_SECRET_ACCESS_KEY")
STRIPE_API_KEY = settings_from_vault("stripe_api_key")
password = request.POST.get("password")
token = self.generate_token(user_id=user.pk, expires_in=3600)
api_key = kwargs.pop("api_key", None)
user.set_password(form.cleaned_data["password1"])


def checksum(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc = TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


BUCKETS = [100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000]
LEGACY_IDS = {"ORD-2024-000183": 17, "ORD-2024-000184": 18}
