"""Run a sync project's whole middleware chain in the request's one worker thread under ASGI.

Why: under an ASGI server Django loads the middleware chain in async mode. Django's own
middleware (``MiddlewareMixin``) is async-capable, and in async mode it runs each of its
``process_request`` / ``process_response`` hooks through ``sync_to_async``: a hand-off to the
request's thread and back per hook, some twenty per request with a usual ``MIDDLEWARE``, each
one a wake-up of the event loop and a turn at the GIL. That cost about 3 ms before an idle
server's view ran, and about 15 ms after it when the loop was fanning a push out to 500 sockets
(docs/benchmarks.md, issue 11 part 8): the mentor's response waited behind the push it had just
sent, a turn at a time.

With this sync-only middleware last in ``MIDDLEWARE``, every middleware above it runs in sync
mode (Django adapts only where a sync middleware meets an async handler, here once at the top
and once at the bottom), so the chain and the view share one worker thread: asgiref runs a
thread-sensitive ``sync_to_async`` made inside ``async_to_sync`` in the thread that waits on it.
For projects whose views are sync (all of ours); a project with async views and async-native
middleware gains nothing from it.
"""


class SyncMiddlewareChain:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
