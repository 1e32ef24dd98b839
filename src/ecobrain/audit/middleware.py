import uuid

from ecobrain.audit.changelog import change_actor


class ChangeActorMiddleware:
    """Makes the request's user the actor of every change the request causes (the change log reads it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request.headers.get("X-Request-ID") or str(uuid.uuid4())
        source = "api" if request.path.startswith("/api/") else "web"
        with change_actor(_LazyUser(request), source=source, request_id=request.request_id):
            return self.get_response(request)


class _LazyUser:
    """The request's user, read when a change is recorded: DRF sets ``request.user`` after token authentication."""

    def __init__(self, request):
        self._request = request

    def resolve(self):
        return getattr(self._request, "user", None)
