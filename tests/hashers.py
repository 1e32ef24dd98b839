from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 with tiny costs, so creating personas is fast; hashes still read ``argon2$…``."""

    time_cost = 1
    memory_cost = 256
    parallelism = 1
