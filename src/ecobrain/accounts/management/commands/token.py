from django.core.management.base import BaseCommand, CommandError

from ecobrain.accounts import services
from ecobrain.accounts.models import APIToken, User


class Command(BaseCommand):
    help = "API tokens: `token create USER [--name N] [--days D]`, `token list [USER]`, `token revoke KEY_ID`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="create a token and print it once")
        create.add_argument("username")
        create.add_argument("--name", default="")
        create.add_argument("--days", type=int, default=None, help="expire after this many days")
        listing = sub.add_parser("list", help="list tokens (never the keys)")
        listing.add_argument("username", nargs="?")
        revoke = sub.add_parser("revoke", help="revoke a token by its id (the part after ebk_)")
        revoke.add_argument("key_id")

    def handle(self, *args, verb, **options):
        if verb == "create":
            try:
                user = User.objects.get(username=options["username"])
            except User.DoesNotExist:
                raise CommandError(f"用户 {options['username']!r} 不存在。") from None
            if not user.is_active:
                raise CommandError(f"用户 {user.username!r} 已停用。")
            if options["days"] is not None and options["days"] < 1:
                raise CommandError("--days 须为正整数。")
            _, key = services.create_token(user, name=options["name"], days=options["days"])
            self.stdout.write(key)
        elif verb == "list":
            tokens = APIToken.objects.select_related("user")
            if options.get("username"):
                tokens = tokens.filter(user__username=options["username"])
            for token in tokens:
                state = "revoked" if token.revoked else ("expired" if not token.is_usable() else "active")
                self.stdout.write(
                    f"{token.key_id}\t{token.user.username}\t{token.name}\t{state}\t{token.created:%Y-%m-%d}"
                )
        else:
            key_id = options["key_id"].removeprefix("ebk_").split("_")[0]
            token = APIToken.objects.filter(key_id=key_id).first()
            if token is None:
                raise CommandError(f"令牌 {key_id!r} 不存在。")
            services.revoke_token(token)
            self.stdout.write(f"revoked {token.key_id}")
