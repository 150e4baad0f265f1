"""Example server-side action: called from the app with runAction("example_action", {...})."""

import datetime


def execute(ctx):
    """Entry point the platform calls; whatever goes to ctx.response.json() becomes runAction()'s `data`."""
    name = str(ctx.params.get("name") or "there").strip()[:80]
    ctx.response.json(
        {
            "message": f"Hello, {name}!",
            "received": dict(ctx.params),
            "at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        }
    )
