"""normkit.server: the HTTP service (optional extra ``normkit[server]``: FastAPI on uvicorn).

``create_app()`` builds the ASGI application; ``normkit serve`` runs it. FastAPI is imported
only by :mod:`normkit.server.app`, never by the rest of normkit.
"""
